"""Reads about proposals: lists, a proposal's page, its principles and its journey up the
governance chain, the bodies' decisions and the log of talks with government. Every one goes
through ``core.policy`` and issues a bounded number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from core import policy
from missions.models import Metric

from ..choices import CLOSED_STAGES, DecisionOutcome, PropositionStatus
from ..models import (
    Decision,
    GovernanceBody,
    GovernmentDepartment,
    NegotiationEntry,
    Principle,
    PrincipleResponse,
    Proposal,
    PropositionVersion,
)
from .governance import approved_proposition, chain_of

if TYPE_CHECKING:
    from .base import AnyUser


# --- Proposals --------------------------------------------------------------------------------


def proposals_for(user: AnyUser) -> QuerySet[Proposal]:
    return policy.visible_classified(Proposal.objects.all(), user, "deal")


def proposals_listed(user: AnyUser) -> QuerySet[Proposal]:
    """Proposals the person may see, ready for a list: workstream, theme, awaited body, owner,
    departments and missions loaded, in the list's order. No aggregate, so that a count or a
    page reads the proposals alone (the API's list counts the principles answered from the
    answers it loads anyway)."""
    return (
        proposals_for(user)
        .select_related("deal", "workstream__theme", "awaiting_body", "owner")
        .prefetch_related("departments", "missions")
        .order_by("workstream__theme__position", "workstream__position", "title")
    )


def proposals_for_api(user: AnyUser) -> QuerySet[Proposal]:
    """``proposals_listed`` with what the API's serializer reads of each: its metrics,
    indicators and principle answers. The answers only fill a dict by principle: read
    unordered, without the joins their default order (by proposal, then principle) takes."""
    return proposals_listed(user).prefetch_related(
        "metrics",
        "indicators",
        Prefetch("principle_responses", queryset=PrincipleResponse.objects.order_by()),
    )


def proposal_list(user: AnyUser) -> QuerySet[Proposal]:
    """``proposals_listed``, with ``principles_answered`` / ``principles_total``."""
    total = (
        Principle.objects.filter(deal=OuterRef("deal"))
        .order_by()
        .values("deal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return proposals_listed(user).annotate(
        principles_answered=Count("principle_responses", distinct=True),
        principles_total=Coalesce(Subquery(total), 0),
    )


def with_unanswered_principles(qs: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Of an annotated ``proposal_list``, the open proposals with principles left unanswered."""
    # principles_answered is an annotation of proposal_list, which the QuerySet type does not carry.
    return qs.exclude(stage__in=CLOSED_STAGES).filter(principles_answered__lt=F("principles_total"))  # type: ignore[misc]


def proposal_for_page(user: AnyUser, pk: int) -> Proposal:
    """One proposal with everything its page shows, if the person may see it; else 404."""
    proposal = (
        proposals_for(user)
        .select_related(
            "deal", "workstream__theme", "awaiting_body", "owner", "board_endorsement__body"
        )
        .prefetch_related(
            "departments",
            "missions",
            Prefetch("metrics", queryset=Metric.objects.select_related("mission")),
            "indicators",
            Prefetch(
                "principle_responses",
                queryset=PrincipleResponse.objects.select_related("principle", "answered_by"),
            ),
            Prefetch(
                "decisions",
                # In the order they were recorded, which is the order they moved the proposal
                # (a decision dated by an earlier meeting can be recorded after a referral back).
                queryset=Decision.objects.select_related("body", "meeting", "recorded_by").order_by(
                    "created_at", "pk"
                ),
            ),
            Prefetch(
                "negotiations",
                queryset=policy.visible_negotiations(
                    NegotiationEntry.objects.select_related("department", "recorded_by"), user
                ),
                to_attr="visible_negotiations",
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal


def with_briefing(proposals: list[Proposal]) -> list[Proposal]:
    """Proposals already read through a selector that keeps to what the person may see, each
    given what a member reads before a meeting: its departments, missions and decisions (oldest
    first, for ``journey``). Three queries however many."""
    prefetch_related_objects(
        proposals,
        "departments",
        "missions",
        Prefetch(
            "decisions",
            queryset=Decision.objects.select_related("body").order_by("created_at", "pk"),
        ),
    )
    return proposals


def principles_of(deal_id: int) -> list[Principle]:
    return list(principle_choices(deal_id).order_by("position"))


def principle_choices(deal_id: int) -> QuerySet[Principle]:
    """The deal's principles, which a proposal of the deal answers."""
    return Principle.objects.filter(deal_id=deal_id)


def principle_answers(proposal_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """Proposal id -> principle id -> its answer, for proposals already read through a
    selector that keeps to what the person may see (one query)."""
    answers: dict[int, dict[int, str]] = {}
    for response in PrincipleResponse.objects.filter(proposal_id__in=proposal_ids):
        answers.setdefault(response.proposal_id, {})[response.principle_id] = response.answer
    return answers


def unanswered_principles(proposal: Proposal, principles: Iterable[Principle]) -> list[Principle]:
    answered = {r.principle_id for r in proposal.principle_responses.all()}
    return [p for p in principles if p.pk not in answered]


# What each state of a step of the journey is called, on a proposal's page and in the pack.
STEP_WORDS = {
    "passed": "Endorsed",
    "skipped": "Skipped",
    "not-needed": "Not needed",
    "awaiting": "Awaiting its decision",
    "ahead": "Not reached yet",
    "rejected": "Rejected",
}


@dataclass(frozen=True)
class ChainStep:
    body: GovernanceBody
    state: str  # "passed", "skipped", "not-needed", "awaiting", "ahead", "rejected"
    decision: Decision | None

    @property
    def words(self) -> str:
        return STEP_WORDS[self.state]


def journey(proposal: Proposal, chain: list[GovernanceBody]) -> list[ChainStep]:
    """Where the proposal stands against each body of the chain, from its decisions (which must
    be prefetched, oldest first). Only the latest climb counts: a referral back starts again."""
    decisions = list(proposal.decisions.all())
    since = 0
    for index, earlier in enumerate(decisions):
        if earlier.outcome == DecisionOutcome.REFERRED_BACK:
            since = index + 1
    latest = {d.body_id: d for d in decisions[since:] if d.outcome != DecisionOutcome.NOTED}
    steps = []
    for body in chain:
        decision = latest.get(body.pk)
        if proposal.awaiting_body_id == body.pk:
            state = "awaiting"
        elif decision is not None and decision.outcome == DecisionOutcome.SKIPPED:
            state = "skipped"
        elif decision is not None and decision.outcome == DecisionOutcome.NOT_NEEDED:
            state = "not-needed"
        elif decision is not None and decision.outcome == DecisionOutcome.ENDORSED:
            state = "passed"
        elif decision is not None and decision.outcome == DecisionOutcome.REJECTED:
            state = "rejected"
        else:
            state = "ahead"
        steps.append(ChainStep(body=body, state=state, decision=decision))
    return steps


def government_refusal(proposal: Proposal, *, lock: bool = False) -> str | None:
    """Why an approved proposal cannot go to government yet, or ``None`` if it can: a proposal
    goes to government only as an item of the composite Proposition in the version the last
    body in the chain (the authority's Board) approved and that still stands. ``lock`` holds that
    version until the transaction ends (for the submission itself)."""
    approved = approved_proposition(proposal.deal_id, lock=lock)
    if approved is not None and approved.items.filter(proposal=proposal).exists():
        return None
    chain = chain_of(proposal.deal_id)
    board = f"the {chain[-1].name}" if chain else "the last body in the chain"
    waiting = (
        PropositionVersion.objects.filter(
            deal_id=proposal.deal_id,
            status=PropositionStatus.DRAFT,
            number__gt=approved.number if approved else 0,
            items__proposal=proposal,
        )
        .order_by("-number")
        .first()
    )
    name = proposal.deal.proposition_name
    if waiting is not None:
        return (
            f"“{proposal}” is in version {waiting.number} of the {name}, which "
            f"{board} has not approved yet: record {board}'s approval of version "
            f"{waiting.number} before submitting it to government."
        )
    standing = f" (version {approved.number})" if approved else ""
    return (
        f"“{proposal}” is not in the {name} {board} approved{standing}: a proposal goes "
        "to government only as part of it. Include it in a new version of the Proposition and "
        f"record {board}'s approval of that version first."
    )


# --- Negotiation ------------------------------------------------------------------------------


def departments_for(user: AnyUser) -> QuerySet[GovernmentDepartment]:
    """The government departments of the deals the person may see."""
    return GovernmentDepartment.objects.visible_to(user)


def departments_of(deal_id: int) -> QuerySet[GovernmentDepartment]:
    """The deal's government departments, by name: those its proposals and talks name."""
    return GovernmentDepartment.objects.filter(deal_id=deal_id).order_by("name")


def negotiations_for(user: AnyUser) -> QuerySet[NegotiationEntry]:
    return policy.visible_negotiations(
        NegotiationEntry.objects.select_related("proposal", "department", "recorded_by"), user
    )
