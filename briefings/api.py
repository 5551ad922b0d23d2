"""Subscriptions to the scheduled digests, and the delivery log, over the API.

Administrators see and manage every subscription of their deals, external addresses included;
anyone else sees and manages their own. The serializers check the shape of what is sent; the
rules (who may subscribe whom, the partner digest for partners and external addresses, scope
and day) are the services' in ``briefings.services``, whose errors become 400 or 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response

from accounts.models import User
from core import policy
from core import selectors as core_selectors
from core.api_support import DomainErrorsMixin, LocalTimeField, error_responses
from core.models import Deal, Organisation
from missions import selectors as missions_selectors
from missions.models import Mission
from tracker import selectors as tracker_selectors
from tracker.api.fields import VisibleRelatedField, _user
from tracker.models import Theme, Workstream

from . import selectors, services
from .choices import Frequency
from .models import Delivery, Subscription

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class DealField(VisibleRelatedField):
    model = Deal
    noun = "deal"

    def visible(self, user: Any) -> QuerySet[Deal]:
        return core_selectors.deals_for(user)


class ThemeField(VisibleRelatedField):
    model = Theme
    noun = "theme"

    def visible(self, user: Any) -> QuerySet[Theme]:
        return tracker_selectors.reporting.themes_for(user)


class WorkstreamField(VisibleRelatedField):
    model = Workstream
    noun = "workstream"

    def visible(self, user: Any) -> QuerySet[Workstream]:
        return tracker_selectors.reporting.workstream_choices(user)


class MissionField(VisibleRelatedField):
    model = Mission
    noun = "mission"

    def visible(self, user: Any) -> QuerySet[Mission]:
        return missions_selectors.mission_choices()


class OrganisationField(VisibleRelatedField):
    model = Organisation
    noun = "organisation"

    def visible(self, user: Any) -> QuerySet[Organisation]:
        return core_selectors.organisations()


class SubscriberField(VisibleRelatedField):
    model = User
    noun = "person"

    def visible(self, user: Any) -> QuerySet[User]:
        return selectors.subscriber_choices()


# The digest's frequencies, described for the API. (The deal's reporting cadence has the same
# values; its own labels keep the two apart in the schema, where they mean different things.)
DIGEST_FREQUENCIES = [
    (Frequency.WEEKLY.value, "Every week, on the weekday given by day (0 is Monday)"),
    (Frequency.FORTNIGHTLY.value, "Every two weeks, on the weekday given by day (0 is Monday)"),
    (Frequency.MONTHLY.value, "Every month, on the day of the month given by day (1 to 28)"),
]


class SubscriptionSerializer(serializers.ModelSerializer[Subscription]):
    """A subscription to a deal's digest. Created active and due at its first slot after now;
    ``is_active`` false turns it off, true turns it back on."""

    deal = DealField(help_text="The deal whose digest this is; it stays with the deal.")
    user = SubscriberField(
        required=False,
        allow_null=True,
        help_text="The person who receives it, at their own address. Null with an external "
        "email. Left out (with no email), the subscription is for the person sending the "
        "request; only administrators subscribe someone else.",
    )
    theme = ThemeField(
        required=False, allow_null=True, help_text="For scope theme only: a theme of the deal."
    )
    workstreams = WorkstreamField(
        many=True,
        required=False,
        help_text="For scope workstreams only: at least one workstream of the deal.",
    )
    missions = MissionField(
        many=True,
        required=False,
        help_text="For scope missions only: at least one mission (by id). The digest covers "
        "the workstreams linked to them and those with a proposal linked to them.",
    )
    engaged_organisation = OrganisationField(
        required=False,
        allow_null=True,
        help_text="For scope engagement only: the organisation (by id) whose workstreams it "
        "covers, those whose stakeholder engagement plan names it.",
    )
    frequency = serializers.ChoiceField(
        choices=DIGEST_FREQUENCIES, required=False, help_text="Fortnightly unless given."
    )
    is_active = serializers.BooleanField(required=False)
    send_at = LocalTimeField(required=False, help_text="UK time.")
    address = serializers.CharField(read_only=True, help_text="Where the digest goes.")
    next_due_label = serializers.SerializerMethodField(
        help_text="When the next digest is due, in UK time, as people read it."
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "deal",
            "user",
            "email",
            "name",
            "organisation",
            "address",
            "audience",
            "frequency",
            "day",
            "send_at",
            "scope",
            "theme",
            "workstreams",
            "missions",
            "engaged_organisation",
            "is_active",
            "next_due_at",
            "next_due_label",
            "covered_until",
            "unsubscribed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "next_due_at",
            "covered_until",
            "unsubscribed_at",
            "created_at",
            "updated_at",
        ]
        validators: list[Any] = []  # the services apply the rules

    def get_next_due_label(self, obj: Subscription) -> str:
        return services.next_due_label(obj)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        attrs = super().to_internal_value(data)
        if self.instance is not None:
            deal = attrs.pop("deal", None)
            if deal is not None and deal.pk != self.instance.deal_id:
                raise serializers.ValidationError({"deal": ["A subscription stays with its deal"]})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Subscription:
        validated_data.pop("is_active", None)
        return services.subscription_create(
            acting_user=policy.signed_in(_user(self.context)), **validated_data
        )

    def update(self, instance: Subscription, validated_data: dict[str, Any]) -> Subscription:
        acting_user = policy.signed_in(_user(self.context))
        active = validated_data.pop("is_active", None)
        if validated_data:
            instance = services.subscription_update(
                subscription=instance, acting_user=acting_user, **validated_data
            )
        if active is not None:
            instance = services.subscription_set_active(
                subscription=instance, acting_user=acting_user, active=active
            )
        return instance


class SubscriptionFilter(filters.FilterSet):
    class Meta:
        model = Subscription
        fields = ["deal", "user", "audience", "frequency", "scope", "is_active"]


class ManagesSubscription(permissions.BasePermission):
    """Reading a subscription one may see is allowed; changing it is for the deal's
    administrators and the subscriber. Checked before the values, so a refusal is a 403."""

    message = services.ONLY_OWN

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        own = obj.user_id is not None and obj.user_id == request.user.pk
        # The services decide the rest: someone who lost their role may only turn theirs off.
        return own or policy.can_manage_subscriptions(request.user, obj.deal_id)


SUBSCRIPTION_WRITES = {200: SubscriptionSerializer, **error_responses(400, 401, 403, 404)}


@extend_schema_view(
    list=extend_schema(
        description="Administrators: every subscription of their deals. Anyone else: their own."
    ),
    create=extend_schema(
        responses={201: SubscriptionSerializer, **error_responses(400, 401, 403)},
        description="Subscribe someone to a deal's digest: yourself, or (administrators) "
        "anyone with a role in the deal or an external address. Partners and external "
        "addresses receive the partner digest (OFFICIAL material) only.",
    ),
    update=extend_schema(responses=SUBSCRIPTION_WRITES),
    partial_update=extend_schema(
        responses=SUBSCRIPTION_WRITES,
        description="Change a subscription; a new frequency, day or time makes it due at the "
        "new schedule's first slot after now. is_active false turns it off (nothing is due), "
        "true turns it on again.",
    ),
)
class SubscriptionViewSet(DomainErrorsMixin, viewsets.ModelViewSet[Subscription]):
    """Subscriptions to the deals' scheduled digests. Not deleted: turned off, so that the
    delivery log keeps what went to whom."""

    serializer_class = SubscriptionSerializer
    filterset_class = SubscriptionFilter
    permission_classes = [permissions.IsAuthenticated, ManagesSubscription]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    ordering_fields = ["next_due_at", "created_at"]
    search_fields = ["email", "name", "organisation", "user__email", "user__full_name"]

    def get_queryset(self) -> QuerySet[Subscription]:
        return selectors.subscriptions_for(self.request.user).order_by("deal", "pk")

    def _respond(self, sub: Subscription, status_code: int) -> Response:
        data = self.get_serializer(self.get_queryset().get(pk=sub.pk)).data
        return Response(data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._respond(serializer.save(), status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return self._respond(serializer.save(), status.HTTP_200_OK)


# --- The delivery log -------------------------------------------------------------------------


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "kind",
            "subscription",
            "recipient",
            "workstream",
            "email",
            "slot",
            "period_start",
            "period_end",
            "status",
            "attempts",
            "last_error",
            "message_id",
            "subject",
            "created_at",
            "updated_at",
            "sent_at",
        ]
        read_only_fields = fields


class DeliveryFilter(filters.FilterSet):
    class Meta:
        model = Delivery
        fields = ["kind", "status", "subscription", "recipient"]


class AdministersADeal(permissions.BasePermission):
    message = "Only an administrator can read the delivery log."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return policy.is_admin_anywhere(request.user)


@extend_schema_view(
    list=extend_schema(
        description="Every digest and reminder owed to someone in the deals this person "
        "administers, newest slot first (administrators only)."
    ),
)
class DeliveryViewSet(viewsets.ReadOnlyModelViewSet[Delivery]):
    """The delivery log: one row per email owed, with its status, attempts and last error."""

    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter
    permission_classes = [permissions.IsAuthenticated, AdministersADeal]
    ordering_fields = ["slot", "updated_at"]

    def get_queryset(self) -> QuerySet[Delivery]:
        return selectors.deliveries_for(self.request.user)
