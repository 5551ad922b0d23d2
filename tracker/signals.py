"""What tracker tells the apps above it, so that it never imports them: an app that must react
(briefings, when a workstream merges or the demo is loaded) connects a receiver in its
``AppConfig.ready``. Receivers run inside the sender's transaction, and an error in one undoes
the whole change (``send``, not ``send_robust``)."""

from __future__ import annotations

from django.dispatch import Signal

# A workstream merged into another, inside the merge's transaction.
# Arguments: merged, survivor (Workstream), acting_user (User).
workstream_merged = Signal()

# The demo data was loaded into a deal, inside the load's transaction.
# Arguments: deal, today (the day the demo is built for). Each receiver returns {what: how
# many} it created, for the load's summary.
demo_loaded = Signal()

# The demo data is about to be deleted (before a fresh load, or on its own), inside the
# deletion's transaction: an app above deletes its own demo rows first, since they may hold on
# to the demo's workstream records (a department, a proposal). Each receiver returns how many
# rows it deleted.
demo_deleting = Signal()
