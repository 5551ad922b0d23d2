"""Tags for delivery's pages: a state or a confidence as a GOV.UK tag. Its words always say
the rating; the colour only repeats it."""

from __future__ import annotations

from django import template

from delivery.choices import CONFIDENCE_DEFINITIONS, Confidence, DeliveryState

register = template.Library()

STATE_COLOURS = {
    DeliveryState.NOT_STARTED: "grey",
    DeliveryState.IN_PROGRESS: "blue",
    DeliveryState.DELIVERED: "green",
    DeliveryState.STALLED: "red",
    DeliveryState.SUPERSEDED: "purple",
}
CONFIDENCE_COLOURS = {
    Confidence.GREEN: "green",
    Confidence.AMBER_GREEN: "turquoise",
    Confidence.AMBER: "yellow",
    Confidence.AMBER_RED: "orange",
    Confidence.RED: "red",
}


@register.inclusion_tag("delivery/_tag.html")
def state_tag(value: str | None) -> dict[str, str]:
    """A delivery state as a tag; "No report yet" when there is none."""
    if not value:
        return {"colour": "grey", "label": "No report yet"}
    return {"colour": STATE_COLOURS[DeliveryState(value)], "label": DeliveryState(value).label}


@register.inclusion_tag("delivery/_tag.html")
def confidence_tag(value: str | None) -> dict[str, str]:
    """A delivery confidence as a tag; "Not rated" when there is no report."""
    if not value:
        return {"colour": "grey", "label": "Not rated"}
    return {
        "colour": CONFIDENCE_COLOURS[Confidence(value)],
        "label": Confidence(value).label,
    }


@register.simple_tag
def confidence_definitions() -> list[tuple[str, str]]:
    """Each confidence level's label with its definition, Green first."""
    return [(Confidence(level).label, text) for level, text in CONFIDENCE_DEFINITIONS.items()]
