"""Papers in the Django admin: shown, never changed here. They are attached and removed on the
meeting's and the proposal's pages (the services check the file and its marking there), and
downloaded only through the papers' download view, which asks core.policy: the admin shows no
link to the stored file itself."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from tracker.admin import ViewOnlyAdmin

from .models import Paper


@admin.register(Paper)
class PaperAdmin(ViewOnlyAdmin):
    list_display = ("title", "meeting", "proposal", "content_type", "size", "classification")
    list_filter = (
        "deal",
        "content_type",
        "classification",
        ("removed_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("meeting__body", "proposal")
    search_fields = ("title", "original_name", "sha256")
    ordering = ("-uploaded_at",)
    fields = (
        "deal",
        "meeting",
        "proposal",
        "title",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "classification",
        "uploaded_by",
        "uploaded_at",
        "removed_by",
        "removed_at",
        "download",
    )
    readonly_fields = fields

    @admin.display(description="Download")
    def download(self, obj: Paper) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("paper-download", args=[obj.pk]), obj.original_name
        )
