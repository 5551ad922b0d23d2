"""What tracker tells the apps above it, so that it never imports them: an app that must react
(briefings, when a workstream merges or the demo is loaded) or add to a page or a visit
(delivery's provisions on the workstream page and after the update) connects a receiver in its
``AppConfig.ready``. Receivers run inside the sender's transaction, and an error in one undoes
the whole change (``send``, not ``send_robust``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class VisitStep:
    """A step an app above adds to a lead's update visit, after the update itself."""

    label: str  # what the step does, as a link text: "Report on 3 provisions"
    url: str
    description: str = ""  # one sentence shown on the update form before the lead posts


@dataclass(frozen=True)
class PageSection:
    """A section an app above adds to the workstream page, rendered from its own template."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


# A lead opened (or posted) the workstream's update for the period: the apps above say what
# else the visit asks of them. Arguments: user, workstream, period. Each receiver returns a
# VisitStep, or None when it has nothing to ask. After posting, the lead is taken to the first.
update_visit_steps = Signal()

# The workstream page is being shown: the apps above add their sections. Arguments: user,
# workstream. Each receiver returns a PageSection, or None. Reads only, a fixed number of
# queries each.
workstream_sections = Signal()


# A proposal's page is being shown: the apps above add their sections (delivery: the
# provisions an agreed outcome became). Arguments: user, proposal. As workstream_sections.
proposal_sections = Signal()


# A meeting's page is being shown: the apps above add their sections (papers: the meeting's
# papers). Arguments: user, meeting. As workstream_sections.
meeting_sections = Signal()


def collected(responses: list[tuple[Any, Any]]) -> list[Any]:
    """What the receivers of ``Signal.send`` returned, leaving out their Nones."""
    return [response for _, response in responses if response is not None]
