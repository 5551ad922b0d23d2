"""Proposals on their way from a workstream to the deal, the decisions that move them through
the governance chain, and the log of talks with government about them.

Every move is a service in ``tracker.services``; who may see what is ``core.policy`` through
the selectors. This module turns requests into service calls and records into JSON: a record the
person may not see is a 404, a change they may not make a 403, a move the rules refuse a 409
with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core import policy
from core.api_support import (
    ETAG,
    IF_MATCH,
    DomainErrorsMixin,
    NumberFilter,
    error_responses,
    stale_response,
)
from core.choices import Classification
from tracker import selectors, services
from tracker.choices import BODY_DECISIONS, DecisionOutcome, Outcome, PrincipleAnswer
from tracker.models import (
    Decision,
    GovernanceBody,
    GovernmentDepartment,
    Meeting,
    NegotiationEntry,
    Principle,
    Proposal,
)

from .deals import PersonSerializer
from .fields import VisibleRelatedField, _user
from .records import BodyField, PersonField, RevisedRecordViewSet
from .workstreams import WORKSTREAM_HELP, WorkstreamField

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

EDITORS_ONLY = "Only the workstream's lead or an administrator can change its proposals."
CLASSIFICATION_HELP = "OFFICIAL proposals reach partners; OFFICIAL-SENSITIVE ones never do."


# --- Fields that name records the person may see ------------------------------------------------


class ProposalField(VisibleRelatedField):
    model = Proposal
    noun = "proposal"

    def visible(self, user: Any) -> QuerySet[Proposal]:
        return selectors.proposals_for(user).select_related("workstream")


class MeetingField(VisibleRelatedField):
    model = Meeting
    noun = "meeting"

    def visible(self, user: Any) -> QuerySet[Meeting]:
        return selectors.governance.meeting_choices(user)


class DepartmentField(VisibleRelatedField):
    model = GovernmentDepartment
    noun = "department"

    def visible(self, user: Any) -> QuerySet[GovernmentDepartment]:
        return selectors.proposals.departments_for(user)


@extend_schema_field(OpenApiTypes.STR)
class PlainChoiceField(serializers.ChoiceField):
    """A choice checked as any other, but described in the schema as a string, so that a choice
    set used by a record and by an action's request keeps the one name the record gives it."""


# --- Proposals --------------------------------------------------------------------------------


class PrinciplesByDeal:
    """The principles of each deal, read once per request however many proposals it shows."""

    def __init__(self) -> None:
        self._by_deal: dict[int, list[Principle]] = {}

    def of(self, deal_id: int) -> list[Principle]:
        if deal_id not in self._by_deal:
            self._by_deal[deal_id] = selectors.proposals.principles_of(deal_id)
        return self._by_deal[deal_id]


class PrincipleAnswerSerializer(serializers.Serializer[Any]):
    principle = serializers.IntegerField(help_text="The principle's id.")
    short_name = serializers.CharField()
    answer = serializers.ChoiceField(
        choices=PrincipleAnswer.choices, allow_null=True, help_text="Null while unanswered."
    )
    note = serializers.CharField(allow_blank=True)


class ProposalSerializer(serializers.ModelSerializer[Proposal]):
    """A proposal. Its workstream is set when it is drafted; its stage, the body it awaits and
    its outcome change only through the actions (submit, decisions, skip, outcome)."""

    workstream = WorkstreamField(help_text=WORKSTREAM_HELP)
    classification = serializers.ChoiceField(
        choices=Classification.choices, help_text=CLASSIFICATION_HELP
    )
    owner = PersonField(
        required=False,
        allow_null=True,
        help_text="Someone with a role in the deal who may see the proposal; whoever drafts it "
        "when not given.",
    )
    departments = DepartmentField(
        many=True, required=False, help_text="Government departments it is negotiated with."
    )
    awaiting_body: serializers.PrimaryKeyRelatedField[GovernanceBody] = (
        serializers.PrimaryKeyRelatedField(
            read_only=True,
            allow_null=True,
            help_text="The body whose decision moves it on; null outside the governance chain.",
        )
    )
    board_endorsement: serializers.PrimaryKeyRelatedField[Decision] = (
        serializers.PrimaryKeyRelatedField(
            read_only=True,
            allow_null=True,
            help_text="The last body's endorsing decision, without which nothing goes to "
            "government.",
        )
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        allow_blank=True,
        read_only=True,
        help_text="How talks with government ended; empty until they have.",
    )
    principles = serializers.SerializerMethodField(
        help_text="The deal's principles in order, each with this proposal's answer."
    )
    principles_unanswered = serializers.SerializerMethodField(
        help_text="How many of the deal's principles this proposal has not answered."
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "deal",
            "workstream",
            "title",
            "ask",
            "ask_type",
            "challenge",
            "progress",
            "prize",
            "estimated_value",
            "departments",
            "missions",
            "metrics",
            "indicators",
            "classification",
            "owner",
            "stage",
            "awaiting_body",
            "board_endorsement",
            "submitted_on",
            "outcome",
            "outcome_on",
            "outcome_notes",
            "moved_at",
            "revision",
            "principles",
            "principles_unanswered",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "deal",
            "stage",
            "submitted_on",
            "outcome",
            "outcome_on",
            "outcome_notes",
            "moved_at",
            "revision",
            "created_at",
            "updated_at",
        ]
        # A title used twice in a workstream: the service says so, with a field message.
        validators: ClassVar[list[Any]] = []

    def validate_workstream(self, workstream: Any) -> Any:
        if self.instance is not None:
            if workstream.pk != self.instance.workstream_id:
                raise serializers.ValidationError(
                    "A proposal stays in its workstream: merging workstreams moves open proposals"
                )
            return workstream
        if not policy.can_edit_proposal(_user(self.context), workstream):
            raise PermissionDenied(EDITORS_ONLY)
        return workstream

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        attrs = super().to_internal_value(data)
        if self.instance is not None:
            attrs.pop("workstream", None)
        return attrs

    def _answers(self, obj: Proposal) -> list[dict[str, Any]]:
        principles = self.context.get("principles") or PrinciplesByDeal()
        # The context is the dict the view passed (the stubs type it read-only): a cache per list.
        self.context["principles"] = principles  # type: ignore[index]
        answers = {r.principle_id: r for r in obj.principle_responses.all()}
        return [
            {
                "principle": p.pk,
                "short_name": p.short_name,
                "answer": answers[p.pk].answer if p.pk in answers else None,
                "note": answers[p.pk].note if p.pk in answers else "",
            }
            for p in principles.of(obj.deal_id)
        ]

    @extend_schema_field(PrincipleAnswerSerializer(many=True))
    def get_principles(self, obj: Proposal) -> list[dict[str, Any]]:
        return self._answers(obj)

    def get_principles_unanswered(self, obj: Proposal) -> int:
        return sum(1 for a in self._answers(obj) if a["answer"] is None)


class ProposalFilter(filters.FilterSet):
    workstream = NumberFilter(field_name="workstream", help_text="A workstream's id.")
    theme = NumberFilter(field_name="workstream__theme", help_text="A theme's id.")
    body = NumberFilter(
        field_name="awaiting_body", help_text="A body's id: the proposals awaiting its decision."
    )
    mission = NumberFilter(field_name="missions__number", label="Mission number")
    department = NumberFilter(field_name="departments", help_text="A government department's id.")

    class Meta:
        model = Proposal
        fields = [
            "workstream",
            "theme",
            "stage",
            "body",
            "mission",
            "department",
            "classification",
            "outcome",
        ]


class SubmitSerializer(serializers.Serializer[Any]):
    on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="When an approved proposal went to government; today if not given.",
    )


class OutcomeSerializer(serializers.Serializer[Any]):
    outcome = PlainChoiceField(
        choices=Outcome.choices,
        help_text="agreed, partially_agreed, not_agreed, deferred or withdrawn.",
    )
    # Blank passes here so that the service's own message says what is missing.
    notes = serializers.CharField(
        required=False, allow_blank=True, help_text="What was agreed, or why not."
    )
    on = serializers.DateField(
        required=False, allow_null=True, help_text="When it was concluded; today if not given."
    )


class SkipSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, help_text="Why the level is skipped.")
    on = serializers.DateField(required=False, allow_null=True, help_text="Today if not given.")


class PassSerializer(serializers.Serializer[Any]):
    notes = serializers.CharField(
        required=False, allow_blank=True, help_text="Kept with its decisions; may be empty."
    )
    on = serializers.DateField(required=False, allow_null=True, help_text="Today if not given.")


class PrincipleChoiceField(VisibleRelatedField):
    """A principle of the deal of the proposal being answered (the serializer's context)."""

    model = Principle
    noun = "principle"

    def get_queryset(self) -> QuerySet[Principle]:
        proposal = self.context.get("proposal")
        if proposal is None:
            return Principle.objects.none()
        return selectors.proposals.principle_choices(proposal.deal_id)


class PrincipleInputSerializer(serializers.Serializer[Any]):
    principle = PrincipleChoiceField(help_text="A principle of the proposal's deal.")
    answer = serializers.ChoiceField(choices=PrincipleAnswer.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EditsProposals(permissions.BasePermission):
    """Reading follows what the person may see; drafting, editing, submitting into the chain
    and answering the principles are for the workstream's lead and administrators; outcomes
    and skips for administrators. Checked before the request's values."""

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) in ("outcome", "skip"):
            self.message = "Only an administrator can do this."
            return policy.can_run_governance(request.user, obj.deal_id)
        self.message = EDITORS_ONLY
        return policy.can_edit_proposal(request.user, obj.workstream)


MOVE_ERRORS = error_responses(400, 401, 403, 404, 409)
PROPOSAL_WRITES = {
    200: ProposalSerializer,
    **MOVE_ERRORS,
    412: stale_response("Proposal", ProposalSerializer),
}


@extend_schema_view(
    list=extend_schema(
        description="Proposals this person may see, by theme and workstream. Partners receive "
        "OFFICIAL proposals only. `body` lists the proposals awaiting that body's decision."
    ),
    retrieve=extend_schema(parameters=[ETAG]),
    create=extend_schema(
        parameters=[ETAG],
        responses={201: ProposalSerializer, **error_responses(400, 401, 403, 409)},
        description="Draft a proposal for a workstream. Only its lead or an administrator may "
        "(403 otherwise); 409 if the workstream is merged or ceased.",
    ),
    update=extend_schema(parameters=[IF_MATCH, ETAG], responses=PROPOSAL_WRITES),
    partial_update=extend_schema(
        parameters=[IF_MATCH, ETAG],
        description="Change a proposal. What it asks (title, ask, type, challenge, prize, "
        "value) is fixed once it leaves draft (409); progress, owner, marking and links stay "
        "editable until it is closed.",
        responses=PROPOSAL_WRITES,
    ),
)
class ProposalViewSet(RevisedRecordViewSet):
    """Proposals: policy asks of government owned by workstreams, on their way through the
    governance chain to the deal. Never deleted: a proposal is withdrawn instead."""

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    permission_classes = [permissions.IsAuthenticated, EditsProposals]
    ordering_fields = ["title", "moved_at", "updated_at", "created_at"]
    search_fields = ["title", "ask"]
    detail_route = "api:proposal-detail"
    create_service = services.proposal_create
    update_service = services.proposal_update
    record_keyword = "proposal"

    def get_queryset(self) -> QuerySet[Proposal]:
        return selectors.proposals.proposals_for_api(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "principles": PrinciplesByDeal()}

    def _moved(self, proposal: Proposal) -> Response:
        return self.respond(self.reread(proposal))

    @extend_schema(
        request=SubmitSerializer,
        responses={200: ProposalSerializer, **MOVE_ERRORS},
        parameters=[ETAG],
        description="A draft goes to the first body in the chain (the workstream's lead or an "
        "administrator; it must say what it asks and the type of ask). An approved proposal "
        "goes to government (administrators only) once it is in the Proposition the last "
        "body approved: 409 with the reason until then, and at any other stage.",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.proposal_submit(
            proposal=proposal,
            acting_user=policy.signed_in(request.user),
            on=serializer.validated_data.get("on"),
        )
        return self._moved(proposal)

    @extend_schema(
        request=OutcomeSerializer,
        responses={200: ProposalSerializer, **MOVE_ERRORS},
        parameters=[ETAG],
        description="Record how the proposal ended (administrators only). Withdrawn is "
        "accepted at any open stage; any other outcome once the proposal has been submitted to "
        "government (409 otherwise). Agreed and partially agreed say what was agreed.",
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        serializer = OutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.proposal_conclude(
            proposal=proposal,
            acting_user=policy.signed_in(request.user),
            **serializer.validated_data,
        )
        return self._moved(proposal)

    @extend_schema(
        request=SkipSerializer,
        responses={200: ProposalSerializer, **MOVE_ERRORS},
        parameters=[ETAG],
        description="Move the proposal past the body it awaits, with the reason on record "
        "(administrators only). The last body in the chain cannot be skipped (409).",
    )
    @action(detail=True, methods=["post"])
    def skip(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        serializer = SkipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.proposal_skip(
            proposal=proposal,
            acting_user=policy.signed_in(request.user),
            **serializer.validated_data,
        )
        return self._moved(proposal)

    @extend_schema(
        request=PassSerializer,
        responses={200: ProposalSerializer, **MOVE_ERRORS},
        parameters=[ETAG],
        description="Pass the proposal on from an optional body it awaits, one that work comes "
        "to as appropriate, because it is not needed there: recorded as not needed, not as a "
        "skip (administrators only). Any other body, and the last body in the chain, refuse "
        "this (409).",
    )
    @action(detail=True, methods=["post"], url_path="pass", url_name="pass")
    def pass_on(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        serializer = PassSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.proposal_pass(
            proposal=proposal,
            acting_user=policy.signed_in(request.user),
            **serializer.validated_data,
        )
        return self._moved(proposal)

    @extend_schema(
        request=PrincipleInputSerializer(many=True),
        responses={200: ProposalSerializer, **MOVE_ERRORS},
        parameters=[ETAG],
        description="Answer some or all of the deal's principles for this proposal: yes, no or "
        "not applicable, with a note. Principles not named keep their answers.",
    )
    @action(detail=True, methods=["put", "post"])
    def principles(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        serializer = PrincipleInputSerializer(
            data=request.data,
            many=True,
            context={**self.get_serializer_context(), "proposal": proposal},
        )
        serializer.is_valid(raise_exception=True)
        answers = {
            row["principle"]: (row["answer"], row["note"]) for row in serializer.validated_data
        }
        services.principles_answer(
            proposal=proposal, acting_user=policy.signed_in(request.user), answers=answers
        )
        return self._moved(proposal)


# --- Decisions --------------------------------------------------------------------------------


class DecisionSerializer(serializers.ModelSerializer[Decision]):
    """What a body decided about a proposal. Recorded by administrators; never changed."""

    proposal = ProposalField(help_text="A proposal in the governance chain.")
    body = BodyField(help_text="The body the proposal awaits: any other is refused (409).")
    meeting = MeetingField(
        required=False,
        allow_null=True,
        help_text="The body's meeting where it was decided: one that has happened and is not "
        "closed.",
    )
    outcome = serializers.ChoiceField(
        choices=[(c.value, c.label) for c in DecisionOutcome],
        help_text="endorsed, referred_back, rejected or noted when recorded; skipped marks an "
        "administrator's skip, not_needed an optional body an administrator passed by.",
    )
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The reasons: needed when the proposal is referred back.",
    )
    recorded_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "proposal",
            "body",
            "meeting",
            "outcome",
            "notes",
            "decided_on",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {
            "decided_on": {"required": False, "help_text": "The meeting's day, or today."}
        }

    def validate_proposal(self, proposal: Proposal) -> Proposal:
        if not policy.can_run_governance(_user(self.context), proposal.deal_id):
            raise PermissionDenied("Only an administrator can record decisions.")
        return proposal

    def validate_outcome(self, outcome: str) -> str:
        if outcome not in BODY_DECISIONS:
            raise serializers.ValidationError(
                "Choose endorsed, referred back, rejected or noted: a level is skipped with the "
                "proposal's skip action"
            )
        return outcome


class DecisionFilter(filters.FilterSet):
    proposal = NumberFilter(field_name="proposal", help_text="A proposal's id.")
    body = NumberFilter(field_name="body", help_text="A body's id.")
    meeting = NumberFilter(field_name="meeting", help_text="A meeting's id.")

    class Meta:
        model = Decision
        fields = ["proposal", "body", "meeting", "outcome"]


@extend_schema_view(
    list=extend_schema(
        description="Decisions about the proposals this person may see, newest first. "
        "Partners receive decisions about OFFICIAL proposals only."
    ),
    create=extend_schema(
        responses={201: DecisionSerializer, **error_responses(400, 401, 403, 409)},
        description="Record a body's decision (administrators only): endorsed sends the "
        "proposal to the next body (after the last, it is approved), referred_back returns it "
        "to draft with the reasons, rejected closes it, noted changes nothing. A decision the "
        "rules refuse (another body's, a proposal not in the chain, a closed meeting) gets 409 "
        "with the reason.",
    ),
)
class DecisionViewSet(
    DomainErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Decision],
):
    """Governance bodies' decisions about proposals. Never changed or deleted."""

    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    ordering_fields = ["decided_on", "created_at"]

    def get_queryset(self) -> QuerySet[Decision]:
        return selectors.governance.decisions_for(self.request.user).order_by(
            "-decided_on", "-created_at", "-pk"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = services.decision_record(
            acting_user=policy.signed_in(request.user), **serializer.validated_data
        )
        decision = self.get_queryset().get(pk=decision.pk)
        location = reverse("api:decision-detail", args=[decision.pk], request=request)
        return Response(
            self.get_serializer(decision).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


# --- Negotiation ------------------------------------------------------------------------------


class NegotiationEntrySerializer(serializers.ModelSerializer[NegotiationEntry]):
    """One bilateral engagement with a government department about a proposal."""

    proposal = ProposalField(
        help_text="A draft proposal or one submitted to government, of a workstream this "
        "person leads (or any, for an administrator)."
    )
    department = DepartmentField(help_text="A department this deal negotiates with.")
    department_name = serializers.CharField(source="department.name", read_only=True)
    classification = serializers.ChoiceField(
        choices=Classification.choices,
        help_text="OFFICIAL entries reach partners (when the proposal does too); "
        "OFFICIAL-SENSITIVE ones never do.",
    )
    recorded_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = NegotiationEntry
        fields = [
            "id",
            "proposal",
            "department",
            "department_name",
            "held_on",
            "attendees",
            "summary",
            "next_steps",
            "classification",
            "recorded_by",
            "revision",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["revision", "created_at", "updated_at"]

    def validate_proposal(self, proposal: Proposal) -> Proposal:
        if self.instance is not None:
            if proposal.pk != self.instance.proposal_id:
                raise serializers.ValidationError("An entry stays with its proposal")
            return proposal
        if not policy.can_edit_proposal(_user(self.context), proposal.workstream):
            raise PermissionDenied(EDITORS_ONLY)
        return proposal

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        attrs = super().to_internal_value(data)
        if self.instance is not None:
            attrs.pop("proposal", None)
        return attrs


class NegotiationFilter(filters.FilterSet):
    proposal = NumberFilter(field_name="proposal", help_text="A proposal's id.")
    department = NumberFilter(field_name="department", help_text="A department's id.")

    class Meta:
        model = NegotiationEntry
        fields = ["proposal", "department", "classification"]


class EditsNegotiations(permissions.BasePermission):
    message = EDITORS_ONLY

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return policy.can_edit_proposal(request.user, obj.proposal.workstream)


NEGOTIATION_WRITES = {
    200: NegotiationEntrySerializer,
    **error_responses(400, 401, 403, 404, 409),
    412: stale_response("NegotiationEntry", NegotiationEntrySerializer),
}


@extend_schema_view(
    list=extend_schema(
        description="The log of bilateral talks with government about the proposals this "
        "person may see, newest first. Partners receive OFFICIAL entries about OFFICIAL "
        "proposals only."
    ),
    retrieve=extend_schema(parameters=[ETAG]),
    create=extend_schema(
        parameters=[ETAG],
        responses={201: NegotiationEntrySerializer, **error_responses(400, 401, 403, 409)},
        description="Log a talk with a department (the workstream's lead or an administrator), "
        "on a draft (the lead's talks while developing it) or once the proposal has been "
        "submitted to government. The first one after submission moves it into negotiation; "
        "409 while it is in the governance chain or approved, and once it is closed.",
    ),
    update=extend_schema(parameters=[IF_MATCH, ETAG], responses=NEGOTIATION_WRITES),
    partial_update=extend_schema(parameters=[IF_MATCH, ETAG], responses=NEGOTIATION_WRITES),
)
class NegotiationEntryViewSet(RevisedRecordViewSet):
    """Bilateral engagements with government departments about proposals. Not deleted."""

    serializer_class = NegotiationEntrySerializer
    filterset_class = NegotiationFilter
    permission_classes = [permissions.IsAuthenticated, EditsNegotiations]
    ordering_fields = ["held_on", "created_at"]
    search_fields = ["summary", "next_steps"]
    detail_route = "api:negotiation-detail"
    create_service = services.negotiation_log
    update_service = services.negotiation_update
    record_keyword = "entry"

    def get_queryset(self) -> QuerySet[NegotiationEntry]:
        return (
            selectors.proposals.negotiations_for(self.request.user)
            .select_related("proposal__workstream")
            .order_by("-held_on", "-created_at", "-pk")
        )
