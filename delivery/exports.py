"""What delivery adds to tracker's exports and briefing pack, which tracker, below this app,
never imports: ``apps.DeliveryConfig.ready`` registers them (``tracker.exports.register_export``
and ``register_pack_section``).

- The provisions export: each provision the person may see as the delivery dashboard has it,
  as a CSV file or an Excel workbook written by tracker's writers (which neutralise formulas).
- The pack's delivery section: the dashboard's figures, with what changed since the body's
  previous meeting before the one the pack is for.

Both read through ``delivery.dashboard`` from what the person may see (a partner's hold
OFFICIAL provisions only), in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from core.choices import Classification
from core.models import Deal
from tracker.exports import Column, ExportKind, PackSection, Table

from . import dashboard

if TYPE_CHECKING:
    from tracker.models import Meeting

    from .dashboard import AnyUser


def provision_table(user: AnyUser, deal: Deal, today: dt.date | None = None) -> Table:
    """Each provision the person may see, where its latest report puts it, and what changed
    since the DSG last met (three queries)."""
    today = today or timezone.localdate()
    period = dashboard.current_period(deal, today)
    since = dashboard.since_last_meeting(user, deal)
    visible = dashboard.visible_provisions(user, deal)
    changed = {c.line.provision.pk: c for c in dashboard.changes(visible, since.moment, period)}
    table = Table(
        "provisions",
        "Provisions and their delivery",
        [
            Column("Reference", 11),
            Column("Title", 50),
            Column("Chapter", 20),
            Column("Theme", 30),
            Column("Workstream", 34),
            Column("Government department", 30),
            Column("Lead organisation", 30),
            Column("Kind", 12),
            Column("Delivery state", 14),
            Column("Delivery confidence", 14),
            Column("Latest report for the period from", 14),
            Column("Reported this period", 12),
            Column("Baseline", 13),
            Column("Forecast", 13),
            Column("Days the forecast slipped", 12),
            Column("Reported on since the last DSG meeting", 14),
            Column("Delivery state at the last DSG meeting", 14),
            Column("Delivery confidence at the last DSG meeting", 14),
            Column("Classification", 20),
        ],
    )
    for line in dashboard.lines(visible, period):
        p = line.provision
        change = changed.get(p.pk)
        then_state = change.state_before if change else line.state
        then_confidence = change.confidence_before if change else line.confidence
        table.rows.append(
            [
                p.reference,
                p.title,
                p.chapter,
                p.workstream.theme.name,
                p.workstream.name,
                p.department.name if p.department else "",
                p.lead_organisation.name if p.lead_organisation else "",
                p.get_kind_display(),
                line.state_label,
                line.confidence_label if line.confidence else "",
                line.period_start,
                "Yes" if line.reported_this_period else ("Not due" if line.finished else "No"),
                line.baseline_on,
                line.forecast_on,
                line.slip_days or 0,
                "Yes" if change else "No",
                dashboard.state_label(then_state),
                dashboard.confidence_label(then_confidence) if then_confidence else "",
                Classification(p.classification).label,
            ]
        )
    return table


PROVISIONS_EXPORT = ExportKind(
    "provisions",
    "Provisions and their delivery",
    "Each provision of the agreed deal with its theme, workstream, government department, "
    "lead organisation and kind; its latest report's delivery state and confidence, baseline "
    "and forecast, and how many days the forecast slipped; whether it has reported this "
    "period; whether it was reported on since the DSG last met and where it stood then; and "
    "its classification.",
    provision_table,
)


def pack_section(user: AnyUser, meeting: Meeting, today: dt.date) -> PackSection | None:
    """The pack's delivery section: the dashboard's figures for the person, with what changed
    since the body's meeting before this one (a fixed number of queries); nothing for a deal
    with no provisions the person may see."""
    deal = meeting.body.deal
    since = dashboard.since_last_meeting(user, deal, meeting.starts_at, body_id=meeting.body_id)
    found = dashboard.delivery_dashboard(user, deal, since=since, today=today)
    if not found.total.total:
        return None
    return PackSection(
        anchor="delivery",
        heading="Delivery of the provisions",
        template="delivery/dashboard/_pack_section.html",
        context={"dash": found, "shown": PACK_SHOWN},
        sensitive=found.includes_sensitive,
    )


# The most provisions each of the pack's lists names; the dashboard has them all.
PACK_SHOWN = 15
