"""What meetings answer and agree: the Devolution Strategy Group's answers to the workstreams'
asks, and the meetings' actions.

Everyone in a deal reads them as their markings allow (an answer carries its ask's update's
marking); administrators record them (``policy.can_run_governance``), through the services,
which check it again and apply the rules: a 409 says why a request was refused.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from core import policy
from core import selectors as core_selectors
from core.api_support import DomainErrorsMixin, NumberFilter, error_responses
from core.choices import Classification
from tracker import selectors, services
from tracker.choices import ActionStatus, AskOutcome
from tracker.models import Action, AskResponse, StatusUpdate
from tracker.selectors import asks as ask_selectors

from .deals import PersonSerializer
from .fields import VisibleRelatedField, _user
from .proposals import MeetingField
from .records import PersonField

ADMINS_ONLY = "Only an administrator can do this."


class RecordsGovernance(permissions.BasePermission):
    """Anyone who may see an action reads it; administrators of its deal close it. Checked
    before the request's values, so a refusal is a 403 whatever they were."""

    message = ADMINS_ONLY

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return policy.can_run_governance(request.user, obj.meeting.body.deal_id)


class UpdateField(VisibleRelatedField):
    model = StatusUpdate
    noun = "status update"

    def visible(self, user: Any) -> QuerySet[StatusUpdate]:
        return selectors.status_updates_for(user).select_related("workstream")


def _created(request: Request, name: str, pk: int, data: Any) -> Response:
    location = reverse(name, args=[pk], request=request)
    return Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})


# --- The DSG's answers ------------------------------------------------------------------------


class AskResponseSerializer(serializers.ModelSerializer[AskResponse]):
    """The DSG's answer to the ask in a status update, recorded at one of its meetings."""

    status_update = UpdateField(help_text="The status update whose ask was answered.")
    meeting = MeetingField(
        help_text="The strategy group's meeting where it was answered: one that has started "
        "and is not closed."
    )
    outcome = serializers.ChoiceField(choices=AskOutcome.choices)
    response = serializers.CharField(help_text="The DSG's answer in words.")
    recorded_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AskResponse
        fields = [
            "id",
            "status_update",
            "workstream",
            "asked",
            "meeting",
            "outcome",
            "response",
            "classification",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["workstream", "asked", "classification", "recorded_at"]

    def validate_meeting(self, meeting: Any) -> Any:
        if not policy.can_run_governance(_user(self.context), meeting.body.deal_id):
            raise PermissionDenied(ADMINS_ONLY)
        return meeting


class AskResponseFilter(filters.FilterSet):
    workstream = NumberFilter(field_name="workstream", help_text="A workstream's id.")
    meeting = NumberFilter(field_name="meeting", help_text="A meeting's id.")

    class Meta:
        model = AskResponse
        fields = ["workstream", "meeting", "outcome"]


@extend_schema_view(
    list=extend_schema(
        description="The DSG's answers to the asks this person may see, newest first. Partners "
        "receive answers to OFFICIAL updates only."
    ),
    create=extend_schema(
        responses={201: AskResponseSerializer, **error_responses(400, 401, 403, 409)},
        description="Record the DSG's answer to the ask in a status update (administrators "
        "only): agreed, declined or noted, with words. The ask then leaves the DSG's list and "
        "its next agenda until the workstream asks something new. 409 for an ask already "
        "answered, or a meeting not yet started or closed.",
    ),
)
class AskResponseViewSet(
    DomainErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[AskResponse],
):
    """The DSG's answers to the workstreams' asks. Never changed or deleted."""

    serializer_class = AskResponseSerializer
    filterset_class = AskResponseFilter
    ordering_fields = ["recorded_at"]

    def get_queryset(self) -> QuerySet[AskResponse]:
        return ask_selectors.ask_responses_for(self.request.user).order_by("-recorded_at", "-pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answer = services.ask_answer(
            acting_user=policy.signed_in(request.user), **serializer.validated_data
        )
        answer = self.get_queryset().get(pk=answer.pk)
        return _created(
            request, "api:ask-response-detail", answer.pk, self.get_serializer(answer).data
        )


# --- Actions ----------------------------------------------------------------------------------


class ActionSerializer(serializers.ModelSerializer[Action]):
    """An action a meeting agreed: owned by a person or by an organisation (exactly one)."""

    meeting = MeetingField(help_text="The meeting that agreed it: started and not closed.")
    owner_user = PersonField(
        required=False,
        allow_null=True,
        help_text="The person who owns it (a role in the deal); or give owner_organisation.",
    )
    owner_organisation = serializers.PrimaryKeyRelatedField(
        queryset=core_selectors.organisations(),
        required=False,
        allow_null=True,
        help_text="The organisation that owns it; or give owner_user.",
    )
    classification = serializers.ChoiceField(
        choices=Classification.choices, default=Classification.OFFICIAL
    )
    closed_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "meeting",
            "agenda_item",
            "description",
            "owner_user",
            "owner_organisation",
            "due_on",
            "status",
            "classification",
            "closed_at",
            "closed_by",
            "closing_note",
            "created_at",
        ]
        read_only_fields = ["agenda_item", "status", "closed_at", "closing_note", "created_at"]

    def validate_meeting(self, meeting: Any) -> Any:
        if not policy.can_run_governance(_user(self.context), meeting.body.deal_id):
            raise PermissionDenied(ADMINS_ONLY)
        return meeting


class ActionCloseSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=[(ActionStatus.DONE, "Done"), (ActionStatus.DROPPED, "Dropped")]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ActionFilter(filters.FilterSet):
    meeting = NumberFilter(field_name="meeting", help_text="A meeting's id.")
    body = NumberFilter(field_name="meeting__body", help_text="A governance body's id.")
    owner_user = NumberFilter(field_name="owner_user", help_text="A person's id.")
    owner_organisation = NumberFilter(
        field_name="owner_organisation", help_text="An organisation's id."
    )

    class Meta:
        model = Action
        fields = ["meeting", "body", "status", "owner_user", "owner_organisation"]


@extend_schema_view(
    list=extend_schema(
        description="The meetings' actions this person may see, by due date. Partners receive "
        "OFFICIAL actions only."
    ),
    create=extend_schema(
        responses={201: ActionSerializer, **error_responses(400, 401, 403, 409)},
        description="Record an action a meeting agreed (administrators only), owned by a "
        "person with a role in the deal or by an organisation. 409 for a meeting not yet "
        "started or closed.",
    ),
)
class ActionViewSet(
    DomainErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Action],
):
    """The action log: what meetings agreed, who owns it, by when, and whether it is done."""

    serializer_class = ActionSerializer
    filterset_class = ActionFilter
    permission_classes = [permissions.IsAuthenticated, RecordsGovernance]
    ordering_fields = ["due_on", "created_at"]

    def get_queryset(self) -> QuerySet[Action]:
        return ask_selectors.actions_for(self.request.user).order_by("due_on", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made = services.action_create(
            acting_user=policy.signed_in(request.user), **serializer.validated_data
        )
        made = self.get_queryset().get(pk=made.pk)
        return _created(request, "api:action-detail", made.pk, self.get_serializer(made).data)

    @extend_schema(
        request=ActionCloseSerializer,
        responses={200: ActionSerializer, **error_responses(400, 401, 403, 404, 409)},
        description="Close an open action as done or dropped (administrators only), "
        "recording when and by whom. 409 if it is already closed.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        found = self.get_object()
        serializer = ActionCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.action_close(
            action=found, acting_user=policy.signed_in(request.user), **serializer.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=found.pk)).data)
