"""A synthetic data set N times the size of a realistic deal, in a deal of its own, for measuring
how the pages behave at scale (``load_demo_data --scale N``).

How scale relates to the normal demo: ``--scale N`` first loads the normal demo exactly as
``load_demo_data`` does (its people, logins, updates, proposals, meetings and the real ONS
figures, replacing any earlier demo load), and then creates a deal of its own, marked
``is_demo``: "Synthetic deal (demo)", slug ``synthetic-demo`` (``DEAL_SLUG``). Nothing of the
demo's deal is written or changed: demo data never mixes with the reference data. The synthetic
deal has:

- its own combined authority (an organisation marked ``is_demo``), no area code (no real
  area's figures are its own), and the demo deal's reporting calendar (cadence, due day, first
  reporting day);
- ``THEMES`` themes, ``PRINCIPLES`` principles and the government departments of the demo,
  marked ``is_demo``;
- a copy of the shape of the demo deal's governance bodies: as many bodies, of the same kinds,
  in the same order, with the same chain (the first body, each body's next, any stand-in), named
  "Synthetic strategy group 3" and so on;
- the demo's people, in roles of this deal as well: its administrator, DSG members and partners
  for the whole deal, its leads and sponsors for the synthetic workstreams, so that the demo
  logins see it (someone in several deals chooses with ``?deal=synthetic-demo``);

and N times a realistic deal in it:

- ``20 x N`` workstreams named "Synthetic workstream 0001" and so on (slug
  ``synthetic-workstream-0001``), spread over the deal's themes, each led and sponsored by the
  demo leads and sponsors (memberships), linked to one or two missions;
- 52 fortnightly status updates each (two years): mixed RAG ratings, some OFFICIAL-SENSITIVE,
  most signed off by the sponsor but some not, and a few workstreams whose two years ended some
  periods ago, so that they are overdue;
- ``400 x N`` risks (20 a workstream): every RAG rating, some closed, some escalated to the DSG,
  some OFFICIAL-SENSITIVE;
- ``150 x N`` proposals at every stage (the demo's own mix of stages, referrals, skips and
  outcomes), each with the decisions of the governance chain that took it there, as the
  database requires: nothing is approved, submitted, negotiated or concluded (unless withdrawn)
  without the last body's endorsement, which is the proposal's ``board_endorsement``; a
  proposal in the chain awaits the body after the last one that endorsed it. The decisions are
  recorded by the demo administrator without a meeting (by correspondence), a week apart. Those
  that went to government did so as part of the deal's Proposition: an approved version of its
  own, made ``PROPOSITION_PAPERS_DAYS`` before the last body approved it
  ``PROPOSITION_WEEKS_AGO`` weeks ago; they were endorsed before it was made, join it, and were
  submitted a week after its approval. Every proposal answers the deal's principles (a few of
  the open ones leave some unanswered) and names one of its government departments;
- the next meeting of each body of the chain, a week apart from a week ahead, whose agenda lists
  the proposals awaiting the body (and, for a strategy group, the workstreams' asks of it);
- a framework "Synthetic indicators (demo)" of ``12 x N`` indicators (linked to the missions'
  metrics in turn) and 50 synthetic areas with GSS codes ``E06900001`` to ``E06900050`` (the
  right form, but no real area has them), with 10 annual observations (2013 to 2022) for each
  indicator and area: ``6,000 x N`` observations.

Everything that has the demo flag is marked ``is_demo``. Workstreams, areas, indicators and
frameworks have no such flag: the synthetic ones are known by their deal, slug, GSS code range
and framework. Every load (with or without ``--scale``) first deletes the synthetic deal of an
earlier scaled load, with everything in it, and the synthetic indicators and areas, then the
demo as ``tracker.demo`` does, so a plain ``load_demo_data`` after ``--scale 10`` leaves the
normal demo only. The deletion refuses (and deletes nothing) if a row that is not demo data is
attached to the synthetic data: a record without the demo flag, a real person's role in the
synthetic deal, or a deal that is not demo data under the synthetic deal's slug. (Synthetic
workstreams that a scaled load made before the synthetic data had a deal of its own left in
another deal go too, by their slug.)

The rows are written with ``bulk_create`` in batches, without the services and without history
entries (at 60,000 rows the services are far too slow, and nothing is being performed): the
values are built to satisfy every database constraint and each model's ``full_clean``. Each
record is then dated when it would have been made, in bulk (``bulk_create`` stamps every row
with the time of loading): an update in the last few days before its period was due, a sponsor's
sign-off a day or more after it, a decision on the day it was taken, a proposal a week or more
before its first decision and last changed when it last moved, a risk in the two years of
reporting. So what changed in a week is a week's worth, as in a real deal: a week's digest of the
synthetic deal lists that week's updates and decisions, not everything loaded.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.services import membership_grant
from core.choices import Classification, OrganisationKind, Role
from core.models import Deal, Membership, Organisation
from missions.choices import AreaLevel, Frequency, Unit
from missions.choices import Direction as IndicatorDirection
from missions.models import (
    Area,
    Indicator,
    IndicatorFramework,
    Metric,
    Mission,
    Observation,
    Target,
)
from missions.periods import parse_period

from .choices import (
    BodyKind,
    DecisionOutcome,
    Direction,
    MeetingStatus,
    PrincipleAnswer,
    ProposalStage,
    PropositionStatus,
    Rag,
    ReviewDecision,
    RiskStatus,
)
from .demo import (
    ASKS_OF_DSG,
    DEFAULT_SEED,
    DEPARTMENTS,
    LOGINS_FILENAME,
    MEETING_HOURS,
    NEXT_STEPS,
    OUTCOME_NOTES,
    PLANS,
    PROGRESS,
    PROPOSITION_PAPERS_DAYS,
    PROPOSITION_WEEKS_AGO,
    REFERRAL_REASONS,
    REJECTION_REASONS,
    RISK_SCORES,
    RISK_TEMPLATES,
    SKIP_REASON,
    SUMMARIES,
    WITHDRAWN_IN_CHAIN,
    DemoDataError,
    DemoSummary,
    Plan,
    _aware,
    _deal_required,
    _demo_rows_delete,
    _steps,
    demo_data_load,
    proposition_fill,
)
from .models import (
    AgendaItem,
    Decision,
    EngagementEntry,
    GovernanceBody,
    GovernmentDepartment,
    Meeting,
    NegotiationEntry,
    Principle,
    PrincipleResponse,
    Proposal,
    PropositionItem,
    PropositionVersion,
    Risk,
    StatusUpdate,
    Theme,
    UpdateReview,
    Workstream,
    WorkstreamDataVersion,
)
from .periods import Period, deal_period

# A realistic deal, which --scale N multiplies.
WORKSTREAMS = 20
UPDATES_PER_WORKSTREAM = 52  # two years, fortnightly
PROPOSALS = 150
RISKS = 400
INDICATORS = 12
AREAS = 50
OBSERVATION_YEARS = tuple(str(year) for year in range(2013, 2023))  # 10 periods
THEMES = 5
PRINCIPLES = 6

# The synthetic deal: demo data, never a deal of the reference data.
DEAL_SLUG = "synthetic-demo"
DEAL_NAME = "Synthetic deal (demo)"
DEAL_SHORT_NAME = "Synthetic (demo)"
AUTHORITY_NAME = "Synthetic Combined Authority (demo)"
# The roles the demo's people hold in the synthetic deal as a whole (leads and sponsors hold
# theirs for its workstreams).
DEAL_WIDE_ROLES = (Role.ADMIN, Role.DSG, Role.PARTNER)

WORKSTREAM_SLUG_PREFIX = "synthetic-workstream-"
FRAMEWORK_SLUG = "synthetic-indicators-demo"
INDICATOR_CODE_PREFIX = "synthetic-indicator-"
AREA_CODE_PREFIX = "E069"  # E06900001 to E06900050: the form of a GSS code, no real area's
BATCH = 2000
# bulk_update writes a CASE of one branch a row: smaller statements cost less than fewer.
DATES_BATCH = 500
MAX_SCALE = 100  # 2,000 workstreams, 600,000 observations: far beyond any real deal

S = ProposalStage


def workstream_name(number: int) -> str:
    return f"Synthetic workstream {number:04d}"


def area_code(number: int) -> str:
    return f"{AREA_CODE_PREFIX}{number:05d}"


@dataclass
class ScaleSummary:
    scale: int
    created: dict[str, int] = field(default_factory=dict)
    deleted: int = 0
    deal_name: str = DEAL_NAME
    deal_slug: str = DEAL_SLUG


# --- Loading ---------------------------------------------------------------------------------


def demo_load(
    *, seed: int = DEFAULT_SEED, scale: int | None = None, today: date | None = None
) -> tuple[DemoSummary, ScaleSummary | None]:
    """Delete any synthetic data, load the normal demo, and add the synthetic deal, ``scale``
    times a realistic one, if asked; all in one transaction. The logins file is written once it
    has committed."""
    if scale is not None and not 1 <= scale <= MAX_SCALE:
        raise DemoDataError(f"The scale must be a whole number from 1 to {MAX_SCALE}.")
    final = Path(settings.VAR_DIR) / LOGINS_FILENAME
    pending = final.with_name(f".{final.name}.pending")
    with transaction.atomic():
        removed = synthetic_delete()
        summary = demo_data_load(seed=seed, today=today, logins_path=pending)
        summary.deleted += removed
        scaled = None
        if scale is not None:
            scaled = synthetic_build(scale=scale, seed=seed, today=today or timezone.localdate())
    os.replace(pending, final)
    summary.logins_path = final
    return summary, scaled


def synthetic_build(*, scale: int, seed: int = DEFAULT_SEED, today: date) -> ScaleSummary:
    """Create the synthetic deal, ``scale`` times a realistic one, beside the demo's deal (whose
    people and shape of governance it takes)."""
    source = _deal_required()
    # Synthetic data that must repeat for a seed; not secrets.
    rng = random.Random(seed + scale)  # noqa: S311
    # The moments records were made: drawn apart from ``rng``, so that dating them leaves the
    # records themselves what they were.
    clock = random.Random(f"{seed}:{scale}:times")  # noqa: S311
    builder = _ScaleBuilder(source=source, rng=rng, clock=clock, today=today, scale=scale)
    return builder.build()


# --- Deleting --------------------------------------------------------------------------------


def _raw_delete(queryset: models.QuerySet[Any]) -> int:
    """Delete without loading the rows or sending signals (which would write a history entry
    for each): the caller deletes the dependent rows first. A query that can match nothing
    deletes nothing (and answers None)."""
    return int(queryset._raw_delete(queryset.db) or 0)


def _refuse_real(queryset: models.QuerySet[Any]) -> None:
    if real := queryset.filter(is_demo=False).first():
        raise DemoDataError(
            f"Cannot replace the demo data: {queryset.model._meta.verbose_name} {real} "
            f"(id {real.pk}) is attached to the synthetic data but is not demo data. "
            "Move it off the synthetic rows first."
        )


@transaction.atomic
def synthetic_delete() -> int:
    """Delete the synthetic deal of an earlier scaled load with everything in it, and the
    synthetic indicators and areas; refuse (and delete nothing) if a row that is not demo data
    is attached to them."""
    deal = Deal.objects.filter(slug=DEAL_SLUG).first()
    if deal is not None and not deal.is_demo:
        raise DemoDataError(
            f"Cannot replace the demo data: the deal {deal} (id {deal.pk}) has the synthetic "
            f"deal's slug {DEAL_SLUG!r} but is not demo data. Change its slug first."
        )
    in_deal = models.Q(deal=deal) if deal is not None else models.Q(pk__in=[])
    # By their slug too: the synthetic workstreams an earlier version left in another deal.
    workstreams = Workstream.objects.filter(
        in_deal | models.Q(slug__startswith=WORKSTREAM_SLUG_PREFIX)
    )
    ws_ids = list(workstreams.values_list("pk", flat=True))
    indicators = Indicator.objects.filter(code__startswith=INDICATOR_CODE_PREFIX)
    areas = Area.objects.filter(gss_code__startswith=AREA_CODE_PREFIX, name__startswith="Synthetic")
    if deal is None and not ws_ids and not indicators.exists() and not areas.exists():
        return 0
    proposals = Proposal.objects.filter(workstream_id__in=ws_ids)
    updates = StatusUpdate.objects.filter(workstream_id__in=ws_ids)
    risks = Risk.objects.filter(workstream_id__in=ws_ids)
    observations = Observation.objects.filter(
        models.Q(indicator__in=indicators) | models.Q(area__in=areas)
    )
    meetings = Meeting.objects.filter(body__deal=deal) if deal else Meeting.objects.none()
    versions = PropositionVersion.objects.filter(in_deal)
    for queryset in (
        proposals,
        updates,
        risks,
        observations,
        Decision.objects.filter(proposal__in=proposals),
        NegotiationEntry.objects.filter(proposal__in=proposals),
        EngagementEntry.objects.filter(workstream_id__in=ws_ids),
        meetings,
        versions,
        GovernmentDepartment.objects.filter(in_deal),
    ):
        _refuse_real(queryset)
    items = PropositionItem.objects.filter(proposal__in=proposals)
    if real_item := items.filter(version__is_demo=False).first():
        raise DemoDataError(
            f"Cannot replace the demo data: a Proposition that is not demo data includes the "
            f"synthetic proposal {real_item.title}."
        )
    if deal is not None and (
        real_role := Membership.objects.filter(deal=deal, user__is_demo=False).first()
    ):
        raise DemoDataError(
            f"Cannot replace the demo data: {real_role.user} (id {real_role.user_id}), who is "
            f"not demo data, holds a role in the synthetic deal {deal}. Take the role away "
            "first."
        )
    deleted = 0
    proposal_ids = list(proposals.values_list("pk", flat=True))
    update_ids = list(updates.values_list("pk", flat=True))
    risk_ids = list(risks.values_list("pk", flat=True))
    meeting_ids = list(meetings.values_list("pk", flat=True))
    audited_ids = {
        model: list(queryset.values_list("pk", flat=True))
        for model, queryset in (
            (EngagementEntry, EngagementEntry.objects.filter(workstream_id__in=ws_ids)),
            (NegotiationEntry, NegotiationEntry.objects.filter(proposal_id__in=proposal_ids)),
            (PrincipleResponse, PrincipleResponse.objects.filter(proposal_id__in=proposal_ids)),
        )
    }
    # Children first, so that no foreign key is left dangling.
    deleted += _raw_delete(items)
    deleted += _raw_delete(PropositionItem.objects.filter(version__in=versions))
    deleted += _raw_delete(versions)  # they protect the last body and its meeting
    deleted += _raw_delete(UpdateReview.objects.filter(status_update_id__in=update_ids))
    deleted += _raw_delete(updates)
    deleted += _raw_delete(risks)
    deleted += _raw_delete(EngagementEntry.objects.filter(workstream_id__in=ws_ids))
    deleted += _raw_delete(
        AgendaItem.objects.filter(
            models.Q(proposal_id__in=proposal_ids)
            | models.Q(workstream_id__in=ws_ids)
            | models.Q(meeting_id__in=meeting_ids)
        )
    )
    deleted += _raw_delete(PrincipleResponse.objects.filter(proposal_id__in=proposal_ids))
    deleted += _raw_delete(NegotiationEntry.objects.filter(proposal_id__in=proposal_ids))
    for name in ("departments", "missions", "metrics", "indicators"):
        through = getattr(Proposal, name).through
        deleted += _raw_delete(through.objects.filter(proposal_id__in=proposal_ids))
    Proposal.objects.filter(pk__in=proposal_ids).update(
        board_endorsement=None,
        stage=S.DRAFT,
        awaiting_body=None,
        submitted_on=None,
        outcome="",
        outcome_on=None,
    )
    deleted += _raw_delete(Decision.objects.filter(proposal_id__in=proposal_ids))
    deleted += _raw_delete(Proposal.objects.filter(pk__in=proposal_ids))
    for name in ("missions", "metrics", "indicators"):
        through = getattr(Workstream, name).through
        deleted += _raw_delete(through.objects.filter(workstream_id__in=ws_ids))
    deleted += _raw_delete(Membership.objects.filter(workstream_id__in=ws_ids))
    deleted += _raw_delete(Meeting.attendees.through.objects.filter(meeting_id__in=meeting_ids))
    deleted += _raw_delete(Meeting.objects.filter(pk__in=meeting_ids))
    # Any history written by editing the synthetic rows in the app goes with them.
    for model, ids in (
        (StatusUpdate, update_ids),
        (Risk, risk_ids),
        (Proposal, proposal_ids),
        (Workstream, ws_ids),
        (Meeting, meeting_ids),
        *audited_ids.items(),
    ):
        deleted += _raw_delete(model.history.model.objects.filter(id__in=ids))  # type: ignore[attr-defined]
    # The caches' bookkeeping of them (tracker.freshness), which real changes wrote.
    deleted += _raw_delete(WorkstreamDataVersion.objects.filter(workstream_id__in=ws_ids))
    deleted += _raw_delete(Workstream.objects.filter(pk__in=ws_ids))
    indicator_ids = list(indicators.values_list("pk", flat=True))
    area_ids = list(areas.values_list("pk", flat=True))
    deleted += _raw_delete(
        Observation.objects.filter(
            models.Q(indicator_id__in=indicator_ids) | models.Q(area_id__in=area_ids)
        )
    )
    deleted += _raw_delete(
        Target.objects.filter(
            models.Q(indicator_id__in=indicator_ids) | models.Q(area_id__in=area_ids)
        )
    )
    deleted += _raw_delete(
        Workstream.indicators.through.objects.filter(indicator_id__in=indicator_ids)
    )
    deleted += _raw_delete(
        Proposal.indicators.through.objects.filter(indicator_id__in=indicator_ids)
    )
    deleted += _raw_delete(Indicator.objects.filter(pk__in=indicator_ids))
    deleted += IndicatorFramework.objects.filter(slug=FRAMEWORK_SLUG).delete()[0]
    deleted += _raw_delete(Area.objects.filter(pk__in=area_ids))
    if deal is not None:
        deleted += _deal_delete(deal)
    return deleted


def _deal_delete(deal: Deal) -> int:
    """The synthetic deal and what is left in it once its bulk is gone (themes, bodies,
    principles, departments, the roles in it, anything added to it since): deleted as Django
    deletes, refused if any of it is not demo data; then its combined authority."""
    # A body protects the bodies that lead to it: the chain is undone first.
    GovernanceBody.objects.filter(deal=deal).update(next_body=None, stands_in_for=None)
    deleted = _demo_rows_delete(Deal.objects.filter(pk=deal.pk))
    if deal.combined_authority_id is not None:
        authority = Organisation.objects.filter(pk=deal.combined_authority_id, is_demo=True)
        deleted += _demo_rows_delete(authority)
    return deleted


# --- Building --------------------------------------------------------------------------------


def _bulk(model: type[models.Model], objs: Sequence[models.Model]) -> list[Any]:
    return model._default_manager.bulk_create(objs, batch_size=BATCH)


class _ScaleBuilder:
    def __init__(
        self, *, source: Deal, rng: random.Random, clock: random.Random, today: date, scale: int
    ) -> None:
        self.source = source
        self.rng = rng
        self.clock = clock
        self.today = today
        self.now = min(timezone.now(), _aware(today, 23, 59))
        self.scale = scale
        # The demo's people, by the roles they hold in the demo's deal.
        demo_users = User.objects.filter(is_demo=True, is_active=True)
        self.people = {
            role: list(
                demo_users.filter(memberships__deal=source, memberships__role=role)
                .distinct()
                .order_by("pk")
            )
            for role in Role
        }
        self.leads = self.people[Role.LEAD]
        self.sponsors = self.people[Role.SPONSOR]
        if not self.leads or not self.sponsors:
            raise DemoDataError("The demo leads and sponsors are missing: load the demo first.")
        self.admin = next(iter(self.people[Role.ADMIN]), None) or demo_users.first()
        self.missions = list(Mission.objects.order_by("number"))
        self.metrics = list(Metric.objects.order_by("mission__number", "position", "pk"))
        self.summary = ScaleSummary(scale=scale)
        # A proposal goes to government only as part of the Proposition the last body approved:
        # the synthetic ones that did are endorsed before the deal's version was made, join it,
        # and are submitted after its approval.
        self.proposition_on = today - timedelta(weeks=PROPOSITION_WEEKS_AGO)
        self.proposition_made = self.proposition_on - timedelta(days=PROPOSITION_PAPERS_DAYS)
        # Set by _deal.
        self.deal: Deal
        self.chain: list[GovernanceBody] = []
        self.themes: list[Theme] = []
        self.departments: list[GovernmentDepartment] = []

    def build(self) -> ScaleSummary:
        self._deal()
        workstreams = self._workstreams()
        self._status_updates(workstreams)
        self._risks(workstreams)
        self._proposals(workstreams)
        self._meetings()
        self._observations()
        return self.summary

    def _count(self, name: str, number: int) -> None:
        self.summary.created[name] = self.summary.created.get(name, 0) + number

    def _posted_at(self, period: Period) -> datetime:
        """When a period's update was posted: in the last few days before it was due (before
        now, for the current period), as the demo's are."""
        latest = min(period.due_on, self.today)
        return self._some_time(max(period.start, latest - timedelta(days=3)), latest)

    def _dates_store(
        self,
        model: type[models.Model],
        objs: Sequence[models.Model],
        *,
        same_updated: models.QuerySet[Any] | None = None,
    ) -> None:
        """Give each written row the moment it was made (``_made``) as its ``created_at``,
        and the rows of ``same_updated`` their ``updated_at`` too: ``bulk_create`` stamps
        every row with the time of loading (``auto_now_add``), and then a week's digest would
        list every record the loader wrote. In bulk: a CASE a batch, one UPDATE for the rest."""
        for obj in objs:
            obj.created_at = obj._made  # type: ignore[attr-defined]
        model._default_manager.bulk_update(objs, ["created_at"], batch_size=DATES_BATCH)
        if same_updated is not None:
            same_updated.update(updated_at=models.F("created_at"))

    def _some_time(self, first: date, last: date, hours: tuple[int, int] = (9, 18)) -> datetime:
        """A working-hours moment between two days, never after now."""
        span = max(0, (last - first).days)
        day = first + timedelta(days=self.clock.randint(0, span))
        return min(_aware(day, self.clock.randrange(*hours), self.clock.randrange(60)), self.now)

    # The deal and its frame: authority, themes, bodies, principles, departments, roles

    def _deal(self) -> None:
        from .selectors.governance import chain_of

        source = self.source
        taken = Deal.objects.filter(
            models.Q(slug=DEAL_SLUG)
            | models.Q(name=DEAL_NAME)
            | models.Q(short_name=DEAL_SHORT_NAME)
        ).first()
        if taken is not None:
            raise DemoDataError(
                f"Cannot add the synthetic deal: the deal {taken} (id {taken.pk}) has its name, "
                f"short name or slug ({DEAL_NAME!r}, {DEAL_SHORT_NAME!r}, {DEAL_SLUG!r}). "
                "Rename it first."
            )
        if Organisation.objects.filter(name=AUTHORITY_NAME).exists():
            raise DemoDataError(
                f"Cannot add the synthetic deal: an organisation is called {AUTHORITY_NAME!r}, "
                "the name of its combined authority. Rename it first."
            )
        authority = Organisation.objects.create(
            name=AUTHORITY_NAME, kind=OrganisationKind.COMBINED_AUTHORITY, is_demo=True
        )
        self.deal = deal = Deal.objects.create(
            name=DEAL_NAME,
            short_name=DEAL_SHORT_NAME,
            slug=DEAL_SLUG,
            combined_authority=authority,
            area_code="",  # no real area's figures are its own
            description=f"{self.scale} times a realistic deal of synthetic data, for measuring "
            "how the pages behave at scale (demo data).",
            source="Synthetic (demo data)",
            reporting_cadence=source.reporting_cadence,
            update_due_weekday=source.update_due_weekday,
            reporting_starts_on=source.reporting_starts_on,
            authority_short_name="Synthetic CA",
            proposition_name="Synthetic Proposition",
            core_team_name="synthetic core team",
            is_demo=True,
        )
        self.summary.deal_name, self.summary.deal_slug = deal.name, deal.slug
        self.themes = _bulk(
            Theme,
            [
                Theme(
                    deal=deal, name=f"Synthetic theme {n}", slug=f"synthetic-theme-{n}", position=n
                )
                for n in range(1, THEMES + 1)
            ],
        )
        self._bodies()
        self.chain = chain_of(deal)
        if not self.chain:
            raise DemoDataError(f"{source} has no governance chain: load the reference data.")
        _bulk(
            Principle,
            [
                Principle(
                    deal=deal,
                    slug=f"synthetic-principle-{n}",
                    short_name=f"Synthetic principle {n}",
                    question=f"Does the proposal meet synthetic principle {n}?",
                    text=f"Synthetic principle {n}, which every proposal answers (demo data).",
                    position=n,
                )
                for n in range(1, PRINCIPLES + 1)
            ],
        )
        self.departments = _bulk(
            GovernmentDepartment,
            [
                GovernmentDepartment(
                    deal=deal, name=name, abbreviation="" if key == name else key, is_demo=True
                )
                for key, name in DEPARTMENTS.items()
            ],
        )
        roles = 0
        for role in DEAL_WIDE_ROLES:
            for user in self.people[role]:
                # One at a time, through the service: an administrator's role is synced to
                # the Django admin.
                membership_grant(user=user, role=role, deal=deal)
                roles += 1
        self._count("deal", 1)
        self._count("themes", len(self.themes))
        self._count("governance bodies", GovernanceBody.objects.filter(deal=deal).count())
        self._count("principles", PRINCIPLES)
        self._count("government departments", len(self.departments))
        self._count("memberships", roles)

    def _bodies(self) -> None:
        """As many bodies as the demo's deal has, of the same kinds, in the same order, with
        the same chain and stand-ins."""
        originals = list(GovernanceBody.objects.filter(deal=self.source).order_by("position", "pk"))
        copies: dict[int, GovernanceBody] = {}
        for number, body in enumerate(originals, start=1):
            name = f"Synthetic {BodyKind(body.kind).label.lower()} {number}"
            copies[body.pk] = GovernanceBody(
                deal=self.deal,
                name=name,
                slug=slugify(name),
                kind=body.kind,
                remit="A synthetic body, for measuring the pages at scale (demo data).",
                is_chain_start=body.is_chain_start,
                position=body.position,
            )
        _bulk(GovernanceBody, list(copies.values()))
        for body in originals:
            copy = copies[body.pk]
            copy.next_body = copies.get(body.next_body_id) if body.next_body_id else None
            copy.stands_in_for = (
                copies.get(body.stands_in_for_id) if body.stands_in_for_id else None
            )
        GovernanceBody.objects.bulk_update(copies.values(), ["next_body", "stands_in_for"])

    # Workstreams and who leads them

    def _workstreams(self) -> list[Workstream]:
        count = WORKSTREAMS * self.scale
        top = Workstream.objects.filter(deal=self.deal).aggregate(p=models.Max("position"))["p"]
        base = (top or 0) + 1
        workstreams = [
            Workstream(
                deal=self.deal,
                theme=self.themes[i % len(self.themes)],
                name=workstream_name(i + 1),
                slug=f"{WORKSTREAM_SLUG_PREFIX}{i + 1:04d}",
                description="Synthetic workstream for measuring the pages at scale (demo data).",
                position=min(base + i, 32767),
            )
            for i in range(count)
        ]
        _bulk(Workstream, workstreams)
        memberships = []
        for i, ws in enumerate(workstreams):
            ws.lead = self.leads[i % len(self.leads)]  # type: ignore[attr-defined]
            ws.sponsor = self.sponsors[i % len(self.sponsors)]  # type: ignore[attr-defined]
            memberships += [
                Membership(user=ws.lead, deal=self.deal, role=Role.LEAD, workstream=ws),  # type: ignore[attr-defined]
                Membership(user=ws.sponsor, deal=self.deal, role=Role.SPONSOR, workstream=ws),  # type: ignore[attr-defined]
            ]
        _bulk(Membership, memberships)
        self._count("memberships", len(memberships))
        through = Workstream.missions.through
        links = []
        for i, ws in enumerate(workstreams):
            numbers = {i % len(self.missions), (i * 7 + 3) % len(self.missions)}
            links += [through(workstream_id=ws.pk, mission_id=self.missions[n].pk) for n in numbers]
        _bulk(through, links)
        self._count("workstreams", len(workstreams))
        return workstreams

    # Status updates and sign-offs

    def _periods(self) -> list[Period]:
        periods = [deal_period(self.deal, self.today)]
        while len(periods) < UPDATES_PER_WORKSTREAM + 6:
            periods.insert(0, deal_period(self.deal, periods[0].start - timedelta(days=1)))
        return periods

    def _status_updates(self, workstreams: list[Workstream]) -> None:
        rng = self.rng
        periods = self._periods()
        ranks = [Rag.RED, Rag.AMBER, Rag.GREEN]
        updates: list[StatusUpdate] = []
        for i, ws in enumerate(workstreams):
            # One in eight stopped reporting a few periods ago: overdue.
            stopped = rng.randint(2, 6) if i % 8 == 3 else 0
            window = periods[
                len(periods) - stopped - UPDATES_PER_WORKSTREAM : len(periods) - stopped
            ]
            level = rng.choice([0, 1, 1, 2, 2])
            previous = None
            for period in window:
                level = min(2, max(0, level + rng.choices([-1, 0, 1], weights=[2, 6, 2])[0]))
                rag = ranks[level]
                direction = (
                    Direction.STABLE
                    if previous is None or previous == level
                    else Direction.IMPROVING
                    if level > previous
                    else Direction.WORSENING
                )
                previous = level
                sensitive = rng.random() < (0.4 if rag == Rag.RED else 0.15)
                updates.append(
                    StatusUpdate(
                        workstream=ws,
                        period_start=period.start,
                        period_end=period.end,
                        rag=rag,
                        direction=direction,
                        summary=rng.choice(SUMMARIES[rag]),
                        progress=rng.choice(PROGRESS),
                        next_steps=rng.choice(NEXT_STEPS),
                        asks_of_dsg=(
                            rng.choice(ASKS_OF_DSG) if rag == Rag.RED and rng.random() < 0.6 else ""
                        ),
                        author=ws.lead,  # type: ignore[attr-defined]
                        classification=(
                            Classification.OFFICIAL_SENSITIVE
                            if sensitive
                            else Classification.OFFICIAL
                        ),
                        is_demo=True,
                    )
                )
                updates[-1]._made = self._posted_at(period)  # type: ignore[attr-defined]
        _bulk(StatusUpdate, updates)  # stamped with the time of loading: dated below
        current = periods[-1].start
        reviews = []
        for update in updates:
            past = update.period_start < current
            if rng.random() < (0.85 if past else 0.2):
                reviews.append(
                    UpdateReview(
                        status_update=update,
                        reviewer=update.workstream.sponsor,  # type: ignore[attr-defined]
                        decision=ReviewDecision.SIGNED_OFF,
                    )
                )
                hours = self.clock.randint(30, 96)  # as the demo's sponsors sign off
                made = update._made + timedelta(hours=hours)  # type: ignore[attr-defined]
                reviews[-1]._made = min(made, self.now)  # type: ignore[attr-defined]
        _bulk(UpdateReview, reviews)
        self._dates_store(
            StatusUpdate,
            updates,
            same_updated=StatusUpdate.objects.filter(workstream__deal=self.deal),
        )
        self._dates_store(UpdateReview, reviews)
        self._count("status updates", len(updates))
        self._count("sponsor sign-offs", len(reviews))

    # Risks

    def _risks(self, workstreams: list[Workstream]) -> None:
        rng = self.rng
        rags = list(RISK_SCORES)
        risks = []
        for n in range(RISKS * self.scale):
            ws = workstreams[n % len(workstreams)]
            title, description, mitigation = RISK_TEMPLATES[n % len(RISK_TEMPLATES)]
            rag = rng.choices(rags, weights=[25, 45, 30])[0]
            likelihood, impact = rng.choice(RISK_SCORES[rag])
            closed = rng.random() < 0.2
            risks.append(
                Risk(
                    workstream=ws,
                    title=f"{title} ({n // len(workstreams) + 1})",
                    description=description,
                    likelihood=likelihood,
                    impact=impact,
                    owner=ws.lead,  # type: ignore[attr-defined]
                    mitigation=mitigation,
                    status=RiskStatus.CLOSED if closed else RiskStatus.OPEN,
                    escalated_to_dsg=rag == Rag.RED and not closed and rng.random() < 0.3,
                    classification=(
                        Classification.OFFICIAL_SENSITIVE
                        if rng.random() < 0.2
                        else Classification.OFFICIAL
                    ),
                    is_demo=True,
                )
            )
            # Raised at some time in the two years of reporting, as the demo's are.
            raised = self._some_time(
                self.today - timedelta(days=730), self.today - timedelta(days=21)
            )
            risks[-1]._made = raised  # type: ignore[attr-defined]
        _bulk(Risk, risks)
        self._dates_store(Risk, risks, same_updated=Risk.objects.filter(workstream__deal=self.deal))
        self._count("risks", len(risks))

    # Proposals and their decisions

    def _proposals(self, workstreams: list[Workstream]) -> None:
        rng = self.rng
        length = len(self.chain)
        proposals: list[Proposal] = []
        decisions: list[Decision] = []
        for n in range(PROPOSALS * self.scale):
            ws = workstreams[n % len(workstreams)]
            plan = PLANS[n % len(PLANS)]
            ask_type = ["power", "freedom", "funding", "data", "other"][n % 5]
            title = f"Synthetic proposal {n + 1:05d}"
            proposal = Proposal(
                deal=self.deal,
                workstream=ws,
                title=title,
                ask=f"{title}: we ask government to agree this as part of the deal.",
                ask_type=ask_type,
                challenge="Decisions on this are taken nationally, away from the places "
                "they affect.",
                prize="Decisions taken closer to the people affected.",
                estimated_value=(
                    Decimal(rng.randrange(1, 200) * 1_000_000) if ask_type == "funding" else None
                ),
                classification=(
                    Classification.OFFICIAL
                    if rng.random() < 0.3
                    else Classification.OFFICIAL_SENSITIVE
                ),
                owner=ws.lead,  # type: ignore[attr-defined]
                stage=S.DRAFT,
                is_demo=True,
            )
            proposal._plan = plan  # type: ignore[attr-defined]
            proposal._decisions = self._decisions(proposal, plan, length)  # type: ignore[attr-defined]
            proposals.append(proposal)
            decisions += proposal._decisions  # type: ignore[attr-defined]
        # Written as drafts first: the database refuses them further without their decisions.
        _bulk(Proposal, proposals)
        for decision in decisions:
            decision.proposal_id = decision.proposal.pk
        _bulk(Decision, decisions)
        for decision in decisions:
            decided = _aware(decision.decided_on, 16, self.clock.randrange(60))
            decision._made = min(decided, self.now)  # type: ignore[attr-defined]
        self._dates_store(Decision, decisions)
        for proposal in proposals:
            self._move_on(proposal, length)
        Proposal.objects.bulk_update(
            proposals,
            [
                "created_at",
                "updated_at",
                "stage",
                "awaiting_body",
                "board_endorsement",
                "submitted_on",
                "outcome",
                "outcome_on",
                "outcome_notes",
                "moved_at",
            ],
            batch_size=500,
        )
        self._proposal_links(proposals)
        self._principles(proposals)
        self._proposition()
        self._count("proposals", len(proposals))
        self._count("decisions", len(decisions))

    def _proposition(self) -> None:
        """The deal's approved version of its Proposition: approved by the last body of the
        chain (by correspondence) PROPOSITION_WEEKS_AGO weeks ago, made of the proposals it had
        endorsed when the version was made, PROPOSITION_PAPERS_DAYS before."""
        version = PropositionVersion.objects.create(
            deal=self.deal,
            number=1,
            title=self.deal.proposition_name,
            introduction="The synthetic proposals the last body endorsed, brought together as "
            "one Proposition (demo data).",
            status=PropositionStatus.APPROVED,
            approved_on=self.proposition_on,
            approved_by=self.chain[-1],
            created_by=self.admin,
            is_demo=True,
        )
        version.created_at = min(_aware(self.proposition_made, 9), timezone.now())
        PropositionVersion.objects.filter(pk=version.pk).update(created_at=version.created_at)
        if proposition_fill(version):
            self._count("approved Proposition", 1)
        else:
            version.delete()

    def _decisions(self, proposal: Proposal, plan: Plan, length: int) -> list[Decision]:
        steps = _steps(plan, length)
        settling = {S.SUBMITTED: 14, S.IN_NEGOTIATION: 28, S.CONCLUDED: 70}.get(plan.stage, 0)
        last = self.today - timedelta(days=settling + self.rng.randint(1, 60))
        if plan.submitted:
            last = self.proposition_made - timedelta(days=self.rng.randint(1, 60))
        decisions = []
        for i, (index, outcome) in enumerate(steps):
            notes = ""
            if outcome == DecisionOutcome.REFERRED_BACK:
                notes = self.rng.choice(REFERRAL_REASONS)
            elif outcome == DecisionOutcome.REJECTED:
                notes = self.rng.choice(REJECTION_REASONS)
            elif outcome == DecisionOutcome.SKIPPED:
                notes = SKIP_REASON
            decisions.append(
                Decision(
                    proposal=proposal,
                    body=self.chain[index],
                    meeting=None,
                    outcome=outcome,
                    notes=notes,
                    decided_on=last - timedelta(days=7 * (len(steps) - 1 - i)),
                    recorded_by=self.admin,
                    is_demo=True,
                )
            )
        return decisions

    def _move_on(self, proposal: Proposal, length: int) -> None:
        plan: Plan = proposal._plan  # type: ignore[attr-defined]
        decisions: list[Decision] = proposal._decisions  # type: ignore[attr-defined]
        proposal.stage = plan.stage
        last_day = decisions[-1].decided_on if decisions else self.today - timedelta(days=30)
        moved = last_day
        if plan.stage == S.IN_GOVERNANCE:
            proposal.awaiting_body = self.chain[min(plan.at, length - 1)]
        if plan.board_endorsed:
            proposal.board_endorsement = next(
                d
                for d in reversed(decisions)
                if d.body_id == self.chain[-1].pk and d.outcome == DecisionOutcome.ENDORSED
            )
        if plan.submitted:
            # A week or more after the Board approved the Proposition that holds it.
            proposal.submitted_on = self.proposition_on + timedelta(days=7)
            moved = last_day = proposal.submitted_on
        if plan.stage == S.IN_NEGOTIATION:
            moved = last_day + timedelta(days=14)
        if plan.stage == S.CONCLUDED:
            outcome = plan.outcome or "agreed"
            proposal.outcome = outcome
            proposal.outcome_on = min(self.today, last_day + timedelta(days=60))
            proposal.outcome_notes = (
                WITHDRAWN_IN_CHAIN if plan.withdrawn_in_chain else OUTCOME_NOTES[outcome]
            )
            moved = proposal.outcome_on
        proposal.moved_at = min(
            timezone.make_aware(datetime.combine(min(moved, self.today), time(10))), self.now
        )
        # Drafted a week or more before its first decision (or its move), as the demo's are;
        # last changed when it last moved.
        first = decisions[0].decided_on if decisions else moved
        started = first - timedelta(days=self.clock.randrange(7, 42))
        proposal.created_at = min(_aware(started, 11), proposal.moved_at)
        proposal.updated_at = proposal.moved_at

    def _proposal_links(self, proposals: list[Proposal]) -> None:
        through = Proposal.missions.through
        links = []
        for i, proposal in enumerate(proposals):
            numbers = {i % len(self.missions), (i * 5 + 1) % len(self.missions)}
            links += [
                through(proposal_id=proposal.pk, mission_id=self.missions[n].pk) for n in numbers
            ]
        _bulk(through, links)
        # Each is negotiated, or to be, with one of the deal's government departments.
        with_department = Proposal.departments.through
        _bulk(
            with_department,
            [
                with_department(
                    proposal_id=proposal.pk,
                    governmentdepartment_id=self.departments[i % len(self.departments)].pk,
                )
                for i, proposal in enumerate(proposals)
            ],
        )

    def _principles(self, proposals: list[Proposal]) -> None:
        principles = list(Principle.objects.filter(deal=self.deal).order_by("position"))
        if not principles:
            return
        answers = list(PrincipleAnswer)
        responses = []
        for i, proposal in enumerate(proposals):
            chosen: Iterable[Principle] = principles
            if proposal.stage not in (S.REJECTED, S.CONCLUDED) and i % 10 == 0:
                chosen = principles[: len(principles) // 2]  # some left unanswered
            responses += [
                PrincipleResponse(
                    proposal=proposal,
                    principle=principle,
                    answer=self.rng.choices(answers, weights=[75, 10, 15])[0],
                    answered_by=proposal.owner,
                )
                for principle in chosen
            ]
        _bulk(PrincipleResponse, responses)
        self._count("principle answers", len(responses))

    # The next meetings and their agendas

    def _meetings(self) -> None:
        """The next meeting of each body of the chain, a week apart from a week ahead; its
        agenda lists what awaits the body, as the services keep it."""
        from .services import agenda_sync

        meetings = []
        for index, body in enumerate(self.chain):
            starts_at = _aware(self.today + timedelta(days=7 * (index + 1)), 10)
            meetings.append(
                Meeting(
                    body=body,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=MEETING_HOURS),
                    location="Synthetic venue (demo)",
                    status=MeetingStatus.PLANNED,
                    # What a negotiating team discusses is a negotiating position.
                    classification=(
                        Classification.OFFICIAL_SENSITIVE
                        if body.kind == BodyKind.NEGOTIATING_TEAM
                        else Classification.OFFICIAL
                    ),
                    is_demo=True,
                )
            )
        _bulk(Meeting, meetings)
        for body in self.chain:
            agenda_sync(body)
        self._count("meetings", len(meetings))
        self._count(
            "agenda items", AgendaItem.objects.filter(meeting__body__deal=self.deal).count()
        )

    # Indicators, areas and observations

    def _observations(self) -> None:
        rng = self.rng
        framework = IndicatorFramework.objects.create(
            name="Synthetic indicators (demo)",
            slug=FRAMEWORK_SLUG,
            description="Synthetic indicators for measuring the pages at scale (demo data).",
            deal=self.deal,
        )
        units = [Unit.PERCENT, Unit.GBP, Unit.RATE, Unit.INDEX]
        indicators = [
            Indicator(
                framework=framework,
                metric=self.metrics[i % len(self.metrics)] if self.metrics else None,
                code=f"{INDICATOR_CODE_PREFIX}{i + 1:04d}",
                name=f"Synthetic indicator {i + 1:04d}",
                unit=units[i % len(units)],
                direction=(
                    IndicatorDirection.HIGHER_IS_BETTER
                    if i % 3
                    else IndicatorDirection.LOWER_IS_BETTER
                ),
                source="Synthetic (demo data)",
                expected_frequency=Frequency.ANNUAL,
                position=i,
            )
            for i in range(INDICATORS * self.scale)
        ]
        _bulk(Indicator, indicators)
        areas = [
            Area(
                gss_code=area_code(i + 1),
                name=f"Synthetic area {i + 1:02d}",
                level=AreaLevel.LOCAL_AUTHORITY,
            )
            for i in range(AREAS)
        ]
        _bulk(Area, areas)
        dates = {label: parse_period(label) for label in OBSERVATION_YEARS}
        batch: list[Observation] = []
        total = 0
        for indicator in indicators:
            for area in areas:
                value = Decimal(rng.randrange(1000, 90000)) / 100
                for label in OBSERVATION_YEARS:
                    start, end = dates[label]
                    value += Decimal(rng.randrange(-300, 400)) / 100
                    batch.append(
                        Observation(
                            indicator=indicator,
                            area=area,
                            period=label,
                            period_start=start,
                            period_end=end,
                            value=value,
                            source="Synthetic (demo data)",
                            is_demo=True,
                        )
                    )
                if len(batch) >= BATCH * 5:
                    total += len(_bulk(Observation, batch))
                    batch = []
        total += len(_bulk(Observation, batch))
        self._count("indicators", len(indicators))
        self._count("areas", len(areas))
        self._count("observations", total)
