"""Every read of the tracker: what its pages, the API, the exports, the calendar feed and the
emails show. Each read goes through ``core.policy`` and issues a bounded number of queries. The
modules mirror ``tracker.services``, one per concern:

- ``base``: the deals a person may see, and the one a page shows (from ``core.selectors``).
- ``reporting``: workstreams and where each stands in the reporting cycle, status updates,
  risks, the engagement plan, the list of workstreams and what a merge moves.
- ``proposals``: lists of proposals and a proposal's page, the principles, its journey up the
  governance chain, decisions and the log of talks with government.
- ``governance``: the governance bodies, meetings and agendas, milestones, the Proposition.
- ``asks``: the DSG's answers to the asks and the meetings' action log.
- ``history``: who changed a record, when, and what.
- ``links``: which workstreams and proposals claim to move a mission, metric or indicator.
- ``dashboards`` and ``pipeline``: the read-only pages (the portfolio overview; the pipeline,
  mission coverage and asks pages). They read the missions app's selectors, which read these,
  so they are imported by name (``from tracker.selectors import pipeline``), not from here.

Services may read through these; these never call a service. The few reads that nearly every
page makes are named here too.
"""

from . import asks, base, governance, history, proposals, reporting
from .base import deal_for, deals_for
from .proposals import proposals_for
from .reporting import status_updates_for, workstream_for_page, workstreams_for

__all__ = [
    "asks",
    "base",
    "deal_for",
    "deals_for",
    "governance",
    "history",
    "proposals",
    "proposals_for",
    "reporting",
    "status_updates_for",
    "workstream_for_page",
    "workstreams_for",
]
