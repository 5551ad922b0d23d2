"""A deal's provisions reported on over two periods either side of a meeting of the Devolution
Strategy Group, for the tests of the delivery dashboard, its exports, pack section and digest.

On ``NOW`` (a Wednesday, in the fortnight from 11 to 24 May 2026), the DSG last met on 12 May.
Five provisions, reported on by their workstreams' leads (Alice leads Transport, Bob Skills):

- 1.1 (Transport, DfT): in progress and Green last period; this period in progress and Amber,
  its forecast moved 43 days past the baseline. Confidence changed since the meeting.
- 1.2 (Transport, DfT, OFFICIAL-SENSITIVE, "Zephyrine"): stalled and Red last period, no
  report this period, nothing since the meeting.
- 2.1 (Skills, DfE): never reported on.
- 2.2 (Skills, no department): in progress last period, revised to delivered after the meeting.
  Finished, so due no report this period.
- 2.10 (Skills, DfE): its first report this period, not started and Amber/Green.

Skills's theme comes before Transport's in the deal, so lists in the deal's order give the
Skills provisions (2.1, 2.2, 2.10, by number) first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.choices import Classification
from delivery import services
from delivery.choices import Confidence, DeliveryState, ProvisionKind
from delivery.models import Provision
from tracker import services as tracker_services
from tracker.choices import BodyKind
from tracker.models import GovernanceBody, GovernmentDepartment, Meeting, Workstream
from tracker.periods import Period, deal_period, previous_period

from .conftest import People

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
SECRET = "Zephyrine"
BASELINE = dt.date(2027, 3, 31)
SLIPPED_TO = BASELINE + dt.timedelta(days=43)


@dataclass
class World:
    people: People
    current: Period
    previous: Period
    meeting: Meeting
    p11: Provision
    p12: Provision
    p21: Provision
    p22: Provision
    p210: Provision

    @property
    def all(self) -> list[Provision]:
        return [self.p11, self.p12, self.p21, self.p22, self.p210]


def workstream(people: People, slug: str) -> Workstream:
    return Workstream.objects.get(deal=people.deal, slug=slug)


def make_provision(people: People, reference: str, ws: str, **fields: Any) -> Provision:
    values: dict[str, Any] = {
        "chapter": "Chapter",
        "title": f"Provision {reference}",
        "text": "Government will work with the authority on the powers described.",
        "kind": ProvisionKind.POWER,
        "classification": Classification.OFFICIAL,
    } | fields
    return services.provision_create(
        deal=people.deal,
        acting_user=people.admin,
        reference=reference,
        workstream=workstream(people, ws),
        **values,
    )


def report(
    people: People,
    provision: Provision,
    period: Period,
    state: str,
    confidence: str,
    forecast_on: dt.date | None = BASELINE,
    **more: Any,
) -> Any:
    author = people.lead if provision.workstream.slug == "transport" else people.other_lead
    return services.report_submit(
        provision=provision,
        acting_user=author,
        state=state,
        confidence=confidence,
        narrative=f"Where {provision.reference} stands.",
        forecast_on=forecast_on,
        period=period,
        **more,
    )


def dsg(people: People) -> GovernanceBody:
    return GovernanceBody.objects.get(deal=people.deal, kind=BodyKind.STRATEGY_GROUP)


def build(people: People, time_machine: Any) -> World:
    """The world above, written at the moments it describes (``time_machine`` is the fixture
    of the same name); the clock is left at ``NOW``."""
    deal = people.deal
    current = deal_period(deal, NOW.date())
    previous = previous_period(deal, current)
    dft = GovernmentDepartment.objects.get(deal=deal, abbreviation="DfT")
    dfe = GovernmentDepartment.objects.get(deal=deal, abbreviation="DfE")
    before = dt.datetime.combine(previous.start + dt.timedelta(days=2), dt.time(9), dt.UTC)
    met = dt.datetime.combine(current.start + dt.timedelta(days=1), dt.time(10), dt.UTC)
    after = NOW - dt.timedelta(days=2)
    S, C = DeliveryState, Confidence
    time_machine.move_to(before, tick=False)
    p11 = make_provision(people, "1.1", "transport", department=dft, title="Bus franchising")
    p12 = make_provision(
        people,
        "1.2",
        "transport",
        department=dft,
        title=f"{SECRET} rail settlement",
        classification=Classification.OFFICIAL_SENSITIVE,
    )
    p21 = make_provision(people, "2.1", "skills", department=dfe, title="Adult skills budget")
    p22 = make_provision(people, "2.2", "skills", title="Careers hub")
    p210 = make_provision(people, "2.10", "skills", department=dfe, title="Skills bootcamps")
    report(people, p11, previous, S.IN_PROGRESS, C.GREEN)
    report(people, p12, previous, S.STALLED, C.RED)
    report(people, p22, previous, S.IN_PROGRESS, C.GREEN)
    time_machine.move_to(met, tick=False)
    meeting = tracker_services.meeting_create(
        body=dsg(people), acting_user=people.admin, starts_at=met
    )
    time_machine.move_to(after, tick=False)
    report(
        people,
        p11,
        current,
        S.IN_PROGRESS,
        C.AMBER,
        forecast_on=SLIPPED_TO,
        forecast_reason="The consultation moved back.",
    )
    report(people, p22, previous, S.DELIVERED, C.GREEN, based_on_revision=1)
    report(people, p210, current, S.NOT_STARTED, C.AMBER_GREEN)
    time_machine.move_to(NOW, tick=False)
    return World(people, current, previous, meeting, p11, p12, p21, p22, p210)
