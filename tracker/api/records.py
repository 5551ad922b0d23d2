"""A workstream's risks and issues log and its stakeholder engagement plan: list, read, add and
change them. Neither is deleted here: a risk is closed instead, and a plan line is kept as the
record of who was engaged."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.models import User
from core import policy
from core import selectors as core_selectors
from core.api_support import (
    ETAG,
    IF_MATCH,
    DomainErrorsMixin,
    NumberFilter,
    error_responses,
    expected_revision,
    stale_edit_response,
    stale_response,
    with_etag,
)
from core.choices import Classification, OrganisationKind
from tracker import selectors, services
from tracker.choices import Rag
from tracker.models import EngagementEntry, GovernanceBody, Risk, Workstream

from .fields import VisibleRelatedField, _user
from .workstreams import WORKSTREAM_HELP, WorkstreamField

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

WRITERS_ONLY = "Only the workstream's lead or an administrator can change this."


class WritesToOwnWorkstream(permissions.BasePermission):
    """Anyone who may see a record may read it; only who may write to its workstream changes
    it. Checked before the request's values, so a refusal is a 403 whatever they were."""

    message = WRITERS_ONLY

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return policy.can_write_workstream(request.user, obj.workstream)


CLASSIFICATION_HELP = "OFFICIAL records reach partners; OFFICIAL-SENSITIVE ones never do."


class RecordSerializer(serializers.ModelSerializer[Any]):
    """What risks and engagement entries share: the workstream, set when the record is added
    (records move between workstreams only when workstreams merge), and a classification that
    a new record must state."""

    workstream = WorkstreamField(help_text=WORKSTREAM_HELP)
    classification = serializers.ChoiceField(
        choices=Classification.choices, help_text=CLASSIFICATION_HELP
    )

    def validate_workstream(self, workstream: Workstream) -> Workstream:
        if self.instance is not None:
            if workstream.pk != self.instance.workstream_id:
                raise serializers.ValidationError(
                    "A record stays in its workstream: merging workstreams moves open records"
                )
            return workstream
        if not policy.can_write_workstream(_user(self.context), workstream):
            raise PermissionDenied(WRITERS_ONLY)
        return workstream

    def target_workstream(self, attrs: dict[str, Any]) -> Workstream:
        return attrs.get("workstream") or self.instance.workstream  # type: ignore[union-attr]

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        attrs = super().to_internal_value(data)
        # Checked above; the services take the workstream only when a record is added.
        if self.instance is not None:
            attrs.pop("workstream", None)
        return attrs


# --- Risks ------------------------------------------------------------------------------------


class PersonField(VisibleRelatedField):
    model = User
    noun = "person"

    def visible(self, user: Any) -> QuerySet[User]:
        return selectors.reporting.people_for(user)


class RiskSerializer(RecordSerializer):
    """A risk or issue in a workstream's log. Its workstream is set when it is added."""

    score = serializers.IntegerField(read_only=True, help_text="Likelihood times impact, 1 to 25.")
    rag = serializers.ChoiceField(
        choices=Rag.choices, read_only=True, help_text="Derived from the score."
    )
    owner = PersonField(
        required=False, allow_null=True, help_text="Someone with a role in the workstream's deal."
    )
    owner_name = serializers.CharField(
        source="owner.get_full_name", read_only=True, allow_null=True
    )

    class Meta:
        model = Risk
        fields = [
            "id",
            "workstream",
            "title",
            "description",
            "likelihood",
            "impact",
            "score",
            "rag",
            "owner",
            "owner_name",
            "mitigation",
            "status",
            "escalated_to_dsg",
            "classification",
            "revision",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["revision", "created_at", "updated_at"]
        # The owner's role and clearance are checked by the service (policy.owner_refusal).


class RiskFilter(filters.FilterSet):
    workstream = NumberFilter(field_name="workstream", help_text="A workstream's id.")

    class Meta:
        model = Risk
        fields = ["workstream", "status", "escalated_to_dsg", "classification"]


# --- Engagement plans -------------------------------------------------------------------------


class BodyField(VisibleRelatedField):
    model = GovernanceBody
    noun = "body"

    def visible(self, user: Any) -> QuerySet[GovernanceBody]:
        return selectors.governance.bodies_for(user)


class EngagementEntrySerializer(RecordSerializer):
    """One line of a workstream's stakeholder engagement plan. Its workstream is set when it is
    added."""

    organisation = serializers.PrimaryKeyRelatedField(queryset=core_selectors.organisations())
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    organisation_kind = serializers.ChoiceField(
        choices=OrganisationKind.choices,
        source="organisation.kind",
        read_only=True,
        help_text="The kind of organisation: every plan should include a non-constituent "
        "authority.",
    )
    channel = BodyField(
        required=False,
        allow_null=True,
        help_text="The deal's existing board, forum or officer group used, if any.",
    )
    channel_name = serializers.CharField(source="channel.name", read_only=True, allow_null=True)

    class Meta:
        model = EngagementEntry
        fields = [
            "id",
            "workstream",
            "organisation",
            "organisation_name",
            "organisation_kind",
            "channel",
            "channel_name",
            "channel_notes",
            "frequency",
            "last_engaged_on",
            "notes",
            "classification",
            "revision",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["revision", "created_at", "updated_at"]
        # The one-line-per-organisation rule is checked in validate(), with a field message.
        validators: ClassVar[list[Any]] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        workstream = self.target_workstream(attrs)
        channel = attrs.get("channel")
        if channel is not None and channel.deal_id != workstream.deal_id:
            raise serializers.ValidationError({"channel": "Choose a body of this deal"})
        organisation = attrs.get("organisation")
        if organisation is not None and selectors.reporting.in_engagement_plan(
            workstream, organisation, besides=self.instance
        ):
            raise serializers.ValidationError(
                {"organisation": "This organisation is already in the plan"}
            )
        return attrs


class EngagementEntryFilter(filters.FilterSet):
    workstream = NumberFilter(field_name="workstream", help_text="A workstream's id.")
    organisation = NumberFilter(field_name="organisation", help_text="An organisation's id.")

    class Meta:
        model = EngagementEntry
        fields = ["workstream", "organisation", "classification"]


# --- The views --------------------------------------------------------------------------------


class RevisedRecordViewSet(
    DomainErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Any],
):
    """A workstream's records that carry a ``revision``: each object response has it as its
    ETag, and a change sent with a stale If-Match is refused with 412."""

    permission_classes = [permissions.IsAuthenticated, WritesToOwnWorkstream]
    detail_route: ClassVar[str]
    create_service: ClassVar[Callable[..., Model]]
    update_service: ClassVar[Callable[..., Model]]
    record_keyword: ClassVar[str]

    def respond(self, obj: Any, status_code: int = status.HTTP_200_OK) -> Response:
        data = self.get_serializer(obj).data
        return with_etag(Response(data, status=status_code), obj.revision)

    def reread(self, obj: Any) -> Any:
        """The record as the list shows it (with its related rows and derived values)."""
        return self.get_queryset().get(pk=obj.pk)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = type(self).create_service(
            acting_user=policy.signed_in(request.user), **serializer.validated_data
        )
        response = self.respond(self.reread(record), status.HTTP_201_CREATED)
        response["Location"] = reverse(self.detail_route, args=[record.pk], request=request)
        return response

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        partial = bool(kwargs.get("partial", False))
        serializer = self.get_serializer(record, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            record = type(self).update_service(
                acting_user=policy.signed_in(request.user),
                expected_revision=expected_revision(request, record.revision),
                **{self.record_keyword: record},
                **serializer.validated_data,
            )
        except services.StaleEdit as exc:
            current = self.reread(record)
            data = self.get_serializer(current).data
            return stale_edit_response(exc, data, current.revision)
        return self.respond(self.reread(record))


def _describe(name: str, serializer: type[serializers.BaseSerializer[Any]], extra: str) -> Any:
    """The schema of a record viewset: its ETags, If-Match and error responses."""
    writes = {
        200: serializer,
        **error_responses(400, 401, 403, 404, 409),
        412: stale_response(name, serializer),
    }
    return extend_schema_view(
        list=extend_schema(description=f"Partners receive OFFICIAL records only. {extra}"),
        retrieve=extend_schema(parameters=[ETAG]),
        create=extend_schema(
            parameters=[ETAG],
            responses={201: serializer, **error_responses(400, 401, 403)},
            description="Only the workstream's lead or an administrator may add one (403 "
            "otherwise).",
        ),
        update=extend_schema(parameters=[IF_MATCH, ETAG], responses=writes),
        partial_update=extend_schema(parameters=[IF_MATCH, ETAG], responses=writes),
    )


@_describe(
    "Risk",
    RiskSerializer,
    "Risks are not deleted: close one by setting its status to closed.",
)
class RiskViewSet(RevisedRecordViewSet):
    """Workstreams' risks and issues, scored likelihood times impact. Not deleted: a risk is
    closed instead."""

    serializer_class = RiskSerializer
    filterset_class = RiskFilter
    ordering_fields = ["score", "title", "updated_at"]
    search_fields = ["title", "description"]
    detail_route = "api:risk-detail"
    create_service = services.risk_create
    update_service = services.risk_update
    record_keyword = "risk"

    def get_queryset(self) -> QuerySet[Risk]:
        return selectors.reporting.risks_for(self.request.user).select_related(
            "workstream", "owner"
        )


@_describe(
    "EngagementEntry",
    EngagementEntrySerializer,
    "Each record is one line of a workstream's stakeholder engagement plan. Lines are not "
    "deleted here.",
)
class EngagementEntryViewSet(RevisedRecordViewSet):
    """Lines of workstreams' stakeholder engagement plans: who is engaged, through which body,
    how often. Not deleted here."""

    serializer_class = EngagementEntrySerializer
    filterset_class = EngagementEntryFilter
    ordering_fields = ["last_engaged_on", "updated_at"]
    search_fields = ["organisation__name", "notes"]
    detail_route = "api:engagement-entry-detail"
    create_service = services.engagement_entry_create
    update_service = services.engagement_entry_update
    record_keyword = "entry"

    def get_queryset(self) -> QuerySet[EngagementEntry]:
        return selectors.reporting.engagement_for(self.request.user).select_related(
            "workstream", "organisation", "channel"
        )
