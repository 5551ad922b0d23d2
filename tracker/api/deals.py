"""Read-only REST API for deals, themes, workstreams and governance bodies.

Thin: querysets come from the selectors, which apply the visibility policy.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from . import selectors
from .models import BodyMember, Deal, GovernanceBody, Theme, Workstream


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()


class DealSerializer(serializers.ModelSerializer[Deal]):
    class Meta:
        model = Deal
        fields = ["id", "name", "short_name", "slug", "description", "source", "reporting_cadence"]


class ThemeSerializer(serializers.ModelSerializer[Theme]):
    class Meta:
        model = Theme
        fields = ["id", "deal", "name", "slug", "position"]


class CurrentStatusSerializer(serializers.Serializer[Any]):
    rag = serializers.CharField()
    period_start = serializers.DateField()


class WorkstreamSerializer(serializers.ModelSerializer[Workstream]):
    theme = serializers.SlugRelatedField(slug_field="name", read_only=True)
    merged_into = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    leads = serializers.SerializerMethodField()
    sponsor = serializers.SerializerMethodField()
    current_status = serializers.SerializerMethodField()

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
            "leads",
            "sponsor",
            "current_status",
            "missions",
            "metrics",
            "indicators",
        ]

    @extend_schema_field(PersonSerializer(many=True))
    def get_leads(self, obj: Workstream) -> list[dict[str, Any]]:
        leads, _ = selectors.people_in(obj)
        return PersonSerializer(leads, many=True).data  # type: ignore[return-value]

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_sponsor(self, obj: Workstream) -> dict[str, Any] | None:
        _, sponsor = selectors.people_in(obj)
        return PersonSerializer(sponsor).data if sponsor else None  # type: ignore[return-value]

    @extend_schema_field(CurrentStatusSerializer(allow_null=True))
    def get_current_status(self, obj: Workstream) -> dict[str, Any] | None:
        rag = getattr(obj, "current_rag", None)
        if rag is None:
            return None
        return {"rag": rag, "period_start": obj.current_period_start}  # type: ignore[attr-defined]


class BodyMemberSerializer(serializers.ModelSerializer[BodyMember]):
    organisation = serializers.StringRelatedField()

    class Meta:
        model = BodyMember
        fields = ["position", "name", "organisation", "is_chair"]


class GovernanceBodySerializer(serializers.ModelSerializer[GovernanceBody]):
    members = BodyMemberSerializer(many=True, read_only=True)

    class Meta:
        model = GovernanceBody
        fields = [
            "id",
            "deal",
            "name",
            "short_name",
            "slug",
            "kind",
            "composition",
            "remit",
            "is_chain_start",
            "next_body",
            "stands_in_for",
            "members",
        ]


class WorkstreamFilter(filters.FilterSet):
    mission = filters.NumberFilter(field_name="missions__number", label="Mission number")

    class Meta:
        model = Workstream
        fields = ["deal", "theme", "status", "can_proceed_outside_deal", "mission"]


class DealViewSet(viewsets.ReadOnlyModelViewSet[Deal]):
    serializer_class = DealSerializer
    search_fields = ["name", "short_name"]

    def get_queryset(self) -> QuerySet[Deal]:
        return selectors.deals_for(self.request.user).order_by("name")


class ThemeViewSet(viewsets.ReadOnlyModelViewSet[Theme]):
    serializer_class = ThemeSerializer
    filterset_fields = ["deal"]
    search_fields = ["name"]

    def get_queryset(self) -> QuerySet[Theme]:
        deal_ids = selectors.deals_for(self.request.user).values("pk")
        return Theme.objects.filter(deal__in=deal_ids).order_by("deal", "position")


class WorkstreamViewSet(viewsets.ReadOnlyModelViewSet[Workstream]):
    serializer_class = WorkstreamSerializer
    filterset_class = WorkstreamFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "position"]

    def get_queryset(self) -> QuerySet[Workstream]:
        # Merged and ceased workstreams stay readable through the API, filterable by status.
        return (
            selectors.workstreams_for(self.request.user, include_inactive=True)
            .select_related("merged_into")
            .prefetch_related("missions", "metrics", "indicators")
            .order_by("deal", "theme__position", "position")
            .distinct()
        )


class GovernanceBodyViewSet(viewsets.ReadOnlyModelViewSet[GovernanceBody]):
    serializer_class = GovernanceBodySerializer
    filterset_fields = ["deal", "kind", "is_chain_start"]
    search_fields = ["name", "short_name"]

    def get_queryset(self) -> QuerySet[GovernanceBody]:
        members = BodyMember.objects.select_related("organisation")
        return (
            selectors.bodies_for(self.request.user)
            .prefetch_related(Prefetch("members", queryset=members))
            .order_by("deal", "position", "name")
        )
