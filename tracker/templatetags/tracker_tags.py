from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.choices import Classification
from missions.periods import describe as describe_period
from tracker.choices import Rag

register = template.Library()

# Colour is never the only signal: the tag always carries the word.
RAG_TAG_CLASSES = {
    Rag.RED: "govuk-tag--red",
    Rag.AMBER: "govuk-tag--yellow",
    Rag.GREEN: "govuk-tag--green",
}


@register.simple_tag
def rag_tag(rag: str | None) -> str:
    if not rag:
        return mark_safe('<strong class="govuk-tag govuk-tag--grey">No update</strong>')  # noqa: S308
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', RAG_TAG_CLASSES[Rag(rag)], Rag(rag).label
    )


@register.simple_tag
def classification_tag(classification: str) -> str:
    if classification == Classification.OFFICIAL_SENSITIVE:
        return format_html(
            '<strong class="govuk-tag govuk-tag--orange">{}</strong>',
            Classification.OFFICIAL_SENSITIVE.label,
        )
    return format_html(
        '<strong class="govuk-tag govuk-tag--grey">{}</strong>', Classification.OFFICIAL.label
    )


@register.filter
def people(users: list[object]) -> str:
    return ", ".join(str(u) for u in users)


@register.filter
def period_text(label: str) -> str:
    """A period as a person reads it ("2017 to 2019", not "2017-01-01/P3Y")."""
    return describe_period(label)


@register.filter
def periods_text(labels: list[str]) -> str:
    """Periods as a person reads them, joined: "2017 to 2019, 2018 to 2020"."""
    return ", ".join(describe_period(label) for label in labels)
