"""Admin for subscriptions and the delivery log.

A subscription's rules (who may receive which digest, scope and day) and its next due time are
the services', so the admin's form saves through them. A subscription is turned off rather than
deleted (deleting it would take its deliveries out of the log); an address is erased on the
subscriptions pages (``subscriber_erase``). The delivery log is a record of what was sent: read
here, written only by the sending code.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_scope import READ_ONLY, SERVICES, ScopedModelAdmin, ServiceWrites
from core import policy

from . import services
from .models import BriefingRequest, Delivery, Subscription

FORM_FIELDS = [
    "user",
    "email",
    "name",
    "organisation",
    "audience",
    "frequency",
    "day",
    "send_at",
    "scope",
    "theme",
    "workstreams",
    "missions",
    "engaged_organisation",
]


class SubscriptionAdminForm(forms.ModelForm):
    """Checked by the services before anything is saved, so a refusal shows on the form."""

    acting_user: Any = None

    class Meta:
        model = Subscription
        fields = ["deal", *FORM_FIELDS]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        existing = self.instance if self.instance.pk else None
        try:
            services.subscription_check(
                deal=existing.deal if existing else data["deal"],
                acting_user=self.acting_user,
                subscription=existing,
                **_values(data),
            )
        except PermissionDenied as error:
            raise ValidationError(str(error)) from None
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    self.add_error(name if name in self.fields else None, errors)
            else:
                raise
        return data


def _values(data: dict[str, Any]) -> dict[str, Any]:
    values = {name: data.get(name) for name in FORM_FIELDS}
    values["user"] = values["user"] or None
    values["email"] = values["email"] or ""
    values["name"] = values["name"] or ""
    values["organisation"] = values["organisation"] or ""
    values["workstreams"] = list(values["workstreams"] or [])
    values["missions"] = list(values["missions"] or [])
    return values


@admin.register(Subscription)
class SubscriptionAdmin(ScopedModelAdmin):
    writes = SERVICES
    form = SubscriptionAdminForm
    list_display = ("address", "deal", "audience", "frequency", "scope", "next_due_at", "is_active")
    list_filter = ("deal", "is_active", "audience", "frequency", "scope")
    search_fields = ("email", "name", "organisation", "user__email", "user__full_name")
    list_select_related = ("user", "deal")
    autocomplete_fields = ("user",)
    filter_horizontal = ("workstreams", "missions")
    readonly_fields = (
        "is_active",
        "next_due_at",
        "covered_until",
        "unsubscribed_at",
        "erased_at",
        "erased_by",
        "created_by",
        "created_at",
        "updated_at",
    )
    actions = ("turn_off", "turn_on")

    def get_fields(self, request: HttpRequest, obj: Subscription | None = None) -> tuple[str, ...]:
        return ("deal", *FORM_FIELDS, *self.readonly_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Subscription | None = None) -> Any:
        # A subscription stays with its deal.
        return ("deal", *self.readonly_fields) if obj else self.readonly_fields

    def get_form(
        self,
        request: HttpRequest,
        obj: Subscription | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[SubscriptionAdminForm]:
        # The admin builds its form class from ``form`` below, so it is a SubscriptionAdminForm.
        form = cast(type[SubscriptionAdminForm], super().get_form(request, obj, change, **kwargs))
        form.acting_user = request.user
        return form

    def save_model(self, request: HttpRequest, obj: Subscription, form: Any, change: bool) -> None:
        values = _values(form.cleaned_data)
        if change:
            sub = services.subscription_update(
                subscription=obj, acting_user=policy.signed_in(request.user), **values
            )
        else:
            sub = services.subscription_create(
                deal=form.cleaned_data["deal"], acting_user=policy.signed_in(request.user), **values
            )
        obj.pk = sub.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The chosen workstreams were saved with the rest by the service."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # turned off, or its address erased, through the services

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Subscription], on: bool) -> None:
        done = 0
        for sub in queryset:
            try:
                services.subscription_set_active(
                    subscription=sub, acting_user=policy.signed_in(request.user), active=on
                )
                done += 1
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, f"{sub}: {'; '.join(_messages(error))}")
        self.message_user(request, f"{done} subscription(s) turned {'on' if on else 'off'}.")

    @admin.action(description="Turn the selected subscriptions off")
    def turn_off(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        self._set_active(request, queryset, False)

    @admin.action(description="Turn the selected subscriptions on")
    def turn_on(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        self._set_active(request, queryset, True)


def _messages(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error)]


@admin.register(Delivery)
class DeliveryAdmin(ScopedModelAdmin):
    """The log of every email owed: read only."""

    writes = READ_ONLY
    list_display = ("email", "kind", "slot", "status", "attempts", "sent_at", "message_id")
    list_filter = ("status", "kind")
    search_fields = ("email", "message_id", "subject")
    list_select_related = ("subscription", "recipient", "workstream")
    date_hierarchy = "slot"

    def scope(self, request: HttpRequest, qs: QuerySet[Any]) -> QuerySet[Any]:
        return policy.visible_deliveries(qs, request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BriefingRequest)
class BriefingRequestAdmin(ServiceWrites, ScopedModelAdmin):
    """Partners' requests for a briefing session: the core team marks each arranged or declined
    (``briefing_request_set_status``); what the partner asked stays as they asked it."""

    list_display = ("__str__", "deal", "organisation", "format", "status", "created_at")
    list_filter = ("status", "format", "deal")
    search_fields = ("name", "organisation", "email", "topics")
    list_select_related = ("deal",)
    fields = (
        "deal",
        "name",
        "organisation",
        "email",
        "topics",
        "format",
        "preferred_dates",
        "status",
        "status_changed_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = tuple(f for f in fields if f != "status")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # made by partners, from their digest

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: BriefingRequest, form: Any, change: bool
    ) -> None:
        with self.service():
            services.briefing_request_set_status(
                briefing_request=obj,
                status=form.cleaned_data["status"],
                acting_user=policy.signed_in(request.user),
            )
