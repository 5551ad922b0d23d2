"""The missions page's lookup of an indicator's standing among the combined authorities
(``missions.peers.standings``, by indicator id)."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

from missions.models import Indicator
from missions.peers import Standing

register = template.Library()


@register.filter
def standing_of(standings: Mapping[int, Standing], indicator: Indicator) -> Standing | None:
    """``{% with standing=peer_standings|standing_of:indicator %}``: None where there is none."""
    return standings.get(indicator.pk)
