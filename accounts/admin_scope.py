"""The Django admin, kept to the deals a person administers.

A deal's administrators sign in to the Django admin (they are staff, never superusers) and see
there what they see everywhere else: their own deals. Every model of a deal names the lookup from
a row to its deal once, as ``deal_path`` (``"workstream__deal"``); the admin classes here read it.

- An operator (a superuser, who runs the site) sees and changes everything, as Django decides.
- A deal's administrator sees the rows of the deals they administer and may change them. Rows of
  reference data, which belong to no deal (missions, areas, organisations, national indicator
  frameworks), they may see but not change. Every choice of a related row in a form is kept to
  the same deals. Models of neither kind (scheduled tasks, sign-in attempts, API tokens) are for
  operators.
- Anyone else on the staff sees nothing: the admin's own permissions are never granted.

Every admin class of ours says how it writes, as ``writes`` (a test walks the registry and
checks each one):

- ``SERVICES``: it saves and deletes through the app's service functions, so the same rules,
  revision bumps, history and side effects apply as when the pages and the API write. A refusal
  is shown on the form, with nothing written (``RefusalsShown``).
- ``READ_ONLY``: shown here, never added, changed or deleted (``ReadOnly``).
- ``"plain: <why>"``: saved as the form stands, because the model has no rule beyond its
  constraints and the form's own checks.

The libraries' own admins are for operators only (``OPERATORS_ONLY``). History is shown but never
reverted from: a revert would save an old version around the services (``NoRevert``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from core import policy
from core.errors import DomainError
from core.views import show_refusal

SERVICES = "services"
READ_ONLY = "read-only"
PLAIN = "plain: "

# The libraries' admins, as the libraries wrote them: a deal's administrator never holds the
# Django permissions they check, so only operators see them. By model label: why.
OPERATORS_ONLY: dict[str, str] = {
    "auth.group": "Django's groups: operators grant Django's own permissions",
    "authtoken.tokenproxy": "API tokens: operators issue and revoke them",
    "django_celery_beat.periodictask": "the scheduled tasks that send digests and reminders",
    "django_celery_beat.clockedschedule": "a schedule of the scheduled tasks",
    "django_celery_beat.crontabschedule": "a schedule of the scheduled tasks",
    "django_celery_beat.solarschedule": "a schedule of the scheduled tasks",
    "django_celery_beat.intervalschedule": "a schedule of the scheduled tasks",
    "otp_totp.totpdevice": "authenticator apps: operators reset a lost one",
    "axes.accessattempt": "sign-in throttling: operators unlock an account",
    "axes.accesslog": "the sign-in log",
    "axes.accessfailurelog": "the log of failed sign-ins",
}


def _deal_path(model: type[Model]) -> str | None:
    return getattr(model, "deal_path", None)


def in_deals(qs: QuerySet[Any], deals: set[int] | None) -> QuerySet[Any]:
    """The rows of these deals (all rows for None), and reference rows, which have no deal.

    A row of a deal-scoped model whose deal is empty (a national indicator framework and its
    indicators) is reference data: every deal uses it."""
    path = _deal_path(qs.model)
    if deals is None or path is None:
        return qs
    scoped = qs.filter(Q(**{f"{path}__in": deals}) | Q(**{f"{path}__isnull": True}))
    return scoped.distinct() if path.startswith("memberships") else scoped


class DealScoped:
    """For ``ModelAdmin`` and inline classes: put first among the bases.

    A model with no ``deal_path`` is for operators only, unless its admin says it holds
    ``reference_data`` (deal administrators may see it) or narrows ``scope`` itself.
    """

    model: type[Model]
    reference_data = False

    def scope(self, request: HttpRequest, qs: QuerySet[Any]) -> QuerySet[Any]:
        """The rows a deal's administrator (not an operator) may see."""
        if _deal_path(self.model) is not None:
            return in_deals(qs, self._deals(request))
        return qs if self.reference_data else qs.none()

    def _deals(self, request: HttpRequest) -> set[int] | None:
        return policy.deal_ids_administered(request.user)

    def _operator(self, request: HttpRequest) -> bool:
        return self._deals(request) is None

    def _sees(self, request: HttpRequest, obj: Model | None) -> bool:
        if not self._deals(request):
            return False
        if obj is None or isinstance(self, admin.options.InlineModelAdmin):
            # For an inline, obj is the parent, which its own admin has checked.
            return (
                _deal_path(self.model) is not None
                or self.reference_data
                or (type(self).scope is not DealScoped.scope)
            )
        return self.scope(request, type(obj)._default_manager.filter(pk=obj.pk)).exists()

    def _writable(self, request: HttpRequest, obj: Model | None) -> bool:
        """May a deal's administrator change this row (or rows of this kind, for None)?
        Only rows of their own deals: never reference rows, which every deal shares."""
        path = _deal_path(self.model)
        if path is None or not self._deals(request):
            return False
        if obj is None or isinstance(self, admin.options.InlineModelAdmin):
            return True
        deals = self._deals(request) or set()
        return type(obj)._default_manager.filter(pk=obj.pk, **{f"{path}__in": deals}).exists()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return qs if self._operator(request) else self.scope(request, qs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        if self._operator(request):
            return super().has_module_permission(request)  # type: ignore[misc]
        return self._sees(request, None)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self._operator(request):
            return super().has_view_permission(request, obj)  # type: ignore[misc]
        return self._sees(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if self._operator(request):
            return super().has_add_permission(request, *args)  # type: ignore[misc]
        return self._writable(request, None)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self._operator(request):
            return super().has_change_permission(request, obj)  # type: ignore[misc]
        return self._writable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self._operator(request):
            return super().has_delete_permission(request, obj)  # type: ignore[misc]
        return self._writable(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return super().formfield_for_foreignkey(  # type: ignore[misc]
            db_field, request, **self._choices(db_field, request, kwargs)
        )

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return super().formfield_for_manytomany(  # type: ignore[misc]
            db_field, request, **self._choices(db_field, request, kwargs)
        )

    def _choices(self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> dict:
        """Keep a related row's choices to the person's deals (and reference rows)."""
        deals = self._deals(request)
        if deals is not None:
            related = db_field.remote_field.model
            qs = kwargs.get("queryset", related._default_manager.all())
            kwargs["queryset"] = in_deals(qs, deals)
        return kwargs


# --- How an admin writes ----------------------------------------------------------------------


class ReadOnly:
    """For ``ModelAdmin`` and inline classes: put first among the bases. Shown, never added,
    changed or deleted here, by anyone."""

    writes = READ_ONLY

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class NoRevert:
    """For history admins: each version is shown, none is reverted to, because the revert form
    saves an old version as it stood, around every rule of the services."""

    def revert_disabled(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(  # type: ignore[misc]
            request, object_id, version_id, extra_context
        )


class Refused(Exception):
    """A service refused what the admin's form asked for: shown on the form, nothing written."""

    def __init__(self, error: ValidationError | DomainError) -> None:
        super().__init__(str(error))
        self.error = error

    def renamed(self, names: Mapping[str, str]) -> ValidationError | DomainError:
        """The refusal, with the form's names for fields a service names otherwise."""
        error = self.error
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            return ValidationError({names.get(n, n): e for n, e in error.error_dict.items()})
        return error

    def text(self) -> str:
        error = self.error
        return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


class RefusalsShown:
    """For ``ModelAdmin`` classes whose forms or inlines save through services: put first among
    the bases. A service's refusal (raised inside ``with self.service():``) rolls the whole save
    back, and the form is shown again as it was posted, with the refusal on it."""

    # The form's name for a field a service names otherwise (``{"into": "merged_into"}``).
    refusal_fields: ClassVar[dict[str, str]] = {}
    model: type[Model]

    @contextmanager
    def service(self) -> Iterator[None]:
        try:
            yield
        except PermissionDenied as error:
            # Not the admin's own 403: the service's answer to this request, said on the form.
            raise Refused(ValidationError(str(error))) from error
        except (ValidationError, DomainError) as error:
            raise Refused(error) from error

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        view = super().changeform_view  # type: ignore[misc]
        try:
            return view(request, object_id, form_url, extra_context)
        except Refused as refused:
            # The admin's transaction is rolled back; posted again, the form carries the
            # refusal as an error, so nothing is saved and what was typed is shown.
            request.admin_refused = refused  # type: ignore[attr-defined]
            return view(request, object_id, form_url, extra_context)

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, *args, **kwargs)  # type: ignore[misc]
        refused: Refused | None = getattr(request, "admin_refused", None)
        if refused is None:
            return form
        error = refused.renamed(self.refusal_fields)

        class RefusedForm(form):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                super().clean()
                show_refusal(self, error)
                return self.cleaned_data

        RefusedForm.__name__ = form.__name__
        return RefusedForm

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        except Refused as refused:
            messages.error(request, refused.text())
            opts = self.model._meta
            change = f"admin:{opts.app_label}_{opts.model_name}_change"
            return HttpResponseRedirect(reverse(change, args=[object_id]))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """An action (deleting the chosen rows) is refused whole when a service refuses one."""
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changelist_view(request, extra_context)  # type: ignore[misc]
        except Refused as refused:
            messages.error(request, refused.text())
            return HttpResponseRedirect(request.get_full_path())


class ServiceWrites(RefusalsShown):
    """For ``ModelAdmin`` classes that save through services (``save_model``, and
    ``delete_model`` with ``delete_queryset`` where deleting is allowed): the services save the
    form's many-to-many fields with the row, so the form never saves them itself, and each
    inline's rows are saved by ``save_formset``."""

    writes = SERVICES

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)  # type: ignore[attr-defined]


class ScopedModelAdmin(DealScoped, admin.ModelAdmin):
    pass


class ScopedTabularInline(DealScoped, admin.TabularInline):
    pass


class ScopedStackedInline(DealScoped, admin.StackedInline):
    pass


class ScopedHistoryAdmin(NoRevert, DealScoped, SimpleHistoryAdmin):
    pass
