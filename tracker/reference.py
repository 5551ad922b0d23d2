"""The deals the source documents describe, from their files under ``data/deals/``.

Each file holds a deal as its sources give it: the combined authority, the deal, its themes and
workstreams, the principles every proposal answers, its governance bodies and how work flows up
through them, its timeline and, optionally, its own outcomes framework. The head of each file
cites its sources.

``load_reference_data()`` reads every file first and loads them only if all are sound
(``tracker.deal_file``); it needs the missions loaded first (``missions.reference``), and the
caller provides the transaction.
"""

from __future__ import annotations

from missions.reference import Counts, merge_counts

from . import deal_file


def load_reference_data() -> Counts:
    """Load every deal under ``data/deals/``; returns the counts per model."""
    deals = [deal_file.read(path) for path in deal_file.files()]
    return merge_counts(*(deal_file.load(data)[1] for data in deals))
