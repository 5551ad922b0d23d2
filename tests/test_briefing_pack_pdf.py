"""The briefing pack as a PDF made on the server: a real A4 PDF whose text holds the pack's
sections, the marking on every page, the person's own view of the pack (a partner's never
holds OFFICIAL-SENSITIVE material), offered as a download from the pack and the meeting page;
and the renderer fetches nothing but our own static files."""

from __future__ import annotations

import io
import logging
import urllib.request
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from core import pdf
from core.models import Deal
from tracker.choices import BodyKind
from tracker.models import GovernanceBody, Meeting

from .conftest import People
from .pack_world import (
    CHALLENGE,
    ESCALATED,
    MINUTES,
    OFFICIAL_DECISION_NOTES,
    SENSITIVE_WORDS,
    PackWorld,
    build,
)

A4_POINTS = (595.28, 841.89)


@pytest.fixture
def world(people: People, time_machine: Any) -> PackWorld:
    return build(people, time_machine)


def _pdf(client: Client, people: People, persona: str, world: PackWorld) -> Any:
    client.force_login(people.all_roles()[persona])
    return client.get(f"/meetings/{world.meeting.pk}/pack.pdf")


def _pages(response: Any) -> list[str]:
    """Each page's text, its white space made single spaces (lines wrap where the page ends)."""
    reader = PdfReader(io.BytesIO(response.content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def _heights_of(page: Any, words: str) -> list[float]:
    """How far up the page (in points from the bottom) each line that is exactly ``words``
    is drawn."""
    found: list[float] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip() == words:
            found.append(float(cm[5]) + float(tm[5]) * float(cm[3]))

    page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize(
    ("persona", "marking"), [("dsg", "OFFICIAL-SENSITIVE"), ("partner", "OFFICIAL")]
)
def test_the_pdf_is_an_a4_download_of_the_persons_pack_marked_on_every_page(
    client: Client, people: People, world: PackWorld, persona: str, marking: str
) -> None:
    response = _pdf(client, people, persona, world)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = world.meeting.body.slug
    assert response["Content-Disposition"] == (
        f'attachment; filename="wmca-tdd-briefing-pack-{body}-2026-11-23.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - A4_POINTS[0]) < 1
        assert abs(float(box.height) - A4_POINTS[1]) < 1
    pages = _pages(response)
    assert len(pages) >= 6  # a page for the title and overview, then one a section at least
    for page, text in zip(reader.pages, pages, strict=True):
        # In the top margin and in the bottom margin of every page.
        heights = _heights_of(page, marking)
        assert max(heights) > A4_POINTS[1] - 60 and min(heights) < 60, text[:80]
        assert ("OFFICIAL-SENSITIVE" in text) is (persona == "dsg")


def test_the_dsgs_pdf_holds_every_section_of_the_pack(
    client: Client, people: People, world: PackWorld
) -> None:
    text = " ".join(_pages(_pdf(client, people, "dsg", world)))
    for words in (
        "1. The deal at a glance",
        "2. The last meeting's minutes and decisions",
        "3. The agenda",
        "4. The agenda's proposals",
        "5. Asks of the DSG and their answers",
        "6. Open actions",
        "7. Risks escalated to the DSG",
        MINUTES,
        OFFICIAL_DECISION_NOTES,
        CHALLENGE,
        ESCALATED,
        "Department for Transport",
        *SENSITIVE_WORDS,
    ):
        assert words in text, words
    # No site furniture: the navigation, the download buttons and the contents stay out.
    assert "Download this pack" not in text
    assert "Sign out" not in text
    assert "Contents" not in text


def test_a_partners_pdf_never_holds_sensitive_material(
    client: Client, people: People, world: PackWorld
) -> None:
    text = " ".join(_pages(_pdf(client, people, "partner", world)))
    assert MINUTES in text and CHALLENGE in text and ESCALATED in text
    for word in SENSITIVE_WORDS:
        assert word not in text
    assert "OFFICIAL-SENSITIVE" not in text


def test_the_pdf_is_not_found_where_the_pack_is_not(
    client: Client, people: People, world: PackWorld
) -> None:
    client.force_login(people.nobody)
    assert client.get(f"/meetings/{world.meeting.pk}/pack.pdf").status_code == 404
    client.force_login(people.dsg)
    assert client.get("/meetings/999999/pack.pdf").status_code == 404
    url = f"/meetings/{world.meeting.pk}/pack.pdf?deal=other-deal"
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(f"/meetings/{world.meeting.pk}/pack.pdf").status_code == 302


def test_the_pack_and_the_meeting_page_link_the_pdf(
    client: Client, people: People, world: PackWorld
) -> None:
    client.force_login(people.dsg)
    url = f"/meetings/{world.meeting.pk}/pack.pdf"
    for page in (f"/meetings/{world.meeting.pk}/pack/", f"/meetings/{world.meeting.pk}/"):
        assert f'href="{url}" download>' in client.get(page).content.decode(), page


# --- Nothing but our static files -------------------------------------------------------------

SITE = "http://testserver/"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/static/dist/app.css",  # another host, the same path
        "https://testserver/static/dist/app.css",  # another scheme
        "http://testserver:8080/static/dist/app.css",  # another port
        "http://user@testserver/static/dist/app.css",
        "http://testserver/admin/",  # the site, but not a static file
        "http://testserver/static/../config/settings.py",
        "http://testserver/static/%2e%2e/config/settings.py",
        "http://testserver/static/dist/../../pyproject.toml",
        "http://testserver/static//etc/passwd",
        "http://testserver/static/dist/app.css%00.png",
        "http://testserver/static/no-such-file.css",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "data:text/css,body{color:red}",
        "ftp://testserver/static/dist/app.css",
    ],
)
def test_the_renderer_refuses_every_address_but_our_static_files(url: str) -> None:
    fetcher = pdf.StaticFilesOnly(pdf.static_url_for(SITE))
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch(url)


def test_the_renderer_serves_our_static_files() -> None:
    fetcher = pdf.StaticFilesOnly(pdf.static_url_for(SITE))
    response = fetcher.fetch("http://testserver/static/dist/app.css")
    assert response.headers.get_content_type() == "text/css"
    assert b".govuk-template" in response.read()


def test_rendering_opens_no_address_of_the_document(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A document that points at outside addresses and local files is laid out without them:
    nothing is opened, each is refused, and our stylesheet is still read."""
    opened: list[str] = []
    monkeypatch.setattr(
        urllib.request.OpenerDirector, "open", lambda self, url, *a, **k: opened.append(url)
    )
    html = """<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="/static/dist/app.css">
      <link rel="stylesheet" href="http://127.0.0.1:9/steal.css">
      <style>@import url("https://example.org/import.css");
        body { background: url("file:///etc/hostname"); }</style>
    </head><body><h1 class="govuk-heading-l">A pack</h1>
      <img src="http://169.254.169.254/latest/meta-data/" alt="">
      <img src="file:///etc/passwd" alt="">
      <iframe src="http://example.org/"></iframe>
    </body></html>"""
    with caplog.at_level(logging.WARNING, logger="core.pdf"):
        document = pdf.render_pdf(html, site_url=SITE)
    assert document.startswith(b"%PDF-")
    assert opened == []
    refused = " ".join(r.getMessage() for r in caplog.records if r.name == "core.pdf")
    for address in (
        "http://127.0.0.1:9/steal.css",
        "https://example.org/import.css",
        "file:///etc/hostname",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
    ):
        assert address in refused, address
    assert "app.css" not in refused
    text = " ".join(PdfReader(io.BytesIO(document)).pages[0].extract_text().split())
    assert "A pack" in text


def test_a_meeting_of_another_deal_has_no_pdf_for_this_deals_people(
    client: Client, people: People, world: PackWorld
) -> None:
    other = Deal.objects.create(name="Another deal", short_name="Other", slug="other-deal")
    body = GovernanceBody.objects.create(
        deal=other, name="Other board", slug="other-board", kind=BodyKind.DECISION_BOARD
    )
    meeting = Meeting.objects.create(body=body, starts_at=world.meeting.starts_at)
    client.force_login(people.dsg)
    assert client.get(f"/meetings/{meeting.pk}/pack.pdf").status_code == 404
