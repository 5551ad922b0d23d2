"""Provisions and their delivery reports in the REST API, by the rules the rest of it keeps:
lists from the selectors (a partner never receives anything OFFICIAL-SENSITIVE), writes through
the services, the services' refusals as 400, 403, 409 or 412 (``core.api_support``), and ETags
with ``If-Match`` for changes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core import policy
from core import selectors as core_selectors
from core.api_support import (
    ETAG,
    IF_MATCH,
    DomainErrorsMixin,
    NumberFilter,
    error_responses,
    expected_revision,
    if_match_tags,
    if_none_match_any,
    stale_edit_response,
    stale_response,
    with_etag,
)
from core.choices import Classification
from core.errors import StaleEdit
from tracker.api.deals import PersonSerializer
from tracker.api.fields import VisibleRelatedField, _user
from tracker.api.proposals import DepartmentField, ProposalField
from tracker.api.workstreams import WorkstreamField
from tracker.models import Workstream

from . import selectors, services
from .choices import Confidence, DeliveryState, ProvisionKind
from .models import Provision, ProvisionReport

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

ADMINISTRATORS_ONLY = services.ADMINISTRATORS_ONLY


# --- Provisions -------------------------------------------------------------------------------


class AdministratorsChange(permissions.BasePermission):
    """Anyone who may see a provision reads it; only its deal's administrators change it."""

    message = ADMINISTRATORS_ONLY

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return policy.can_manage_provisions(request.user, obj.deal_id)


class ProvisionSerializer(serializers.ModelSerializer[Provision]):
    """One commitment of an agreed deal, with its latest delivery report's ratings."""

    workstream = WorkstreamField(
        help_text="The workstream that delivers it; its deal is the provision's deal."
    )
    lead_organisation = serializers.PrimaryKeyRelatedField(
        queryset=core_selectors.organisations(), required=False, allow_null=True
    )
    department = DepartmentField(
        required=False, allow_null=True, help_text="A government department of the same deal."
    )
    proposals = ProposalField(
        many=True, required=False, help_text="The proposals whose agreed outcome it came from."
    )
    kind = serializers.ChoiceField(choices=ProvisionKind.choices)
    classification = serializers.ChoiceField(
        choices=Classification.choices,
        help_text="OFFICIAL provisions reach partners (and, published, the public); "
        "OFFICIAL-SENSITIVE ones never do.",
    )
    state = serializers.ChoiceField(
        choices=DeliveryState.choices,
        source="latest_state",
        read_only=True,
        allow_null=True,
        help_text="The latest delivery report's state; null before the first report.",
    )
    confidence = serializers.ChoiceField(
        choices=Confidence.choices,
        source="latest_confidence",
        read_only=True,
        allow_null=True,
        help_text="The latest report's delivery confidence; null before the first report.",
    )
    forecast_on = serializers.DateField(
        source="latest_forecast_on",
        read_only=True,
        allow_null=True,
        help_text="The latest report's forecast delivery date.",
    )

    class Meta:
        model = Provision
        fields = [
            "id",
            "deal",
            "reference",
            "chapter",
            "title",
            "text",
            "workstream",
            "lead_organisation",
            "department",
            "kind",
            "proposals",
            "missions",
            "metrics",
            "indicators",
            "classification",
            "is_published",
            "state",
            "confidence",
            "forecast_on",
            "revision",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["deal", "revision", "created_at", "updated_at"]
        # The reference's uniqueness in its deal is the service's to say, as a field error.
        validators: list[Any] = []
        extra_kwargs = {
            "missions": {"help_text": "The Levelling Up missions it should move (their ids)."},
            "metrics": {"help_text": "The missions' headline metrics it should move."},
            "indicators": {
                "help_text": "The indicators it should move: its deal's frameworks' or national."
            },
        }

    def validate_workstream(self, workstream: Workstream) -> Workstream:
        if not policy.can_manage_provisions(_user(self.context), workstream.deal_id):
            raise PermissionDenied(ADMINISTRATORS_ONLY)
        if self.instance is not None and workstream.deal_id != self.instance.deal_id:
            raise serializers.ValidationError("Choose a workstream of the provision's deal")
        return workstream


class ProvisionFilter(filters.FilterSet):
    deal = NumberFilter(field_name="deal", help_text="A deal's id.")
    workstream = NumberFilter(field_name="workstream", help_text="A workstream's id.")
    state = filters.ChoiceFilter(
        field_name="latest_state",
        choices=DeliveryState.choices,
        help_text="The latest report's state.",
    )
    confidence = filters.ChoiceFilter(
        field_name="latest_confidence",
        choices=Confidence.choices,
        help_text="The latest report's delivery confidence.",
    )

    class Meta:
        model = Provision
        fields = ["deal", "workstream", "kind", "classification", "is_published"]


PROVISION_WRITES = {
    200: ProvisionSerializer,
    **error_responses(400, 401, 403, 404, 409),
    412: stale_response("Provision", ProvisionSerializer),
}


@extend_schema_view(
    list=extend_schema(
        description="The provisions of the deals this person may see, with their latest "
        "delivery report's state and confidence. Partners receive OFFICIAL provisions only."
    ),
    retrieve=extend_schema(parameters=[ETAG]),
    create=extend_schema(
        parameters=[ETAG],
        responses={201: ProvisionSerializer, **error_responses(400, 401, 403)},
        description="Only the deal's administrators may add one (403 otherwise).",
    ),
    update=extend_schema(parameters=[IF_MATCH, ETAG], responses=PROVISION_WRITES),
    partial_update=extend_schema(parameters=[IF_MATCH, ETAG], responses=PROVISION_WRITES),
)
class ProvisionViewSet(
    DomainErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Provision],
):
    """Provisions of agreed deals. Not deleted: one that no longer applies is reported as
    superseded."""

    serializer_class = ProvisionSerializer
    filterset_class = ProvisionFilter
    permission_classes = [permissions.IsAuthenticated, AdministratorsChange]
    ordering_fields = ["reference", "updated_at"]
    search_fields = ["reference", "title", "text", "chapter"]

    def get_queryset(self) -> QuerySet[Provision]:
        return (
            selectors.provisions_for(self.request.user)
            .select_related("workstream", "deal")
            .prefetch_related("proposals", "missions", "metrics", "indicators")
            .order_by("deal", "reference", "pk")
        )

    def respond(self, provision: Provision, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=provision.pk)
        return with_etag(Response(self.get_serializer(fresh).data, status=code), fresh.revision)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        provision = self.get_object()
        return with_etag(Response(self.get_serializer(provision).data), provision.revision)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        provision = services.provision_create(
            deal=fields["workstream"].deal, acting_user=policy.signed_in(request.user), **fields
        )
        response = self.respond(provision, status.HTTP_201_CREATED)
        response["Location"] = reverse("api:provision-detail", args=[provision.pk], request=request)
        return response

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        provision = self.get_object()
        partial = bool(kwargs.get("partial", False))
        serializer = self.get_serializer(provision, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            provision = services.provision_update(
                provision=provision,
                acting_user=policy.signed_in(request.user),
                expected_revision=expected_revision(request, provision.revision),
                **serializer.validated_data,
            )
        except StaleEdit as exc:
            current = self.get_queryset().get(pk=provision.pk)
            data = self.get_serializer(current).data
            return stale_edit_response(exc, data, current.revision)
        return self.respond(provision)


# --- Delivery reports -------------------------------------------------------------------------

# A report's entity tag names the provision, the period and the revision, so that a client that
# read last period's report cannot pass it off as this period's.
REPORT_TAG = re.compile(
    r"(?P<provision>[0-9]+)\.(?P<period>[0-9]{4}-[0-9]{2}-[0-9]{2})\.(?P<revision>[0-9]+)"
)


def report_version(report: ProvisionReport) -> str:
    return f"{report.provision_id}.{report.period_start.isoformat()}.{report.revision}"


class ProvisionField(VisibleRelatedField):
    model = Provision
    noun = "provision"

    def visible(self, user: Any) -> QuerySet[Provision]:
        return selectors.provision_choices(user)


class ProvisionReportSerializer(serializers.ModelSerializer[ProvisionReport]):
    """A provision's delivery report for one reporting period."""

    provision = ProvisionField(
        help_text="A provision of a workstream this person leads (or any, for an administrator)."
    )
    period = serializers.DateField(
        source="period_start", read_only=True, help_text="The reporting period's first day."
    )
    state = serializers.ChoiceField(choices=DeliveryState.choices)
    confidence = serializers.ChoiceField(
        choices=Confidence.choices,
        help_text="Delivery confidence on the five-point scale; any rating below green must "
        "be explained in the narrative.",
    )
    narrative = serializers.CharField(allow_blank=True, trim_whitespace=False)
    forecast_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Required whenever the forecast differs from the previous period's report.",
    )
    classification = serializers.ChoiceField(
        choices=Classification.choices,
        source="provision.classification",
        read_only=True,
        help_text="The provision's marking, which its reports carry.",
    )
    author = PersonSerializer(read_only=True, allow_null=True)
    signed_off = serializers.SerializerMethodField(
        help_text="Whether the workstream's sponsor has signed off this revision of the report."
    )

    class Meta:
        model = ProvisionReport
        fields = [
            "id",
            "provision",
            "period",
            "period_end",
            "state",
            "confidence",
            "narrative",
            "baseline_on",
            "forecast_on",
            "forecast_reason",
            "classification",
            "author",
            "revision",
            "signed_off",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "period_end",
            "baseline_on",
            "revision",
            "created_at",
            "updated_at",
        ]
        validators: list[Any] = []

    def get_signed_off(self, obj: ProvisionReport) -> bool:
        return bool(getattr(obj, "signed_off", False))

    def validate_provision(self, provision: Provision) -> Provision:
        if not policy.can_report_on_provision(_user(self.context), provision):
            raise PermissionDenied(services.REPORTERS_ONLY)
        return provision


class ProvisionReportFilter(filters.FilterSet):
    provision = NumberFilter(field_name="provision", help_text="A provision's id.")
    period = filters.DateFilter(
        field_name="period_start", help_text="The first day of a reporting period."
    )

    class Meta:
        model = ProvisionReport
        fields = ["provision", "period", "state", "confidence"]


IF_MATCH_REPORT = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the period's report, when this post revises it. If it has been "
    "revised since (or the tag is another period's or provision's), nothing is saved and the "
    "answer is 412.",
)
IF_NONE_MATCH_REPORT = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="`*`: post only if the period has no report yet, else 412.",
)


@extend_schema_view(
    list=extend_schema(
        description="Delivery reports on the provisions this person may see, newest first."
    ),
    retrieve=extend_schema(parameters=[ETAG]),
    create=extend_schema(
        description="Report on a provision's delivery for the current reporting period, or "
        "revise this period's report. Only the lead of the provision's workstream or an "
        "administrator may (403 otherwise); 409 if its workstream is merged or ceased.",
        parameters=[IF_MATCH_REPORT, IF_NONE_MATCH_REPORT, ETAG],
        responses={
            201: ProvisionReportSerializer,
            **error_responses(400, 401, 403, 409),
            412: stale_response("ProvisionReport", ProvisionReportSerializer),
        },
    ),
)
class ProvisionReportViewSet(
    DomainErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[ProvisionReport],
):
    """Provisions' delivery reports, one per provision per reporting period; a second post in
    the period revises it (the history keeps each revision). Never deleted."""

    serializer_class = ProvisionReportSerializer
    filterset_class = ProvisionReportFilter
    ordering_fields = ["period_start", "created_at"]

    def get_queryset(self) -> QuerySet[ProvisionReport]:
        return (
            selectors.reports_for(self.request.user)
            .select_related("provision", "author")
            .order_by("-period_start", "-pk")
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        return with_etag(Response(self.get_serializer(report).data), report_version(report))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        provision = fields.pop("provision")
        period = services.report_period(provision)
        try:
            report = services.report_submit(
                provision=provision,
                acting_user=policy.signed_in(request.user),
                period=period,
                based_on_revision=self._based_on(request, provision, period.start.isoformat()),
                **fields,
            )
        except StaleEdit as exc:
            current = (
                self.get_queryset().filter(provision=provision, period_start=period.start).first()
            )
            if current is None:
                return stale_edit_response(exc)
            data = self.get_serializer(current).data
            return stale_edit_response(exc, data, report_version(current))
        report = self.get_queryset().get(pk=report.pk)
        location = reverse("api:provision-report-detail", args=[report.pk], request=request)
        response = Response(
            self.get_serializer(report).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )
        return with_etag(response, report_version(report))

    def _based_on(self, request: Request, provision: Provision, period: str) -> int | None:
        """The revision this post revises, from If-Match (or 0 for If-None-Match: *)."""
        tags = if_match_tags(request)
        if tags is None:
            return 0 if if_none_match_any(request) else None
        revisions = [
            int(match["revision"])
            for match in map(REPORT_TAG.fullmatch, tags)
            if match and int(match["provision"]) == provision.pk and match["period"] == period
        ]
        if not revisions:
            raise StaleEdit(
                "The report you started from is not this period's report on this provision: "
                "check the current one, then post again.",
                [],
            )
        return max(revisions)
