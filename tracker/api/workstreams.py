"""Workstreams: where each stands in the reporting cycle, and merging or ceasing them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core import policy
from core.api_support import DomainErrorsMixin, NumberFilter, error_responses
from tracker import selectors, services
from tracker.choices import WorkstreamStatus
from tracker.models import Theme, Workstream

from .deals import PersonSerializer
from .fields import VisibleRelatedField

if TYPE_CHECKING:
    from rest_framework.request import Request


WORKSTREAM_HELP = "A workstream this person leads (or any, for an administrator)."


class WorkstreamField(VisibleRelatedField):
    """A workstream's id, among the workstreams the requesting person may see: any other id is
    refused as if it did not exist."""

    model = Workstream
    noun = "workstream"

    def visible(self, user: Any) -> QuerySet[Workstream]:
        return selectors.reporting.workstream_choices(user).select_related("deal")


class IdsField(serializers.ListField):
    """The ids of the records in a list the query fetched (``Prefetch(to_attr=...)``)."""

    child = serializers.IntegerField()

    def to_representation(self, data: list[Any]) -> list[int]:
        return [record.pk for record in data]


class CurrentStatusSerializer(serializers.Serializer[Any]):
    rag = serializers.CharField()
    period_start = serializers.DateField()


class WorkstreamSerializer(serializers.ModelSerializer[Workstream]):
    theme: serializers.SlugRelatedField[Theme] = serializers.SlugRelatedField(
        slug_field="name", read_only=True
    )
    merged_into: serializers.SlugRelatedField[Workstream] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    leads = serializers.SerializerMethodField()
    sponsor = serializers.SerializerMethodField()
    current_status = serializers.SerializerMethodField()
    # A plain string rather than a choice, so that the schema has one name for the RAG choices.
    current_rag = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="red, amber or green: the RAG of the newest update this person may see; null "
        "before any.",
    )
    last_update_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the newest update this person may see was posted.",
    )
    # From the lists the query fetched (``selectors.reporting.workstreams_listed``): read
    # through the relations' managers, each row built three querysets of its own, which a
    # profile showed to be a fifth of the list's time.
    missions = IdsField(source="mission_list", required=False)
    metrics = IdsField(source="metric_list", required=False)
    indicators = IdsField(source="indicator_list", required=False)
    overdue = serializers.SerializerMethodField(
        help_text="The newest period whose update has fallen due has no update. Always false "
        "for a merged or ceased workstream, which no longer reports."
    )

    class Meta:
        model = Workstream
        fields = [
            "id",
            "deal",
            "theme",
            "name",
            "slug",
            "description",
            "can_proceed_outside_deal",
            "status",
            "merged_into",
            "ceased_on",
            "ceased_reason",
            "leads",
            "sponsor",
            "current_status",
            "current_rag",
            "last_update_at",
            "overdue",
            "missions",
            "metrics",
            "indicators",
        ]

    def _person(self, user: Any) -> dict[str, Any]:
        # One serializer for the people of every row of a list (the rows share this serializer):
        # building one for each row's leads and sponsor took a third of the list's time.
        if not hasattr(self, "_people"):
            self._people = PersonSerializer()
        return self._people.to_representation(user)

    @extend_schema_field(PersonSerializer(many=True))
    def get_leads(self, obj: Workstream) -> list[dict[str, Any]]:
        leads, _ = selectors.reporting.people_in(obj)
        return [self._person(lead) for lead in leads]

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_sponsor(self, obj: Workstream) -> dict[str, Any] | None:
        _, sponsor = selectors.reporting.people_in(obj)
        return self._person(sponsor) if sponsor else None

    @extend_schema_field(CurrentStatusSerializer(allow_null=True))
    def get_current_status(self, obj: Workstream) -> dict[str, Any] | None:
        rag = getattr(obj, "current_rag", None)
        if rag is None:
            return None
        return {"rag": rag, "period_start": obj.current_period_start}  # type: ignore[attr-defined]

    def get_overdue(self, obj: Workstream) -> bool:
        return (
            obj.status == WorkstreamStatus.ACTIVE
            and selectors.reporting.reporting_state(obj).overdue
        )


class WorkstreamFilter(filters.FilterSet):
    mission = NumberFilter(field_name="missions__number", label="Mission number")

    class Meta:
        model = Workstream
        fields = ["deal", "theme", "status", "can_proceed_outside_deal", "mission"]


class MergeSerializer(serializers.Serializer[Any]):
    into = WorkstreamField(help_text="The workstream that carries on: an active one of the deal.")


class CeaseSerializer(serializers.Serializer[Any]):
    # Blank passes here so that the service's own message explains what is missing.
    reason = serializers.CharField(allow_blank=True, help_text="Why the workstream has ceased.")
    ceased_on = serializers.DateField(
        required=False, allow_null=True, help_text="When it ceased; today if not given."
    )


LIFECYCLE_ERRORS = error_responses(400, 401, 403, 404, 409)


@extend_schema_view(
    list=extend_schema(
        description="The workstreams of the deals this person holds a role in. Merged and "
        "ceased workstreams leave this list unless `status` is given or `search` is used; "
        "they remain readable by id."
    ),
)
class WorkstreamViewSet(DomainErrorsMixin, viewsets.ReadOnlyModelViewSet[Workstream]):
    """A deal's workstreams: their people, where each stands in the reporting cycle, and
    their lifecycle (active, merged into another, or ceased)."""

    serializer_class = WorkstreamSerializer
    filterset_class = WorkstreamFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "position"]

    def get_queryset(self) -> QuerySet[Workstream]:
        # No DISTINCT: no filter repeats a workstream (a mission's number is unique, and search
        # reads the workstream's own columns), and DISTINCT would make PostgreSQL work out every
        # row's subqueries, and the count carry them, rather than the page's.
        qs = (
            selectors.reporting.workstreams_listed(self.request.user)
            .select_related("merged_into")
            .order_by("deal", "theme__position", "position")
        )
        if self.action == "list" and not self._asks_beyond_active():
            qs = qs.filter(status=WorkstreamStatus.ACTIVE)
        return qs

    def _asks_beyond_active(self) -> bool:
        params = self.request.query_params
        return bool(params.get("status") or params.get(api_settings.SEARCH_PARAM))

    def _administered(self, request: Request) -> Workstream:
        workstream = self.get_object()
        if not policy.is_admin(request.user, workstream.deal_id):
            raise PermissionDenied("Only an administrator can merge or cease workstreams.")
        return workstream

    def _fresh(self, workstream: Workstream) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=workstream.pk)).data)

    @extend_schema(
        request=MergeSerializer,
        responses={200: WorkstreamSerializer, **LIFECYCLE_ERRORS},
        description="Merge this workstream into another (administrators only). Its open work "
        "moves to the survivor: open proposals and risks, its engagement plan, its items on "
        "agendas still to come; the survivor gains its missions, metrics and indicators, and "
        "digests that chose it cover the survivor. Its updates, closed work and history stay "
        "with it, and it links to the survivor. 409 if it is no longer active.",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        workstream = self._administered(request)
        serializer = MergeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.workstream_merge(
            workstream=workstream,
            into=serializer.validated_data["into"],
            acting_user=policy.signed_in(request.user),
        )
        return self._fresh(workstream)

    @extend_schema(
        request=CeaseSerializer,
        responses={200: WorkstreamSerializer, **LIFECYCLE_ERRORS},
        description="Mark this workstream ceased, with the reason and the date (administrators "
        "only). 409 if it is no longer active.",
    )
    @action(detail=True, methods=["post"])
    def cease(self, request: Request, pk: str | None = None) -> Response:
        workstream = self._administered(request)
        serializer = CeaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.workstream_cease(
            workstream=workstream,
            acting_user=policy.signed_in(request.user),
            reason=serializer.validated_data["reason"],
            ceased_on=serializer.validated_data.get("ceased_on"),
        )
        return self._fresh(workstream)
