"""Read-only API for deals, themes and governance bodies."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from core.models import Deal, Organisation
from tracker import selectors
from tracker.models import BodyMember, GovernanceBody, Theme


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


class BodyMemberSerializer(serializers.ModelSerializer[BodyMember]):
    organisation: serializers.StringRelatedField[Organisation] = serializers.StringRelatedField(
        allow_null=True
    )

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
            "is_optional",
            "next_body",
            "stands_in_for",
            "members",
        ]


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
        return selectors.reporting.themes_for(self.request.user).order_by("deal", "position")


class GovernanceBodyViewSet(viewsets.ReadOnlyModelViewSet[GovernanceBody]):
    serializer_class = GovernanceBodySerializer
    filterset_fields = ["deal", "kind", "is_chain_start"]
    search_fields = ["name", "short_name"]

    def get_queryset(self) -> QuerySet[GovernanceBody]:
        return selectors.governance.bodies_with_members(self.request.user).order_by(
            "deal", "position", "name"
        )
