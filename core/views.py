"""The glue every page uses, in one place.

- ``deal_query``: the ``?deal=`` a page was asked with, kept on its links, so that someone who
  holds roles in several deals stays in the one they chose.
- ``posted``: the form data of a POST, or ``None`` for an unbound form.
- ``refusals`` and ``show_refusal``: turn a service's refusal (a ``ValidationError`` or any
  ``DomainError``) into the form's errors, where the form shows them.
- ``render_around``: a page around content rendered before (a cached dashboard).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.safestring import mark_safe

from . import policy
from .errors import DomainError


def query_for_deal(slug: str | None, sep: str = "?") -> str:
    """``?deal=slug`` (or ``&deal=slug`` with ``sep="&"``), or nothing without a slug."""
    if not slug:
        return ""
    query = QueryDict(mutable=True)
    query["deal"] = slug
    return f"{sep}{query.urlencode()}"


def query_for_person(user: Any, slug: str, sep: str = "?") -> str:
    """The deal on a link, for someone who sees several deals (a workstream's slug is unique
    only within its deal); nothing for someone who sees one."""
    deal_ids = policy.deal_ids_visible_to(user)
    several = deal_ids is None or len(deal_ids) > 1
    return query_for_deal(slug if several else None, sep)


def deal_query(request: HttpRequest, sep: str = "?") -> str:
    """The ``?deal=`` the page was asked with, for its links."""
    return query_for_deal(request.GET.get("deal"), sep)


# Where ``render_around`` puts the content. Text from people is escaped by the templates, so
# the mark cannot come from them.
_CONTENT = "<!--content-rendered-before-->"


def render_around(
    request: HttpRequest, template: str, context: dict[str, Any], content: bytes
) -> HttpResponse:
    """The page ``template`` renders with ``context``, with ``content`` (HTML rendered before,
    as UTF-8: a cached dashboard) where the template says ``{{ body }}``.

    The content goes in as bytes, never decoded: a dashboard at ten times the deal is one or
    two megabytes, and decoding it, joining it into the page and encoding the page again took
    longer than the rest of the page."""
    response = render(request, template, {**context, "body": mark_safe(_CONTENT)})  # noqa: S308
    before, mark, after = response.content.partition(_CONTENT.encode())
    if not mark:
        raise ValueError(f"{template} does not show {{{{ body }}}}")
    response.content = b"".join((before, content, after))
    return response


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, or ``None`` (an unbound form) for any other method."""
    return request.POST if request.method == "POST" else None


def add_service_errors(form: forms.Form, error: ValidationError, field: str | None = None) -> None:
    """Put a service's ``ValidationError`` on the form: each field's message beside that field
    when the form has it, the rest on ``field`` (``None``: at the top of the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(field, error)
        return
    for name, errors in error.error_dict.items():
        target = name if name in form.fields and name != NON_FIELD_ERRORS else field
        form.add_error(target, errors)


@contextmanager
def refusals(form: forms.Form, field: str | None = None) -> Iterator[None]:
    """Run the block; if the service refuses, show why on ``form`` and carry on: a
    ``ValidationError`` beside the fields it names, a ``DomainError``'s message on ``field``
    (``None``: at the top of the form).

    After the block, ``form.errors`` says whether it was refused::

        with refusals(form):
            risk = services.risk_create(...)
        if not form.errors:
            return redirect(risk)
    """
    try:
        yield
    except (ValidationError, DomainError) as error:
        show_refusal(form, error, field)


def show_refusal(
    form: forms.Form, error: ValidationError | DomainError, field: str | None = None
) -> None:
    """Show a service's refusal on ``form``: a ``ValidationError`` where the form puts one (its
    own ``add_service_errors``, for a form whose fields are not the service's), else beside the
    fields it names, the rest where the form keeps errors about the whole record
    (``whole_record_errors_on``); a ``DomainError``'s message on ``field``."""
    if not isinstance(error, ValidationError):
        form.add_error(field, str(error))
    elif hasattr(form, "add_service_errors"):
        form.add_service_errors(error)
    else:
        add_service_errors(form, error, getattr(form, "whole_record_errors_on", None))
