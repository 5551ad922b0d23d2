"""The demo's provisions and their delivery reports, loaded with tracker's demo data.

Synthetic, and marked ``is_demo``: the real deal's provisions are not in the sources, so none of
these stands for one. Each is titled as an example. Between them they cover every kind, and
their latest reports every delivery state and every confidence level, and so do the published
ones alone (so that the public progress page shows each); all are OFFICIAL but one, which is
OFFICIAL-SENSITIVE (and so never published), and one OFFICIAL one is not published; each has
reports over the last few periods, and two forecasts slip, each with its reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.choices import Classification, Role
from core.models import Deal, Membership
from tracker.choices import ReviewDecision
from tracker.models import GovernmentDepartment, Proposal, Workstream
from tracker.periods import deal_period, previous_period

from . import services
from .choices import Confidence as C
from .choices import DeliveryState as S
from .choices import ProvisionKind as K

# How many reporting periods back the reports start.
PERIODS = 3


@dataclass(frozen=True)
class DemoProvision:
    reference: str
    chapter: str
    title: str
    kind: str
    # (state, confidence) for each period, oldest first; None for no report that period.
    reports: tuple[tuple[str, str] | None, ...]
    published: bool = True
    sensitive: bool = False
    slips: bool = False  # the forecast moves in the last period


DEMO = (
    DemoProvision(
        "1.1",
        "Growth",
        "Example: a single investment fund",
        K.FUNDING,
        ((S.IN_PROGRESS, C.GREEN), (S.IN_PROGRESS, C.GREEN), (S.IN_PROGRESS, C.AMBER_GREEN)),
    ),
    DemoProvision(
        "1.2",
        "Growth",
        "Example: business rates retention",
        K.FREEDOM,
        ((S.IN_PROGRESS, C.GREEN), (S.IN_PROGRESS, C.AMBER_GREEN), (S.DELIVERED, C.GREEN)),
    ),
    DemoProvision(
        "2.1",
        "Transport",
        "Example: a consolidated transport settlement",
        K.FUNDING,
        ((S.IN_PROGRESS, C.AMBER_GREEN), (S.IN_PROGRESS, C.AMBER), (S.IN_PROGRESS, C.AMBER)),
        slips=True,
    ),
    DemoProvision(
        "2.2",
        "Transport",
        "Example: powers over local rail stations",
        K.POWER,
        ((S.NOT_STARTED, C.AMBER), (S.STALLED, C.AMBER_RED), (S.STALLED, C.RED)),
    ),
    DemoProvision(
        "3.1",
        "Skills",
        "Example: a duty to plan adult skills provision",
        K.DUTY,
        (None, (S.NOT_STARTED, C.GREEN), (S.NOT_STARTED, C.AMBER_RED)),
    ),
    DemoProvision(
        "3.2",
        "Skills",
        "Example: a partnership on careers advice",
        K.PARTNERSHIP,
        ((S.IN_PROGRESS, C.AMBER), (S.SUPERSEDED, C.GREEN), (S.SUPERSEDED, C.GREEN)),
    ),
    DemoProvision(
        "4.1",
        "Housing",
        "Example: a negotiating position on housing grant",
        K.FUNDING,
        ((S.IN_PROGRESS, C.AMBER_RED), (S.IN_PROGRESS, C.AMBER_RED), (S.IN_PROGRESS, C.RED)),
        published=False,
        sensitive=True,
        slips=True,
    ),
    DemoProvision(
        "4.2",
        "Housing",
        "Example: a strategic place partnership",
        K.PARTNERSHIP,
        (None, None, (S.NOT_STARTED, C.GREEN)),
        published=False,
    ),
)
NARRATIVE: dict[str, str] = {
    C.GREEN: "On track against the delivery plan agreed with the department.",
    C.AMBER_GREEN: "On track, with two risks on the log that need watching this quarter.",
    C.AMBER: "Significant issues with the department's timetable; resolvable if agreed soon.",
    C.AMBER_RED: "Delivery is in doubt: the funding route is not yet agreed with government.",
    C.RED: "Not achievable as agreed: the Devolution Strategy Group is asked to re-scope it.",
}
TEXT = (
    "A demonstration provision, not taken from any deal: it shows how an agreed commitment is "
    "tracked to delivery."
)


def demo_provisions_load(deal: Deal, today: dt.date) -> dict[str, int]:
    """Add the demo's provisions to a deal, reported on by its demo administrator over the
    last few periods up to ``today``'s. Nothing is added where the deal lacks the workstreams
    and the demo administrator to hold them."""
    workstreams = list(Workstream.objects.filter(deal=deal, status="active").order_by("pk"))
    admin = (
        Membership.objects.filter(deal=deal, role=Role.ADMIN, user__is_demo=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if not workstreams or admin is None:
        return {}
    author = admin.user
    departments = list(GovernmentDepartment.objects.filter(deal=deal).order_by("pk"))
    periods = [deal_period(deal, today)]
    for _ in range(PERIODS - 1):
        periods.insert(0, previous_period(deal, periods[0]))
    # The demo's sponsors sign off every period's reports but the one open now, so the
    # workstreams' reports pages show both signed-off reports and ones awaiting sign-off.
    sponsors = {
        m.workstream_id: m.user
        for m in Membership.objects.filter(
            deal=deal, role=Role.SPONSOR, user__is_demo=True
        ).select_related("user")
    }
    made = reports = signed = 0
    for number, demo in enumerate(DEMO):
        workstream = workstreams[number % len(workstreams)]
        provision = services.provision_create(
            deal=deal,
            acting_user=author,
            reference=f"Demo {demo.reference}",
            chapter=demo.chapter,
            title=demo.title,
            text=TEXT,
            workstream=workstream,
            kind=demo.kind,
            # The deal's combined authority leads them all, so that the public page names one.
            lead_organisation=deal.combined_authority,
            department=departments[number % len(departments)] if departments else None,
            classification=(
                Classification.OFFICIAL_SENSITIVE if demo.sensitive else Classification.OFFICIAL
            ),
            is_published=demo.published,
            is_demo=True,
            proposals=list(Proposal.objects.filter(workstream=workstream).order_by("pk")[:1]),
        )
        made += 1
        forecast = periods[-1].end + dt.timedelta(days=180 + 30 * number)
        for index, (period, rated) in enumerate(zip(periods, demo.reports, strict=True)):
            if rated is None:
                continue
            state, confidence = rated
            moved = demo.slips and index == len(periods) - 1
            report = services.report_submit(
                provision=provision,
                acting_user=author,
                state=state,
                confidence=confidence,
                narrative=NARRATIVE[confidence],
                forecast_on=forecast + dt.timedelta(days=90) if moved else forecast,
                forecast_reason="The department moved its consultation back a quarter."
                if moved
                else "",
                period=period,
                is_demo=True,
            )
            reports += 1
            sponsor = sponsors.get(workstream.pk)
            if sponsor is not None and index < len(periods) - 1:
                services.report_review(
                    report=report,
                    acting_user=sponsor,
                    decision=ReviewDecision.SIGNED_OFF,
                    is_demo=True,
                )
                signed += 1
    return {"provisions": made, "provision reports": reports, "provision sign-offs": signed}
