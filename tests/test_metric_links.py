"""The mapping of the Statement's headline metrics to the published figures that report them
(data/metric_links.yaml): every metric is there once, linked or said to have no data; every link
cites the file it is read from with the file's own words; and which way is better for each
imported indicator comes from the same file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from missions import metric_links, ons, reference, services
from missions.choices import Direction
from missions.models import Indicator

from .conftest import People
from .test_api_missions import client_for

ONS = Path(settings.BASE_DIR) / "data" / "ons-explore-local-statistics"


def _published() -> dict[str, tuple[str, str]]:
    """Indicator code -> (its metadata file, its subtitle), from every published file."""
    found = {}
    for path in sorted(ONS.glob("*/*.json")):
        for meta in ons.read_metadata(path.read_bytes()):
            found[ons.indicator_code(meta.name)] = (
                f"{path.parent.name}/{path.name}",
                meta.subtitle,
            )
    return found


def test_every_headline_metric_is_linked_or_says_there_is_no_data() -> None:
    links = metric_links.load()
    statement = [m["slug"] for mission in reference.MISSIONS for m in mission["metrics"]]
    assert sorted(links.slugs) == sorted(statement)
    assert not set(links.links) & set(links.no_data)
    assert all(len(why) > 20 for why in links.no_data.values())


def test_every_link_cites_the_published_file_in_its_own_words() -> None:
    published = _published()
    links = metric_links.load()
    for link in (link for group in links.links.values() for link in group):
        assert link.indicator in published, link
        assert (link.file, link.subtitle) == published[link.indicator], link


def test_a_mean_rating_is_never_counted_as_the_share_with_a_low_rating() -> None:
    links = metric_links.load()
    for slug in ("low-life-satisfaction", "low-worthwhile", "low-happiness", "high-anxiety"):
        assert [link.relation for link in links.for_metric(slug)] == [metric_links.RELATED]
    assert [link.indicator for link in links.for_metric("hle-at-birth") if link.is_the_metric] == [
        "female-healthy-life-expectancy",
        "male-healthy-life-expectancy",
    ]


def test_lower_is_better_is_said_in_the_metadata_s_own_words() -> None:
    published = _published()
    for code, words in metric_links.load().lower_is_better.items():
        assert code in published, code
        assert published[code][1].startswith(words), code


@pytest.mark.parametrize(
    ("data", "fault"),
    [
        ({"metrics": {"m": {}}}, "give its links or say why"),
        ({"metrics": {"m": {"no_data": "x", "links": [{}]}}}, "give its links or say why"),
        ({"metrics": {"m": {"links": [{"indicator": "i"}]}}}, "lacks file, subtitle"),
        (
            {
                "metrics": {
                    "m": {
                        "links": [
                            {"indicator": "i", "file": "f", "subtitle": "s", "why": "w"}
                            | {"relation": "close enough"}
                        ]
                    }
                }
            },
            "not one of is-the-metric, related",
        ),
    ],
)
def test_a_faulty_mapping_is_refused_naming_the_metric(data: dict, fault: str) -> None:
    with pytest.raises(ValueError, match=fault) as error:
        metric_links.parse(data)
    assert "'m'" in str(error.value)


@pytest.mark.django_db
def test_an_imported_indicator_reads_which_way_is_better_from_the_mapping(
    people: People, tmp_path: Path
) -> None:
    for name in ("premises-below-30", "gigabit-capable-broadband"):
        shutil.copytree(ONS / name, tmp_path / name)
    reports = services.import_ons_directory(tmp_path, acting_user=None)
    assert [r.outcome for r in reports] == [services.IMPORTED, services.IMPORTED]
    direction = dict(Indicator.objects.values_list("code", "direction"))
    assert direction["premises-below-30mbps"] == Direction.LOWER_IS_BETTER
    assert direction["gigabit-capable-broadband"] == Direction.HIGHER_IS_BETTER

    # The API gives the metadata kept and the metrics the figure reports.
    response = client_for(people.partner).get("/api/v1/indicators/gigabit-capable-broadband/")
    body = response.json()
    assert body["subtitle"].startswith("Percentage of premises that have coverage")
    assert body["source_date"] and body["decimal_places"] is not None and body["unit_label"]
    assert body["metric"] is None and body["mission"] is None
    assert body["reports"] == [
        {
            "metric": "premises-coverage-of-gigabit-broadband",
            "relation": "is-the-metric",
            "why": metric_links.load().for_metric("premises-coverage-of-gigabit-broadband")[0].why,
        }
    ]
