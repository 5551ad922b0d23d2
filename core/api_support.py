"""What every writable API resource shares: entity tags with ``If-Match``, and the domain's
errors turned into HTTP responses.

How the domain's errors map to HTTP, for every resource:

- ``django.core.exceptions.PermissionDenied`` → 403 ``{"detail": "..."}``.
- ``django.core.exceptions.ValidationError`` → 400 ``{"field": ["message", ...]}``, the same shape
  as the serializers' own field errors; errors about the whole record go under
  ``non_field_errors``.
- ``core.errors.StaleEdit`` → 412 Precondition Failed ``{"detail", "changes", "current"}``:
  what changed since the version the client started from, and the record as it now stands.
- ``core.errors.DomainError`` (``TrackerError`` and every other app's refusals) → 409 Conflict
  ``{"detail": "..."}``: the request is well formed, but the record's state refuses it (a
  workstream already merged, for example).

Entity tags are strong and name a record's version. A write that carries ``If-Match`` is refused
with 412 unless one of the tags names the current version; the comparison is made by the service,
under the row lock it takes to save, so two writers cannot both pass it. A write without
``If-Match`` is applied to whatever version is current. ``If-Match: *`` only asks that the
record exists. Weak tags (``W/"3"``) never match, as RFC 9110 requires of ``If-Match``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.http import parse_etags, quote_etag
from django_filters import rest_framework as filters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_field,
)
from drf_spectacular.utils import inline_serializer as _inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .errors import DomainError, StaleEdit

if TYPE_CHECKING:
    from rest_framework.request import Request

REVISION_TAG = re.compile(r"[0-9]{1,9}")


# --- Entity tags ------------------------------------------------------------------------------


def etag(version: object) -> str:
    """A strong entity tag for a version, quoted as the ETag header needs it."""
    return quote_etag(str(version))


def with_etag(response: Response, version: object) -> Response:
    response["ETag"] = etag(version)
    return response


def if_match_tags(request: Request) -> list[str] | None:
    """The opaque values of the strong tags in ``If-Match``, unquoted.

    None means the write is unconditional: no ``If-Match``, or ``If-Match: *``. An empty list
    means the header names nothing that can match (only weak or malformed tags).
    """
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = parse_etags(header)
    if tags == ["*"]:
        return None
    return [tag[1:-1] for tag in tags if not tag.startswith("W/")]


def if_none_match_any(request: Request) -> bool:
    """``If-None-Match: *``: create only if nothing exists yet."""
    header = request.headers.get("If-None-Match")
    return header is not None and parse_etags(header) == ["*"]


def expected_revision(request: Request, current: int) -> int | None:
    """The revision to hand a service as ``expected_revision``, from ``If-Match``.

    ``current`` is the revision just read without a lock: when a tag names it, that is what the
    service must still find under its lock. When no tag names it, a tag that cannot be current
    is passed on so that the service refuses the write and reports what changed since then.
    """
    tags = if_match_tags(request)
    if tags is None:
        return None
    revisions = {int(tag) for tag in tags if REVISION_TAG.fullmatch(tag)}
    if current in revisions:
        return current
    older = [r for r in revisions if r < current]
    return max(older, default=0)  # revisions start at 1: 0 never matches


# --- Domain errors as HTTP --------------------------------------------------------------------


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record's current state does not allow this."
    default_code = "conflict"


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError in the shape of a serializer's errors."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: list(error.messages)}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
        for name, messages in error.message_dict.items()
    }


def as_api_error(exc: Exception) -> Exception:
    """The REST framework exception for a domain error; any other exception as it is."""
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(field_errors(exc))
    if isinstance(exc, DomainError) and not isinstance(exc, StaleEdit):
        return Conflict(str(exc))
    return exc


def stale_edit_response(
    exc: StaleEdit, current: dict[str, Any] | None = None, version: object | None = None
) -> Response:
    """412, with what changed since the client's version and the record as it now stands."""
    changes = [
        {"field": c.field, "label": c.label, "before": c.before, "after": c.after}
        for c in exc.changes
    ]
    response = Response(
        {"detail": str(exc), "changes": changes, "current": current},
        status=status.HTTP_412_PRECONDITION_FAILED,
    )
    return with_etag(response, version) if version is not None else response


class DomainErrorsMixin:
    """For API views: the services' errors become 400, 403, 409 or 412 responses.

    A view that can show the current record in a 412 catches ``StaleEdit`` itself and calls
    ``stale_edit_response``; this is the fallback for any other.
    """

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StaleEdit):
            return stale_edit_response(exc)
        return super().handle_exception(as_api_error(exc))  # type: ignore[misc]


# --- The same, described in the schema --------------------------------------------------------


class ChangeSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(help_text="The field's name in this API.")
    # A declared field named like an attribute of Field: DRF's metaclass takes it off the class.
    label = serializers.CharField(help_text="The field as people read it.")  # type: ignore[assignment]
    before = serializers.JSONField(help_text="The value in the version the client started from.")
    after = serializers.JSONField(help_text="The value now.")


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the version this change was made from. If the record has changed "
    "since, the write is refused with 412 and nothing is saved. Without it, the write "
    "applies to whatever version is current.",
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201, 412],
    description="The record's version (a strong entity tag): send it back as If-Match.",
)


def stale_edit_serializer(name: str, record: type[serializers.BaseSerializer[Any]]) -> Any:
    return _inline_serializer(
        name=f"{name}StaleEdit",
        fields={
            "detail": serializers.CharField(),
            "changes": ChangeSerializer(many=True),
            "current": record(allow_null=True, help_text="The record as it now stands."),
        },
    )


ERROR_DESCRIPTIONS = {
    400: "Invalid values: a list of messages for each field, and under non_field_errors for "
    "the record as a whole.",
    401: "Not signed in: send a token or a session cookie.",
    403: "Signed in, but not allowed to do this.",
    404: "No such record, or not one this person may see.",
    409: "The record's state refuses the change: see detail.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema responses for the given error statuses (400, 401, 403, 404, 409)."""
    responses = {}
    for code in codes:
        if code == 400:
            responses[code] = OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=ERROR_DESCRIPTIONS[code],
                examples=[
                    OpenApiExample(
                        "Field errors",
                        value={"likelihood": ["Ensure this value is less than or equal to 5."]},
                        status_codes=[400],
                    )
                ],
            )
        else:
            responses[code] = OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
    return responses


def stale_response(name: str, record: type[serializers.BaseSerializer[Any]]) -> OpenApiResponse:
    return OpenApiResponse(
        stale_edit_serializer(name, record),
        description="If-Match named a version that is no longer current: nothing was saved. "
        "The body lists what changed since and the record as it now stands; the ETag header is "
        "its current version.",
    )


class ApiSchema(AutoSchema):
    """Every operation also documents the errors any request to it can meet, where its view
    does not say more: 401 without credentials; 403 for a role that may not do it; 404 for a
    record that does not exist or may not be seen, and for a list page past the last; 400 for a
    filter or query value a list cannot read."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies = super()._get_response_bodies(direction)
        codes = [401, 403]
        lists = self._is_list_view() and self.method == "GET"
        if lists:
            codes.append(400)
        if lists or self.path_regex.count("(?P<") or "{" in self.path:
            codes.append(404)
        for code, response in error_responses(*codes).items():
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(response, str(code))
        return bodies


# Ids and numbers in filters beyond what a database integer holds are a 400, not a 500.
DATABASE_INT_MAX = 2**63 - 1


class NumberFilter(filters.NumberFilter):
    """A number filter whose value must fit a database integer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -DATABASE_INT_MAX)
        kwargs.setdefault("max_value", DATABASE_INT_MAX)
        super().__init__(*args, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?$",
        "example": "08:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A time of day in UK time, without an offset: the OpenAPI ``time`` format is RFC 3339's,
    which needs one, so the schema gives the pattern instead."""
