"""The accessibility statement and the privacy notice: open to anyone without signing in,
saying what a public-sector service must say, and linked from the footer of every page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.models import Organisation

from .conftest import People

FOOTER_LINKS = (
    '<a class="govuk-footer__link" href="/accessibility/">Accessibility statement</a>',
    '<a class="govuk-footer__link" href="/privacy/">Privacy notice</a>',
)


def page_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("url", ["/accessibility/", "/privacy/"])
def test_anyone_reads_the_public_pages_without_signing_in(
    client: Client, people: People, url: str, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(2):
        page = page_text(client, url)
    assert "Sign out" not in page
    assert all(link in page for link in FOOTER_LINKS)


@pytest.mark.parametrize("url", ["/accessibility/", "/privacy/"])
def test_the_public_pages_only_answer_reading(client: Client, people: People, url: str) -> None:
    assert client.post(url).status_code == 405
    assert client.head(url).status_code == 200


def test_the_accessibility_statement_follows_the_model_statement(
    client: Client, people: People
) -> None:
    page = page_text(client, "/accessibility/")
    for heading in (
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Technical information about this service's accessibility",
        "Compliance status",
        "How we tested this service",
        "Preparation of this accessibility statement",
    ):
        assert heading in page, heading
    assert "Web Content Accessibility Guidelines version 2.2" in page and "AA standard" in page
    assert "Equality and Human Rights Commission (EHRC)" in page
    assert "Equality Advisory and Support Service" in page
    assert "axe-core" in page and "375 pixels" in page and "keyboard" in page
    assert "This statement was prepared on 5 December 2026" in page
    assert 'href="mailto:' in page


def test_the_privacy_notice_says_what_the_digests_hold_and_how_to_be_removed(
    client: Client, people: People
) -> None:
    page = page_text(client, "/privacy/")
    for words in (
        "data controller",
        "name, email address and organisation",
        "failed attempts to sign in",
        "two-factor authentication devices",
        "with the name and organisation of the person it belongs to",
        "the delivery log",
        "public task",
        "UK GDPR",
        "unsubscribe link at the bottom",
        "from your profile page",
        "contact the team that runs the service",
        "data protection officer",
        "Information Commissioner's Office (ICO)",
        "How long we keep it",
        "Who can see it",
    ):
        assert words in page, words


def test_the_privacy_notice_names_the_combined_authority_running_the_deal(
    client: Client, people: People
) -> None:
    authority = Organisation.objects.get(name="West Midlands Combined Authority")
    people.deal.combined_authority = authority
    people.deal.save(update_fields=["combined_authority"])
    page = page_text(client, "/privacy/")
    assert "the devolution deal you work on or receive briefings about: West Midlands" in page


def test_the_contact_address_is_the_configured_one(
    client: Client, people: People, settings
) -> None:
    settings.CONTACT_EMAIL = "tdd-core-team@example.gov.uk"
    page = page_text(client, "/accessibility/")
    assert 'href="mailto:tdd-core-team@example.gov.uk"' in page


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        (None, "/accounts/login/"),
        ("lead", "/"),
        ("admin", "/workstreams/transport/"),
        ("dsg", "/dashboard/"),
        ("partner", "/accounts/profile/"),
        ("admin", "/subscriptions/"),
        ("lead", "/no-such-page/"),
    ],
)
def test_every_page_links_to_both_from_its_footer(
    people: People, persona: str | None, url: str
) -> None:
    client = Client()
    if persona:
        client.force_login(people.all_roles()[persona])
    response = client.get(url)
    assert response.status_code in (200, 404)
    page = response.content.decode()
    footer = page[page.index('<footer class="govuk-template__footer">') :]
    assert all(link in footer for link in FOOTER_LINKS), url


def test_the_accessibility_statement_names_who_runs_the_service(
    client: Client, people: People, settings
) -> None:
    """The owner named in the settings, or else the combined authorities of the deals held."""
    authority = Organisation.objects.create(
        name="Northfold Combined Authority", kind="combined-authority"
    )
    people.deal.combined_authority = authority
    people.deal.save(update_fields=["combined_authority"])
    page = page_text(client, "/accessibility/")
    assert "This service is run by Northfold Combined Authority." in page
    assert "Northfold Combined Authority is committed to making its websites accessible" in page

    settings.SERVICE_OWNER = "Upland Combined Authority"
    page = page_text(client, "/accessibility/")
    assert "This service is run by Upland Combined Authority." in page
    assert "Northfold" not in page


def test_the_header_and_footer_name_the_service_owner_only_when_one_is_set(
    client: Client, people: People, settings
) -> None:
    page = page_text(client, "/accessibility/")
    assert "govuk-generic-header__homepage-link" not in page
    assert "govuk-footer__meta-custom" not in page

    settings.SERVICE_OWNER = "Upland Combined Authority"
    page = page_text(client, "/accessibility/")
    assert (
        '<a href="/" class="govuk-generic-header__homepage-link">Upland Combined Authority</a>'
        in page
    )
    assert '<div class="govuk-footer__meta-custom">Upland Combined Authority</div>' in page
