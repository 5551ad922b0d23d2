"""Which workstreams and proposals claim to move a mission, a metric or an indicator: the
missions pages' "claimed by" lists, the framework pages' counts and the coverage page's gaps.
Each read is a bounded number of queries, of the work the person may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet

from missions.models import Indicator

from ..models import Proposal, Workstream
from .proposals import proposals_for
from .reporting import workstreams_for

if TYPE_CHECKING:
    from .base import AnyUser


# Which workstreams and proposals claim to move a mission: those naming the mission, one of
# its metrics, or an indicator of one of its metrics. One query of the three link tables.


def mission_links(
    owner: str, model: type[Workstream] | type[Proposal], owners: QuerySet | list[int]
) -> QuerySet:
    missions = model.missions.through.objects.filter(**{f"{owner}_id__in": owners})
    metrics = model.metrics.through.objects.filter(**{f"{owner}_id__in": owners})
    via_indicators = model.indicators.through.objects.filter(
        **{f"{owner}_id__in": owners}, indicator__metric__isnull=False
    )
    return (
        missions.values_list(f"{owner}_id", "mission_id")
        .union(metrics.values_list(f"{owner}_id", "metric__mission_id"))
        .union(via_indicators.values_list(f"{owner}_id", "indicator__metric__mission_id"))
    )


@dataclass
class Claims:
    workstreams: list[Workstream] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)


def claims_by_mission(user: AnyUser) -> dict[int, Claims]:
    """Mission id -> the workstreams and proposals the person may see that claim to move it
    (4 queries, whatever the number of them)."""
    workstreams = list(
        workstreams_for(user).prefetch_related(None).order_by("theme__position", "position")
    )
    visible_proposals = proposals_for(user).values("pk")
    ws_links = list(mission_links("workstream", Workstream, [w.pk for w in workstreams]))
    proposal_links = list(mission_links("proposal", Proposal, visible_proposals))
    proposals = {
        p.pk: p
        for p in Proposal.objects.filter(pk__in={pk for pk, _ in proposal_links})
        .select_related("workstream")
        .order_by("title")
    }
    claims: dict[int, Claims] = {}
    ws_missions: dict[int, set[int]] = {}
    for workstream_id, mission_id in ws_links:
        ws_missions.setdefault(workstream_id, set()).add(mission_id)
    for workstream in workstreams:
        for mission_id in sorted(ws_missions.get(workstream.pk, ())):
            claims.setdefault(mission_id, Claims()).workstreams.append(workstream)
    p_missions: dict[int, set[int]] = {}
    for proposal_id, mission_id in proposal_links:
        p_missions.setdefault(proposal_id, set()).add(mission_id)
    for proposal in proposals.values():
        for mission_id in sorted(p_missions.get(proposal.pk, ())):
            claims.setdefault(mission_id, Claims()).proposals.append(proposal)
    return claims


def claims_on_indicator(user: AnyUser, indicator: Indicator) -> Claims:
    """The workstreams and proposals the person may see that claim to move an indicator: by
    naming it, or the metric it reports (``names_indicator`` says which; 2 queries)."""

    def linked(model: type[Workstream] | type[Proposal], owner: str, qs: QuerySet) -> QuerySet:
        direct = model.indicators.through.objects.filter(indicator_id=indicator.pk)
        # An indicator with no metric matches no row (Django reads None as IS NULL).
        by_metric = model.metrics.through.objects.filter(metric_id=indicator.metric_id)  # type: ignore[misc]
        return qs.filter(
            Q(pk__in=direct.values(f"{owner}_id")) | Q(pk__in=by_metric.values(f"{owner}_id"))
        ).annotate(names_indicator=Exists(direct.filter(**{f"{owner}_id": OuterRef("pk")})))

    workstreams = linked(
        Workstream,
        "workstream",
        workstreams_for(user).prefetch_related(None).order_by("theme__position", "position"),
    )
    proposals = linked(
        Proposal,
        "proposal",
        proposals_for(user).select_related("workstream").order_by("title"),
    )
    return Claims(workstreams=list(workstreams), proposals=list(proposals))


@dataclass(frozen=True)
class ClaimCount:
    workstreams: int = 0
    proposals: int = 0

    @property
    def none(self) -> bool:
        return not (self.workstreams or self.proposals)


def claim_counts(user: AnyUser, indicators: Iterable[Indicator]) -> dict[int, ClaimCount]:
    """Indicator id -> how many of the workstreams and proposals the person may see claim to
    move it, by naming it or the mission metric it reports (4 queries, whatever the numbers)."""
    indicators = list(indicators)
    ids = [i.pk for i in indicators]
    by_metric: dict[int, list[int]] = {}
    for i in indicators:
        if i.metric_id is not None:
            by_metric.setdefault(i.metric_id, []).append(i.pk)

    def owners(model: type[Workstream] | type[Proposal], owner: str, visible) -> dict[int, set]:
        claimed: dict[int, set] = {}
        direct = model.indicators.through.objects.filter(
            indicator_id__in=ids, **{f"{owner}_id__in": visible}
        ).values_list("indicator_id", f"{owner}_id")
        for indicator_id, owner_id in direct:
            claimed.setdefault(indicator_id, set()).add(owner_id)
        via_metric = model.metrics.through.objects.filter(
            metric_id__in=list(by_metric), **{f"{owner}_id__in": visible}
        ).values_list("metric_id", f"{owner}_id")
        for metric_id, owner_id in via_metric:
            for indicator_id in by_metric[metric_id]:
                claimed.setdefault(indicator_id, set()).add(owner_id)
        return claimed

    workstreams = owners(Workstream, "workstream", workstreams_for(user).values("pk"))
    proposals = owners(Proposal, "proposal", proposals_for(user).values("pk"))
    return {pk: ClaimCount(len(workstreams.get(pk, ())), len(proposals.get(pk, ()))) for pk in ids}
