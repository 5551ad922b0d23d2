"""Admin for people, their organisations and the roles they hold in a deal.

A deal's administrators run the process from the admin at first, so every list can be filtered by
the things they ask about (deal, role, organisation, demonstration data) and every foreign key
that can grow large is picked by search rather than from a long drop-down.

Roles are granted and revoked through the services (``membership_grant``, ``membership_revoke``),
wherever the admin shows them: their own list, a person's page, a workstream's page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from core import policy
from core.choices import WORKSTREAM_ROLES
from core.models import Membership, Organisation

from .admin_scope import (
    PLAIN,
    SERVICES,
    DealScoped,
    RefusalsShown,
    ScopedModelAdmin,
    ScopedTabularInline,
    ServiceWrites,
)
from .models import User
from .services import membership_grant, membership_revoke


def _role(membership: Membership) -> tuple[Any, ...]:
    return (membership.user_id, membership.deal_id, membership.role, membership.workstream_id)


def membership_write(membership: Membership, acting_user: User) -> Membership:
    """Grant the role a row of an admin form describes. A role is granted or revoked, never
    edited in place: a changed row first gives up the role it held."""
    with transaction.atomic():
        if membership.pk is not None:
            held = Membership.objects.get(pk=membership.pk)
            if _role(held) == _role(membership):
                return held
            membership_remove(held, acting_user)
        granted = membership_grant(
            user=membership.user,
            role=membership.role,
            deal=membership.deal,
            workstream=membership.workstream,
            acting_user=acting_user,
        )
        membership.pk = granted.pk
        return granted


def membership_remove(membership: Membership, acting_user: User) -> None:
    """Revoke the role as it is held (not as a form may have changed it before deleting it)."""
    held = Membership.objects.select_related("user", "deal", "workstream").get(pk=membership.pk)
    membership_revoke(
        user=held.user,
        role=held.role,
        deal=held.deal,
        workstream=held.workstream,
        acting_user=acting_user,
    )


def memberships_save(formset: BaseInlineFormSet, acting_user: User) -> None:
    """Save an inline of roles through the services: roles given up first, so that a sponsor
    can be replaced in one save."""
    formset.save(commit=False)
    for membership in formset.deleted_objects:
        membership_remove(membership, acting_user)
    for membership, _changed in formset.changed_objects:
        membership_write(membership, acting_user)
    for membership in formset.new_objects:
        membership_write(membership, acting_user)


def normalised_email(form: forms.ModelForm) -> str:
    """The form's email, lower-cased as sign-in expects, refused if someone else already has it.

    The database refuses a second address that differs only in case; saying so on the form is
    kinder than the integrity error the constraint would otherwise raise.
    """
    email = User.objects.normalize_email(form.cleaned_data["email"]).lower()
    others = User.objects.filter(email__iexact=email)
    if form.instance.pk:
        others = others.exclude(pk=form.instance.pk)
    if others.exists():
        raise ValidationError("Someone already signs in with this email address.", code="unique")
    return email


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")

    def clean_email(self) -> str:
        return normalised_email(self)


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = (
            "email",
            "password",
            "full_name",
            "job_title",
            "organisation",
            "is_active",
            "is_staff",
            "is_superuser",
            "is_demo",
            "groups",
            "user_permissions",
        )

    def clean_email(self) -> str:
        return normalised_email(self)


class MembershipForm(forms.ModelForm):
    """Keeps a membership's workstream inside its deal. (The admin supplies model and fields.)"""

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        deal = cleaned.get("deal")
        deal_id = deal.pk if deal is not None else self.instance.deal_id
        workstream = cleaned.get("workstream")
        if deal_id is not None and workstream is not None and workstream.deal_id != deal_id:
            self.add_error("workstream", "This workstream belongs to another deal.")
        return cleaned


class MembershipByUserFormSet(BaseInlineFormSet):
    """Refuses the same deal-wide role twice in one save.

    The database allows a deal-wide role once per person and deal; that constraint is
    conditional, so the admin's own duplicate check between rows does not see it.
    """

    def clean(self) -> None:
        super().clean()
        seen: set[tuple[int, str]] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            # _should_delete_form is private to Django, so not in its stubs.
            if not data or self._should_delete_form(form) or data.get("workstream"):  # type: ignore[attr-defined]
                continue
            deal, role = data.get("deal"), data.get("role")
            if deal is None or not role:
                continue
            if (deal.pk, role) in seen:
                raise ValidationError("The same role in the same deal is given twice.")
            seen.add((deal.pk, role))


class MembershipByUserInline(ScopedTabularInline):
    """The roles one person holds, edited on their page (saved by ``UserAdmin.save_formset``)."""

    writes = SERVICES
    model = Membership
    form = MembershipForm
    formset = MembershipByUserFormSet
    fk_name = "user"
    fields = ("deal", "role", "workstream", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("workstream",)
    extra = 0
    verbose_name = "role"
    verbose_name_plural = "roles in deals (leads and sponsors name their workstream)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("deal", "workstream")


@admin.register(Organisation)
class OrganisationAdmin(ScopedModelAdmin):
    writes = PLAIN + "reference data every deal shares, with no rule beyond its constraints"
    reference_data = True
    list_display = ("name", "kind", "people_count", "is_demo")
    list_filter = ("kind", "is_demo")
    search_fields = ("name",)
    ordering = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(people_total=Count("people"))

    @admin.display(description="people", ordering="people_total")
    def people_count(self, obj: Organisation) -> int | None:
        return getattr(obj, "people_total", None)


OPERATOR_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(RefusalsShown, DealScoped, DjangoUserAdmin):
    """People. A deal's administrator sees the people who hold roles in their deals (and people
    who hold none yet, to give them one), and changes only someone whose every role is in their
    deals: never an operator, nor someone who also works in a deal they do not administer. Who
    is staff follows from roles (accounts.services.sync_admin_site_access); operators alone
    make superusers and grant Django's own permissions."""

    writes = PLAIN + (
        "a person's own details, through Django's user forms; their roles are saved through "
        "the services, and who is staff follows from them"
    )
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name", "job_title", "organisation")}),
        (
            "Permissions",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        ("Demonstration", {"fields": ("is_demo",)}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = (
        "email",
        "full_name",
        "job_title",
        "organisation",
        "is_active",
        "is_staff",
        "is_superuser",
        "is_demo",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "is_demo", "organisation", "groups")
    list_select_related = ("organisation",)
    search_fields = ("email", "full_name", "job_title", "organisation__name")
    ordering = ("email",)
    autocomplete_fields = ("organisation",)
    readonly_fields = ("last_login", "date_joined")
    inlines = (MembershipByUserInline,)

    def get_inlines(self, request, obj):
        # Roles are added once the person exists; the add page stays the short form.
        return self.inlines if obj is not None else ()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self._operator(request):
            return fieldsets
        return [
            (
                name,
                {**options, "fields": [f for f in options["fields"] if f not in OPERATOR_FIELDS]},
            )
            for name, options in fieldsets
        ]

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if self._operator(request) else [f for f in shown if f != "is_superuser"]

    def get_list_filter(self, request):
        shown = super().get_list_filter(request)
        return shown if self._operator(request) else ["is_active", "is_demo", "organisation"]

    def _writable(self, request, obj):
        deals = self._deals(request)
        if not deals:
            return False
        if obj is None:
            return True
        return not obj.is_superuser and not obj.memberships.exclude(deal__in=deals).exists()

    def has_delete_permission(self, request, obj=None):
        # A person may hold roles in several deals: only an operator removes them.
        return self._operator(request) and super().has_delete_permission(request, obj)

    def save_formset(self, request, form, formset, change):
        with self.service():
            memberships_save(formset, policy.signed_in(request.user))


@admin.register(Membership)
class MembershipAdmin(ServiceWrites, ScopedModelAdmin):
    form = MembershipForm
    list_display = ("user", "role", "deal", "workstream", "created_at")
    list_filter = ("deal", "role", "user__is_demo")
    list_select_related = ("user", "deal", "workstream")
    search_fields = ("user__email", "user__full_name", "workstream__name", "deal__short_name")
    ordering = ("deal", "role", "user__email")
    autocomplete_fields = ("user", "workstream")
    readonly_fields = ("created_at",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        workstream = form.base_fields.get("workstream")
        if workstream is not None:
            roles = ", ".join(str(role.label).lower() for role in WORKSTREAM_ROLES)
            workstream.help_text = f"Only for {roles}; leave empty for roles across the deal."
        return form

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        with self.service():
            membership_write(obj, policy.signed_in(request.user))
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        with self.service():
            membership_remove(obj, policy.signed_in(request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        with self.service():
            for membership in queryset:
                membership_remove(membership, policy.signed_in(request.user))
