"""Every write to the tracker goes through here.

Each service is atomic, checks the acting person may do it (``core.policy``), checks the
business rules, and saves through the model so that django-simple-history records who changed
what. Views, the API, the admin and tasks call these; none of them save domain models directly.

- ``reporting``: status updates and their sign-off, risks, the engagement plan, adding and
  changing workstreams, merging and ceasing them.
- ``proposals``: drafting (and deleting a mistaken draft), the principles checklist, the
  governance chain, submission to government, negotiation and outcomes.
- ``governance``: meetings and agendas, the Proposition, milestones.
- ``asks``: the DSG's answers to the workstreams' asks, and the meetings' actions.
- ``links``: the missions, metrics and indicators a workstream moves.

What they read is in ``tracker.selectors``, whose modules have the same names: a service
reads through a selector (the chain, the approved Proposition, the period open for updates),
never through another service, and no selector calls a service.
"""

from core.errors import StaleEdit

from .asks import action_close, action_create, ask_answer
from .base import TrackerError
from .governance import (
    agenda_item_add,
    agenda_item_remove,
    agenda_sync,
    agenda_sync_asks,
    meeting_advance,
    meeting_create,
    meeting_update,
    milestone_create,
    milestone_update,
    proposition_approve,
    proposition_version_create,
)
from .links import workstream_links_set
from .proposals import (
    decision_record,
    negotiation_log,
    negotiation_update,
    principles_answer,
    proposal_conclude,
    proposal_create,
    proposal_delete,
    proposal_pass,
    proposal_skip,
    proposal_submit,
    proposal_update,
)
from .reporting import (
    CLOSED_PROPOSAL_STAGES,
    ENGAGEMENT_FIELDS,
    RISK_FIELDS,
    UPDATE_FIELDS,
    UPDATE_TEXT_FIELDS,
    WORKSTREAM_FIELDS,
    engagement_entry_create,
    engagement_entry_update,
    risk_create,
    risk_update,
    status_update_errors,
    status_update_review,
    status_update_submit,
    workstream_cease,
    workstream_create,
    workstream_merge,
    workstream_update,
)

__all__ = [
    "CLOSED_PROPOSAL_STAGES",
    "ENGAGEMENT_FIELDS",
    "RISK_FIELDS",
    "UPDATE_FIELDS",
    "UPDATE_TEXT_FIELDS",
    "WORKSTREAM_FIELDS",
    "StaleEdit",
    "TrackerError",
    "action_close",
    "action_create",
    "agenda_item_add",
    "agenda_item_remove",
    "agenda_sync",
    "agenda_sync_asks",
    "ask_answer",
    "decision_record",
    "engagement_entry_create",
    "engagement_entry_update",
    "meeting_advance",
    "meeting_create",
    "meeting_update",
    "milestone_create",
    "milestone_update",
    "negotiation_log",
    "negotiation_update",
    "principles_answer",
    "proposal_conclude",
    "proposal_create",
    "proposal_delete",
    "proposal_pass",
    "proposal_skip",
    "proposal_submit",
    "proposal_update",
    "proposition_approve",
    "proposition_version_create",
    "risk_create",
    "risk_update",
    "status_update_errors",
    "status_update_review",
    "status_update_submit",
    "workstream_cease",
    "workstream_create",
    "workstream_links_set",
    "workstream_merge",
    "workstream_update",
]
