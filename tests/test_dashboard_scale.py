"""The dashboard pages read a fixed number of queries whatever the size of the deal, measured
on the synthetic deal that ``load_demo_data --scale N`` builds beside the demo's at N=1 (a
realistic deal) and at N=10: the same pages of that deal (``?deal=``, the demo's people hold
roles in both), as the same people, read as many queries at both sizes.

One test loads both sizes in turn: loading takes most of its time.
"""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.choices import Role
from core.models import Membership
from tracker import freshness
from tracker.demo_scale import DEAL_SLUG
from tracker.models import Meeting, Workstream

PAGES = (
    "/dashboard/",
    "/dashboard/shared/",
    "/dashboard/pipeline/",
    "/dashboard/coverage/",
    "/dashboard/asks/",
    "/exports/",
    "/exports/workstreams.csv",
    "/exports/proposals.csv",
    "/exports/risks.csv",
    "/exports/decisions.csv",
)


def _demo_person(role: str) -> User:
    membership = (
        Membership.objects.filter(role=role, user__is_demo=True).select_related("user").first()
    )
    assert membership is not None, f"the demo has no {role}"
    return membership.user  # type: ignore[return-value]


def _counts(client: Client, pages: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in pages.items():
        freshness.forget_cached()  # built afresh each time: what a first view after a change costs
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert b"Synthetic" in b"".join(response), url  # the synthetic deal's page
        counts[name] = len(queries)
    return counts


# The briefing pack is a document of many sections (the overview, the last meeting, the agenda
# and its proposals, the asks, the escalated risks, delivery), each a few queries of its own.
CEILINGS = {"briefing pack": 30}


def _measure() -> dict[str, dict[str, int]]:
    pages = {url: f"{url}?deal={DEAL_SLUG}" for url in PAGES}
    # The briefing pack of the synthetic deal's meeting with the longest agenda.
    held = (
        Meeting.objects.filter(body__deal__slug=DEAL_SLUG)
        .annotate(items=Count("agenda_items"))
        .order_by("-items", "pk")
        .first()
    )
    assert held is not None and held.items > 0  # type: ignore[attr-defined]
    pages["briefing pack"] = f"/meetings/{held.pk}/pack/?deal={DEAL_SLUG}"
    measured = {}
    for role in (Role.DSG, Role.PARTNER):
        client = Client()
        client.force_login(_demo_person(role))
        client.get(pages["/dashboard/"])  # the session and the person, read once for every page
        measured[role] = _counts(client, pages)
    return measured


def test_the_dashboards_read_as_many_queries_at_ten_times_the_size(reference) -> None:
    synthetic = Workstream.objects.filter(deal__slug=DEAL_SLUG)
    call_command("load_demo_data", "--scale", "1", stdout=StringIO())
    assert synthetic.count() == 20
    at_one = _measure()

    call_command("load_demo_data", "--scale", "10", stdout=StringIO())
    assert synthetic.count() == 10 * 20
    at_ten = _measure()

    for role, counts in at_ten.items():
        for url, count in counts.items():
            # A list longer than the page shows (the pipeline's stuck proposals) also counts
            # its rows: at most one query more, whatever the size.
            assert at_one[role][url] <= count <= at_one[role][url] + 1, (url, role)
            assert count <= CEILINGS.get(url, 25), f"{url} as {role} reads {count} queries"
