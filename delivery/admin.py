"""Provisions in the Django admin, saved through the services; delivery reports shown only."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin_scope import ScopedHistoryAdmin, ServiceWrites
from tracker.admin import ViewOnlyAdmin, acting, became, changed, given

from . import services
from .models import Provision, ProvisionReport, ProvisionReportReview

FIELDS = services.PROVISION_FIELDS + services.PROVISION_LINKS


@admin.register(Provision)
class ProvisionAdmin(ServiceWrites, ScopedHistoryAdmin):
    """Saved through the services, as the API saves them: only the deal's administrators, the
    workstream and department of the provision's own deal, and each change moves its revision
    on (its ETag). Not deleted: a provision that no longer applies is reported superseded."""

    list_display = (
        "reference",
        "title",
        "deal",
        "workstream",
        "kind",
        "classification",
        "is_published",
        "is_demo",
    )
    list_filter = ("deal", "kind", "classification", "is_published", "is_demo", "workstream")
    list_select_related = ("deal", "workstream")
    # The list offers the CSV import page beside "Add provision".
    change_list_template = "admin/delivery/provision/change_list.html"
    search_fields = ("reference", "title", "text", "chapter")
    ordering = ("deal", "reference")
    autocomplete_fields = ("workstream", "lead_organisation")
    filter_horizontal = ("proposals", "missions", "metrics", "indicators")
    readonly_fields = ("revision", "is_demo", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("deal", "reference", "chapter", "title", "text", "kind")}),
        (
            "Who answers for it",
            {"fields": ("workstream", "lead_organisation", "department")},
        ),
        ("Marking", {"fields": ("classification", "is_published", "is_demo")}),
        ("What it came from and moves", {"fields": tuple(services.PROVISION_LINKS)}),
        ("Record", {"fields": ("revision", "created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        fixed = self.readonly_fields
        return fixed if obj is None else ("deal", *fixed)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: Provision, form, change: bool) -> None:
        with self.service():
            if change:
                saved = obj
                if fields := changed(form, FIELDS):
                    saved = services.provision_update(
                        provision=obj, acting_user=acting(request), **fields
                    )
            else:
                saved = services.provision_create(
                    deal=form.cleaned_data["deal"],
                    acting_user=acting(request),
                    **given(form, FIELDS),
                )
        became(obj, saved)


@admin.register(ProvisionReport)
class ProvisionReportAdmin(ViewOnlyAdmin):
    """Reports are written by the provision's lead (``report_submit``), where the rules on
    narratives and moved forecasts are checked: shown here, never changed or deleted."""

    list_display = ("provision", "period_start", "state", "confidence", "forecast_on", "author")
    list_filter = ("provision__deal", "state", "confidence", "is_demo")
    list_select_related = ("provision", "author")
    search_fields = ("provision__reference", "provision__title", "narrative")
    ordering = ("provision", "-period_start")
    date_hierarchy = "period_start"


@admin.register(ProvisionReportReview)
class ProvisionReportReviewAdmin(ViewOnlyAdmin):
    """Sponsors' sign-offs of delivery reports, made on the workstream's reports page
    (``report_review``): shown here, never changed or deleted."""

    list_display = ("report", "revision", "decision", "reviewer", "created_at")
    list_filter = ("report__provision__deal", "decision", "is_demo")
    list_select_related = ("report__provision", "reviewer")
    search_fields = ("report__provision__reference", "report__provision__title", "comment")
    ordering = ("-created_at",)
