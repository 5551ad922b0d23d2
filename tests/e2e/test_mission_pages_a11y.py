"""The missions page and the indicator pages meet WCAG 2.2 AA as axe-core sees them in a real
browser, at desktop width and at 320 pixels wide, where the page itself must not scroll sideways
(wide tables scroll inside their own wrapper). Each page is saved as var/screenshots/<name>.png
and <name>-320.png for people to look at.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from core.choices import Classification
from missions.choices import TargetKind
from missions.models import Area, Indicator, Mission, Observation
from missions.services import import_observations, target_set
from tracker import services
from tracker.choices import AskType
from tracker.models import Workstream

from ..conftest import People
from ..ons_world import import_folders, imported_or_put_back
from .conftest import SCREENSHOTS, assert_accessible, screenshot

ONS_CSV = settings.BASE_DIR / "data" / "ons_subnational_indicators_wmca_2022.csv"

# Made-up earlier figures, only so that the charts have lines, comparators and a target to
# draw: the real file has one period per indicator and no figures for the wider areas.
DRAWN = {
    "E08000025": ["28.10", "28.90", "29.40", "30.05"],  # Birmingham, 2015 to 2018
    "E08000029": ["41.00", "42.30", "43.10", "44.00"],  # Solihull
    "E47000007": ["30.20", "30.80", "31.40", "31.90"],  # the combined authority's area
    "E12000005": ["30.00", "30.50", "31.00", "31.60"],  # the region
    "E92000001": ["33.10", "33.60", "34.20", "34.90"],  # England
}


@pytest.fixture
def figures(people: People) -> None:
    import_observations(ONS_CSV.read_bytes(), acting_user=None, create_missing_indicators=True)
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    areas = {a.gss_code: a for a in Area.objects.filter(gss_code__in=DRAWN)}
    rows = []
    for code, values in DRAWN.items():
        for year, value in zip(range(2015, 2019), values, strict=True):
            rows.append(f"gva_per_hour_worked,GBP,{year},{code},{areas[code].name},{value},")
    import_observations(
        "indicator,unit,period,area_code,area_name,value,source\n" + "\n".join(rows),
        acting_user=None,
    )
    birmingham = areas["E08000025"]
    target_set(
        indicator=gva,
        area=birmingham,
        kind=TargetKind.BASELINE,
        year=2015,
        value=Decimal("28.10"),
        acting_user=people.admin,
    )
    target_set(
        indicator=gva,
        area=birmingham,
        kind=TargetKind.TARGET,
        year=2030,
        value=Decimal("36.00"),
        acting_user=people.admin,
    )
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    transport.missions.add(Mission.objects.get(number=1))
    transport.indicators.add(gva)
    for title, classification in [
        ("Bus franchising settlement", Classification.OFFICIAL),
        ("Our fallback position on rail", Classification.OFFICIAL_SENSITIVE),
    ]:
        services.proposal_create(
            workstream=transport,
            acting_user=people.lead,
            title=title,
            classification=classification,
            ask="A ten-year funding settlement for franchised buses.",
            ask_type=AskType.FUNDING,
            indicators=[gva],
        )
    assert Observation.objects.filter(indicator=gva).count() == 7 + 4 * len(DRAWN)


PAGES = [
    ("missions", "partner", "/missions/"),
    ("missions-dsg", "dsg", "/missions/"),
    ("indicator-gva", "admin", "/indicators/gva_per_hour_worked/"),
    ("indicator-hle", "partner", "/indicators/healthy_life_expectancy_male/"),
    ("indicator-undated", "dsg", "/indicators/gcse_eng_maths_pct/"),
    ("frameworks", "dsg", "/frameworks/"),
    ("framework-missions", "partner", "/frameworks/levelling-up-missions-2024-headline-metrics/"),
    ("framework-empty", "admin", "/frameworks/west-midlands-outcomes-framework/"),
]


def _open_every_details(page: Page) -> None:
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")


def _wider_than_the_page(page: Page) -> list[str]:
    """The elements that stick out past the right edge of the page (none, when the page does
    not scroll sideways), outermost first; what scrolls inside a wrapper does not count."""
    return page.evaluate(
        """() => {
            const root = document.documentElement;
            if (root.scrollWidth <= root.clientWidth) return [];
            const out = [];
            for (const el of document.body.querySelectorAll('*')) {
                if (el.closest('.app-table-scroll') && !el.matches('.app-table-scroll')) continue;
                const box = el.getBoundingClientRect();
                if (box.right > root.clientWidth + 0.5) {
                    out.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.')
                        + ' ' + Math.round(box.right));
                }
            }
            return out.length ? out.slice(0, 10) : ['the page, by ' + root.scrollWidth];
        }"""
    )


@pytest.mark.parametrize(("name", "persona", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_the_mission_page_has_no_accessibility_violations_at_any_width(
    page: Page, open_as, figures: None, name: str, persona: str, url: str
) -> None:
    open_as(persona, url)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).not_to_have_text(re.compile("do not have access|not found", re.I))
    screenshot(page, name)
    assert_accessible(page)
    _open_every_details(page)
    assert_accessible(page)

    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    _open_every_details(page)
    assert _wider_than_the_page(page) == [], f"{url} scrolls sideways at 320 pixels wide"
    screenshot(page, f"{name}-320")
    assert_accessible(page)


def test_a_chart_is_an_image_with_a_name_and_a_description(
    page: Page, open_as, figures: None
) -> None:
    open_as("dsg", "/indicators/gva_per_hour_worked/")
    chart = page.get_by_role("img", name="GVA per hour: Birmingham")
    expect(chart).to_have_count(1)
    expect(chart).to_have_accessible_description(re.compile(r"from £28\.10 to £30\.62"))
    expect(chart).to_have_accessible_description(re.compile(r"Target for 2030: £36"))
    # The same figures, as a table, behind "Show the figures as a table".
    figure = page.locator("figure", has=chart)
    figure.get_by_text("Show the figures as a table").click()
    table = figure.get_by_role("table")
    expect(table).to_contain_text("£30.62")
    expect(table).to_contain_text("Target for 2030")


# --- Beside its peers, with ONS's published files -----------------------------------------------


@pytest.fixture
def ons_figures(people: People) -> None:
    """Two of ONS's files as published: every combined authority, the regions, England and the
    UK. Their indicators report missions' metrics (data/metric_links.yaml), so the missions
    page ranks the deal's area. Imported by the first test in the process, put back for the
    others (tests/ons_world.py)."""
    imported_or_put_back("gross-median-weekly-pay", "healthy-life-expectancy")


PEER_PAGES = [
    ("indicator-peers-pay", "partner", "/indicators/gross-median-weekly-pay/"),
    ("indicator-peers-hle", "dsg", "/indicators/female-healthy-life-expectancy/"),
    ("missions-peers", "partner", "/missions/"),
]


@pytest.mark.parametrize(("name", "persona", "url"), PEER_PAGES, ids=[p[0] for p in PEER_PAGES])
def test_the_pages_with_peers_have_no_accessibility_violations_at_any_width(
    page: Page, open_as, ons_figures: None, name: str, persona: str, url: str
) -> None:
    test_the_mission_page_has_no_accessibility_violations_at_any_width(
        page=page, open_as=open_as, figures=None, name=name, persona=persona, url=url
    )


def test_the_peers_chart_is_an_image_described_beside_its_table(
    page: Page, open_as, ons_figures: None
) -> None:
    open_as("partner", "/indicators/gross-median-weekly-pay/")
    chart = page.get_by_role("img", name=re.compile("the combined authorities"))
    expect(chart).to_have_count(1)
    expect(chart).to_have_accessible_description(re.compile(r"ranked \d+ of 11"))
    expect(chart).to_have_accessible_description(re.compile(r"England's figure, £648\.40"))
    table = page.locator("#peers-table")
    expect(table.locator("tr.app-peers__own")).to_have_count(1)
    expect(table.locator("tr.app-peers__own")).to_contain_text("Deal's area")
    # The section alone, for people to look at.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#peers").scroll_into_view_if_needed()
    top = page.locator("#peers").bounding_box()
    bottom = page.locator("#over-time").bounding_box()
    assert top is not None and bottom is not None
    page.screenshot(
        path=str(SCREENSHOTS / "indicator-peers-section.png"),
        full_page=True,
        clip={
            "x": 0,
            "y": top["y"] + page.evaluate("window.scrollY") - 10,
            "width": 1024,
            "height": bottom["y"] - top["y"],
        },
    )


def test_the_worst_third_across_the_uk_is_accessible_at_any_width(
    page: Page, open_as, people: People
) -> None:
    """Mission 8's worst third over every lower-tier area, on the related ratings: the note
    that says so, where the deal's areas sit, and all 363 areas ranked (opened)."""
    import_folders("personal-wellbeing-estimates")
    test_the_mission_page_has_no_accessibility_violations_at_any_width(
        page=page,
        open_as=open_as,
        figures=None,
        name="indicator-worst-third",
        persona="partner",
        url="/indicators/happiness/",
    )
    expect(page.locator("#statement-worst-third")).to_contain_text("across the UK")
    expect(page.locator("#statement-worst-third-deal")).to_contain_text("areas sit")
