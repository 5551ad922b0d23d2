"""Running the governance: the bodies' meetings with their agendas, the deal's milestones and the
versions of the Proposition.

Everyone in a deal sees its meetings and milestones; a meeting's minutes and attendance, its
agenda items and the Proposition's items only as their markings allow. Arranging meetings,
moving them on, and keeping the milestones are for administrators (``policy.can_run_governance``);
the services in ``tracker.services`` check it again and apply the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

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
from tracker.choices import MeetingStatus
from tracker.models import (
    AgendaItem,
    Meeting,
    Milestone,
    PropositionItem,
    PropositionVersion,
)

from .fields import VisibleRelatedField, _user
from .proposals import PlainChoiceField
from .records import BodyField, PersonField, RevisedRecordViewSet

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

ADMINS_ONLY = "Only an administrator can do this."


class RunsGovernance(permissions.BasePermission):
    """Anyone who may see a meeting or milestone reads it; administrators of its deal change
    it. Checked before the request's values, so a refusal is a 403 whatever they were."""

    message = ADMINS_ONLY

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        deal_id = obj.body.deal_id if isinstance(obj, Meeting) else obj.deal_id
        return policy.can_run_governance(request.user, deal_id)


# --- Meetings ---------------------------------------------------------------------------------


class AgendaItemSerializer(serializers.ModelSerializer[AgendaItem]):
    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "position",
            "title",
            "notes",
            "proposal",
            "workstream",
            "classification",
            "generated",
        ]
        read_only_fields = fields


RECORD_HELP = "Null for a person its marking keeps the meeting's record from."


@extend_schema_field({"type": "array", "items": {"type": "integer"}, "nullable": True})
class AttendeesField(serializers.ManyRelatedField):
    """People's ids; null where the meeting's marking keeps its record from the reader."""


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    """A meeting of a governance body. Its status moves on through the status action."""

    body = BodyField(help_text="The body that meets: one of a deal this person administers.")
    classification = serializers.ChoiceField(
        choices=Classification.choices,
        required=False,
        help_text="Of the meeting's record (minutes and attendance): partners read OFFICIAL "
        "records only.",
    )
    minutes = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text=RECORD_HELP
    )
    attendees = AttendeesField(
        child_relation=PersonField(), required=False, allow_null=True, help_text=RECORD_HELP
    )
    agenda = serializers.SerializerMethodField(
        help_text="The items this person may see: an item about a proposal follows the "
        "proposal's marking as well as its own."
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "body",
            "starts_at",
            "ends_at",
            "location",
            "status",
            "classification",
            "minutes",
            "attendees",
            "revision",
            "agenda",
        ]
        read_only_fields = ["status", "revision"]
        validators: list[Any] = []  # one meeting of a body at a time: the service says so

    def validate_body(self, body: Any) -> Any:
        if self.instance is not None:
            if body.pk != self.instance.body_id:
                raise serializers.ValidationError("A meeting stays with its body")
            return body
        if not policy.can_run_governance(_user(self.context), body.deal_id):
            raise PermissionDenied("Only an administrator can arrange meetings.")
        return body

    def validate_minutes(self, minutes: str | None) -> str:
        return minutes or ""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        attrs = super().to_internal_value(data)
        if self.instance is not None:
            attrs.pop("body", None)
        return attrs

    @extend_schema_field(AgendaItemSerializer(many=True))
    def get_agenda(self, obj: Meeting) -> list[dict[str, Any]]:
        items = getattr(obj, "visible_agenda", None)
        if items is None:
            items = selectors.governance.agenda_for(_user(self.context), obj)
        return AgendaItemSerializer(items, many=True).data  # type: ignore[return-value]

    def to_representation(self, instance: Meeting) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not selectors.governance.meeting_record_visible(_user(self.context), instance):
            data["minutes"] = data["attendees"] = None
        return data


class MeetingStatusSerializer(serializers.Serializer[Any]):
    status = PlainChoiceField(
        choices=MeetingStatus.choices,
        help_text="The next status: held after planned, closed after held.",
    )


class MeetingFilter(filters.FilterSet):
    body = NumberFilter(field_name="body", help_text="A body's id.")

    class Meta:
        model = Meeting
        fields = ["body", "status"]


# "from" is a Python keyword, so these two are added by name.
MeetingFilter.base_filters["from"] = filters.DateFilter(
    field_name="starts_at", lookup_expr="date__gte", help_text="Meetings on or after this day."
)
MeetingFilter.base_filters["to"] = filters.DateFilter(
    field_name="starts_at", lookup_expr="date__lte", help_text="Meetings on or before this day."
)

MEETING_WRITES = {
    200: MeetingSerializer,
    **error_responses(400, 401, 403, 404, 409),
    412: stale_response("Meeting", MeetingSerializer),
}


@extend_schema_view(
    list=extend_schema(
        description="Meetings of the bodies of the deals this person holds a role in, newest "
        "first. Minutes and attendees are null where the meeting's marking keeps its record "
        "from the person."
    ),
    retrieve=extend_schema(parameters=[ETAG]),
    create=extend_schema(
        parameters=[ETAG],
        responses={201: MeetingSerializer, **error_responses(400, 401, 403)},
        description="Arrange a meeting (administrators only). The next planned meeting of a "
        "body lists what awaits it.",
    ),
    update=extend_schema(parameters=[IF_MATCH, ETAG], responses=MEETING_WRITES),
    partial_update=extend_schema(
        parameters=[IF_MATCH, ETAG],
        responses=MEETING_WRITES,
        description="Change a meeting's time, place, record or attendance (administrators "
        "only); 409 once it is closed.",
    ),
)
class MeetingViewSet(RevisedRecordViewSet):
    """Meetings of governance bodies, each with its agenda; a closed meeting's record and
    decisions are locked. Not deleted."""

    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    permission_classes = [permissions.IsAuthenticated, RunsGovernance]
    ordering_fields = ["starts_at"]
    search_fields = ["location"]
    detail_route = "api:meeting-detail"
    create_service = services.meeting_create
    update_service = services.meeting_update
    record_keyword = "meeting"

    def get_queryset(self) -> QuerySet[Meeting]:
        user = self.request.user
        if self.action == "list":
            # One query for the whole page's agendas, filtered as agenda_for filters one.
            qs = selectors.governance.meetings_with_agendas(user)
        else:
            qs = selectors.governance.meetings_for(user)
        return qs.prefetch_related("attendees").order_by("-starts_at", "pk")

    @extend_schema(
        request=MeetingStatusSerializer,
        responses={200: MeetingSerializer, **error_responses(400, 401, 403, 404, 409)},
        parameters=[ETAG],
        description="Move the meeting on (administrators only): planned to held once it has "
        "started, which fixes its agenda; held to closed, which locks its record and decisions. "
        "409 for any other step.",
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        serializer = MeetingStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.meeting_advance(
            meeting=meeting,
            acting_user=policy.signed_in(request.user),
            status=serializer.validated_data["status"],
        )
        return self.respond(self.reread(meeting))


# --- Milestones -------------------------------------------------------------------------------


class MilestoneField(VisibleRelatedField):
    model = Milestone
    noun = "milestone"

    def visible(self, user: Any) -> QuerySet[Milestone]:
        return selectors.governance.milestone_choices(user)


class MilestoneSerializer(serializers.ModelSerializer[Milestone]):
    depends_on = MilestoneField(
        many=True,
        required=False,
        help_text="Milestones of the same deal that must be done before this one can be.",
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "deal",
            "title",
            "when_label",
            "starts_on",
            "ends_on",
            "status",
            "notes",
            "depends_on",
            "position",
        ]
        read_only_fields = ["deal", "position"]
        validators: list[Any] = []  # a title used twice in a deal: the service says so


class MilestoneFilter(filters.FilterSet):
    class Meta:
        model = Milestone
        fields = ["deal", "status"]


@extend_schema_view(
    list=extend_schema(description="The timeline of the deals this person holds a role in."),
    partial_update=extend_schema(
        responses={200: MilestoneSerializer, **error_responses(400, 401, 403, 404, 409)},
        description="Change a milestone (administrators only). It is done only once everything "
        "it depends on is done (409 otherwise).",
    ),
)
class MilestoneViewSet(
    DomainErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Milestone],
):
    """The deal's timeline: milestones with their dates, status and what they depend on."""

    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    permission_classes = [permissions.IsAuthenticated, RunsGovernance]
    http_method_names = ["get", "patch", "head", "options"]
    ordering_fields = ["starts_on"]

    def get_queryset(self) -> QuerySet[Milestone]:
        return selectors.governance.milestones_for(self.request.user)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        serializer = self.get_serializer(milestone, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        milestone = services.milestone_update(
            milestone=milestone,
            acting_user=policy.signed_in(request.user),
            **serializer.validated_data,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=milestone.pk)).data)


# --- The Proposition --------------------------------------------------------------------------


class PropositionItemSerializer(serializers.ModelSerializer[PropositionItem]):
    class Meta:
        model = PropositionItem
        fields = [
            "id",
            "proposal",
            "position",
            "theme_name",
            "workstream_name",
            "title",
            "ask_type",
            "ask",
            "challenge",
            "prize",
            "estimated_value",
            "departments",
            "missions",
            "classification",
        ]
        read_only_fields = fields


class PropositionVersionSerializer(serializers.ModelSerializer[PropositionVersion]):
    items = serializers.SerializerMethodField(
        help_text="The proposals in this version as they stood when it was made: those this "
        "person may see."
    )
    item_count = serializers.SerializerMethodField(help_text="How many items this person sees.")

    class Meta:
        model = PropositionVersion
        fields = [
            "id",
            "deal",
            "number",
            "title",
            "introduction",
            "status",
            "approved_on",
            "approved_by",
            "approved_at",
            "created_at",
            "item_count",
            "items",
        ]
        read_only_fields = fields

    @extend_schema_field(PropositionItemSerializer(many=True))
    def get_items(self, obj: PropositionVersion) -> list[dict[str, Any]]:
        return PropositionItemSerializer(obj.visible_items, many=True).data  # type: ignore[attr-defined,return-value]

    def get_item_count(self, obj: PropositionVersion) -> int:
        return len(obj.visible_items)  # type: ignore[attr-defined]


class PropositionFilter(filters.FilterSet):
    class Meta:
        model = PropositionVersion
        fields = ["deal", "status"]


@extend_schema_view(
    list=extend_schema(
        description="Versions of the Proposition, newest first, each with the items this "
        "person may see. Partners receive items about OFFICIAL proposals only."
    ),
)
class PropositionVersionViewSet(viewsets.ReadOnlyModelViewSet[PropositionVersion]):
    """Versions of the composite Proposition: the approved proposals as they stood when each
    version was made. Versions never change; the last body in the chain approves one."""

    serializer_class = PropositionVersionSerializer
    filterset_class = PropositionFilter

    def get_queryset(self) -> QuerySet[PropositionVersion]:
        return selectors.governance.proposition_versions_with_items(self.request.user)
