"""Which published figures report each of the Statement's headline metrics, and which way is
better for each imported indicator: ``data/metric_links.yaml``, read once and checked as it is
read (an unknown relation, a metric both linked and said to have no data, a link without its
citation: each refuses the file with the metric's slug).

Nothing here touches the database: the links name indicators by their code, so a link holds
before its figures are imported, and the pages join it to what is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from .choices import Direction

IS_THE_METRIC = "is-the-metric"
RELATED = "related"
RELATIONS = {
    IS_THE_METRIC: "The metric",
    RELATED: "A related published figure",
}
LINK_KEYS = ("indicator", "file", "subtitle", "relation", "why")


@dataclass(frozen=True)
class Link:
    metric: str  # the metric's slug
    indicator: str  # the indicator's code
    file: str  # the metadata file the link is read from, under the ONS directory
    subtitle: str  # the file's own subtitle for the indicator, quoted
    relation: str  # IS_THE_METRIC or RELATED
    why: str

    @property
    def is_the_metric(self) -> bool:
        return self.relation == IS_THE_METRIC

    @property
    def relation_label(self) -> str:
        return RELATIONS[self.relation]


@dataclass(frozen=True)
class MetricLinks:
    links: dict[str, list[Link]]  # metric slug -> its links, in the file's order
    no_data: dict[str, str]  # metric slug -> why these files hold no figure for it
    lower_is_better: dict[str, str]  # indicator code -> the metadata's words that say so

    def for_metric(self, slug: str) -> list[Link]:
        return self.links.get(slug, [])

    def for_indicator(self, code: str) -> list[Link]:
        return [link for links in self.links.values() for link in links if link.indicator == code]

    def direction(self, code: str) -> Direction:
        if code in self.lower_is_better:
            return Direction.LOWER_IS_BETTER
        return Direction.HIGHER_IS_BETTER

    @property
    def slugs(self) -> set[str]:
        return set(self.links) | set(self.no_data)


PATH = Path(settings.BASE_DIR) / "data" / "metric_links.yaml"


def parse(data: dict[str, Any]) -> MetricLinks:
    """The file's contents, checked; ValueError naming the metric on the first fault."""
    links: dict[str, list[Link]] = {}
    no_data: dict[str, str] = {}
    for slug, entry in (data.get("metrics") or {}).items():
        entry = entry or {}
        given, why_none = entry.get("links"), entry.get("no_data")
        if bool(given) == bool(why_none):
            raise ValueError(f"Metric {slug!r}: give its links or say why there is no data.")
        if why_none:
            no_data[slug] = str(why_none).strip()
            continue
        links[slug] = []
        for item in given or []:
            missing = [k for k in LINK_KEYS if not str(item.get(k) or "").strip()]
            if missing:
                raise ValueError(f"Metric {slug!r}: a link lacks {', '.join(missing)}.")
            if item["relation"] not in RELATIONS:
                raise ValueError(
                    f"Metric {slug!r}: the relation {item['relation']!r} is not one of "
                    f"{', '.join(RELATIONS)}."
                )
            links[slug].append(Link(metric=slug, **{k: str(item[k]).strip() for k in LINK_KEYS}))
    lower = {str(k): str(v).strip() for k, v in (data.get("lower_is_better") or {}).items()}
    return MetricLinks(links=links, no_data=no_data, lower_is_better=lower)


@cache
def load() -> MetricLinks:
    with PATH.open(encoding="utf-8") as f:
        return parse(yaml.safe_load(f))
