"""Papers in the REST API: read only, the same papers the pages list (core.policy through the
selectors: a partner never receives an OFFICIAL-SENSITIVE one), each with the address of its
download, which asks the policy again. Attaching and removing are done on the pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request

from core.api_support import NumberFilter, error_responses
from core.choices import Classification

from . import selectors
from .choices import PaperType
from .downloads import paper_response
from .models import Paper


class PaperSerializer(serializers.ModelSerializer[Paper]):
    content_type = serializers.ChoiceField(
        choices=PaperType.choices, help_text="Read from the file's own bytes."
    )
    classification = serializers.ChoiceField(
        choices=Classification.choices,
        source="marking",
        help_text="The paper's marking, or its record's if that is higher.",
    )
    uploaded_by = serializers.CharField(
        source="uploaded_by.email", default=None, allow_null=True, read_only=True
    )
    download_url = serializers.SerializerMethodField(
        help_text="Where a signed-in person who may see the paper downloads it from a browser."
    )
    file_url = serializers.SerializerMethodField(
        help_text="Where an API client downloads the file (GET .../{id}/file/)."
    )

    class Meta:
        model = Paper
        fields = [
            "id",
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
            "download_url",
            "file_url",
        ]
        read_only_fields = fields

    def get_download_url(self, paper: Paper) -> str:
        return self._absolute(reverse("paper-download", args=[paper.pk]))

    def get_file_url(self, paper: Paper) -> str:
        return self._absolute(reverse("api:paper-file", args=[paper.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class PaperFilter(filters.FilterSet):
    meeting = NumberFilter(field_name="meeting", help_text="A meeting's id: its papers.")
    proposal = NumberFilter(field_name="proposal", help_text="A proposal's id: its documents.")

    class Meta:
        model = Paper
        fields = ["meeting", "proposal"]


@extend_schema_view(
    list=extend_schema(
        description="The papers of meetings and proposals this person may see, oldest first. "
        "Partners receive OFFICIAL papers only."
    ),
)
class PaperViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Papers attached to meetings and documents attached to proposals."""

    serializer_class = PaperSerializer
    filterset_class = PaperFilter
    search_fields = ["title", "original_name"]

    def get_queryset(self) -> QuerySet[Paper]:
        return selectors.papers_for(self.request.user)

    @extend_schema(
        description="The paper's file, as an attachment of the type read from its bytes, for "
        "whoever may see the paper; 404 for anyone else.",
        responses={
            **{
                (200, kind): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
                for kind in PaperType.values
            },
            **error_responses(401, 404),
        },
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        return paper_response(self.get_object())
