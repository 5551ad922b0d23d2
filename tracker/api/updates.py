"""Status updates: list, read and post them. A revision is a new post for the same workstream
and period; every version stays, so updates are never changed or deleted here."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core import policy
from core.api_support import (
    ETAG,
    DomainErrorsMixin,
    NumberFilter,
    error_responses,
    if_match_tags,
    if_none_match_any,
    stale_edit_response,
    stale_response,
    with_etag,
)
from core.choices import Classification
from tracker import selectors, services
from tracker.constants import LATE_REPORTING_PERIODS
from tracker.models import StatusUpdate, Workstream
from tracker.periods import Period, deal_period, period_refusal

from .deals import PersonSerializer
from .workstreams import WORKSTREAM_HELP, WorkstreamField

if TYPE_CHECKING:
    from rest_framework.request import Request

# A status update's entity tag names the workstream, the period and the version, so that a
# client that read last period's update cannot pass it off as this period's.
UPDATE_TAG = re.compile(
    r"(?P<workstream>[0-9]+)\.(?P<period>[0-9]{4}-[0-9]{2}-[0-9]{2})\.(?P<version>[0-9]+)"
)


def update_version(update: StatusUpdate) -> str:
    return f"{update.workstream_id}.{update.period_start.isoformat()}.{update.version}"


class StatusUpdateSerializer(serializers.ModelSerializer[StatusUpdate]):
    workstream = WorkstreamField(help_text=WORKSTREAM_HELP)
    classification = serializers.ChoiceField(
        choices=Classification.choices,
        help_text="OFFICIAL updates reach partners; OFFICIAL-SENSITIVE ones never do.",
    )
    author = PersonSerializer(read_only=True, allow_null=True)
    signed_off = serializers.SerializerMethodField(
        help_text="The workstream's SLT sponsor has signed this version off."
    )
    period = serializers.DateField(
        write_only=True,
        required=False,
        help_text="The first day (`YYYY-MM-DD`) of the reporting period this update is for. "
        "Left out, it is the current period. A missed past period may still be reported, once, "
        f"up to {LATE_REPORTING_PERIODS} periods back; the update is then late. A date that is "
        "not a period's first day, or a period not yet started, is refused (400).",
    )

    class Meta:
        model = StatusUpdate
        fields = [
            "id",
            "workstream",
            "period_start",
            "period_end",
            "version",
            "rag",
            "direction",
            "summary",
            "progress",
            "next_steps",
            "risks_and_issues",
            "asks_of_dsg",
            "classification",
            "author",
            "created_at",
            "signed_off",
            "late",
            "period",
        ]
        read_only_fields = ["period_start", "period_end", "version", "created_at", "late"]
        # Blank text passes the field checks so that the reporting rules below say what is
        # missing, in the words the form and the service use.
        extra_kwargs = {"summary": {"required": True, "allow_blank": True}}

    def get_signed_off(self, obj: StatusUpdate) -> bool:
        return bool(getattr(obj, "signed_off", False))

    def validate_workstream(self, workstream: Workstream) -> Workstream:
        if not policy.can_write_workstream(self.context["request"].user, workstream):
            raise PermissionDenied(
                "Only the workstream's lead or an administrator can post updates."
            )
        return workstream

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = services.status_update_errors(
            rag=attrs["rag"],
            summary=attrs.get("summary", ""),
            next_steps=attrs.get("next_steps", ""),
            asks_of_dsg=attrs.get("asks_of_dsg", ""),
        )
        if errors:
            raise serializers.ValidationError(errors)
        period = attrs.get("period")
        if period is not None and (
            refusal := period_refusal(attrs["workstream"].deal, period, timezone.localdate())
        ):
            raise serializers.ValidationError({"period": refusal})
        return attrs


class StatusUpdateFilter(filters.FilterSet):
    workstream = NumberFilter(field_name="workstream", help_text="A workstream's id.")
    period = filters.DateFilter(
        field_name="period_start", help_text="The first day of a reporting period."
    )

    class Meta:
        model = StatusUpdate
        fields = ["workstream", "period", "rag"]


IF_MATCH_UPDATE = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the period's current update, when this post revises it. If the "
    "period's update has been revised since (or the tag is another period's), nothing is saved "
    "and the answer is 412. Without it, the post becomes the period's newest version whatever "
    "it was.",
)
IF_NONE_MATCH_UPDATE = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="`*`: post only if the period has no update yet, else 412.",
)


@extend_schema_view(
    list=extend_schema(
        description="Status updates this person may see, newest first. Partners receive "
        "OFFICIAL updates only."
    ),
    retrieve=extend_schema(parameters=[ETAG], responses={200: StatusUpdateSerializer}),
    create=extend_schema(
        description="Post the current reporting period's update for a workstream, or revise "
        "it: a second post for the same period is a new version and the earlier one stays. "
        "With `period`, report a missed past period instead: its update is `late`, and it "
        "cannot be revised (409 when the period already has an update). "
        "Only the workstream's lead or an administrator may post (403 otherwise); 409 if the "
        "workstream is merged or ceased.",
        parameters=[IF_MATCH_UPDATE, IF_NONE_MATCH_UPDATE, ETAG],
        responses={
            201: StatusUpdateSerializer,
            **error_responses(400, 401, 403, 409),
            412: stale_response("StatusUpdate", StatusUpdateSerializer),
        },
    ),
)
class StatusUpdateViewSet(
    DomainErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[StatusUpdate],
):
    """Workstreams' status updates. Never changed or deleted: a revision is a new post."""

    serializer_class = StatusUpdateSerializer
    filterset_class = StatusUpdateFilter
    ordering_fields = ["period_start", "created_at"]

    def get_queryset(self) -> QuerySet[StatusUpdate]:
        return selectors.reporting.updates_with_sign_off(self.request.user).order_by(
            "-period_start", "-created_at", "-pk"
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        update = self.get_object()
        return with_etag(Response(self.get_serializer(update).data), update_version(update))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        workstream = fields.pop("workstream")
        # Decided once, so that the If-Match check and the service look at the same period.
        chosen = fields.pop("period", None)
        period = (
            deal_period(workstream.deal, chosen)
            if chosen
            else selectors.reporting.current_period(workstream)
        )
        try:
            based_on = self._based_on_version(request, workstream, period)
            update = services.status_update_submit(
                workstream=workstream,
                acting_user=policy.signed_in(request.user),
                period_start=period.start,
                based_on_version=based_on,
                **fields,
            )
        except services.StaleEdit as exc:
            return self._stale(exc, workstream, period)
        update = self.get_queryset().get(pk=update.pk)
        location = reverse("api:status-update-detail", args=[update.pk], request=request)
        response = Response(
            self.get_serializer(update).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )
        return with_etag(response, update_version(update))

    def _based_on_version(
        self, request: Request, workstream: Workstream, period: Period
    ) -> int | None:
        """The version this post revises, from If-Match (or If-None-Match: *)."""
        tags = if_match_tags(request)
        if tags is None:
            return 0 if if_none_match_any(request) else None
        versions = [
            int(match["version"])
            for match in map(UPDATE_TAG.fullmatch, tags)
            if match
            and int(match["workstream"]) == workstream.pk
            and match["period"] == period.start.isoformat()
        ]
        if not versions:
            raise services.StaleEdit(
                "The update you started from is not this period's update for this workstream: "
                "check the current one, then post again.",
                [],
            )
        return max(versions)

    def _stale(self, exc: services.StaleEdit, workstream: Workstream, period: Period) -> Response:
        current = (
            self.get_queryset()
            .filter(workstream=workstream, period_start=period.start)
            .order_by("-version")
            .first()
        )
        if current is None:
            return stale_edit_response(exc)
        data = self.get_serializer(current).data
        return stale_edit_response(exc, data, update_version(current))
