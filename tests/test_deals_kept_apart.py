"""Two deals on one installation are kept apart: a role is held in one deal, and the
administrator of the second deal sees nothing of the West Midlands by any route (pages, API,
exports, the Django admin). Running the site is a separate role: an operator (a superuser).

Found by a review: granting the administrator role made a Django superuser, who saw every deal's
OFFICIAL-SENSITIVE negotiating positions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib import admin
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from icalendar import Calendar
from rest_framework.test import APIClient

from accounts import services as accounts_services
from accounts.admin_scope import in_deals
from accounts.models import User
from core.choices import Role
from core.models import Deal, Membership
from missions.choices import Direction as MetricDirection
from missions.choices import TargetKind, Unit
from missions.models import Area, Indicator, IndicatorFramework, Observation, Target
from tracker import services
from tracker.models import StatusUpdate, Workstream
from tracker.selectors.governance import chain_of

from .conftest import PASSWORD, SECRET, People


def test_a_deals_administrator_is_staff_but_never_a_superuser(second: dict[str, User]) -> None:
    nora = second["admin"]
    assert nora.is_staff and not nora.is_superuser
    assert not second["lead"].is_staff and not second["partner"].is_staff


def test_admin_site_access_follows_the_administrator_role_however_it_changes(
    northfold: Deal, second: dict[str, User]
) -> None:
    nora = second["admin"]
    membership = Membership.objects.get(user=nora, role=Role.ADMIN)
    membership.delete()  # as the Django admin deletes it, not through the service
    nora.refresh_from_db()
    assert not nora.is_staff and not nora.is_superuser
    Membership.objects.create(user=nora, deal=northfold, role=Role.ADMIN)
    nora.refresh_from_db()
    assert nora.is_staff and not nora.is_superuser


def test_the_migration_makes_todays_administrator_superusers_administrators_of_their_deal(
    people: People,
) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0005_deal_administrators_are_not_superusers")
    User.objects.filter(pk=people.admin.pk).update(is_superuser=True, is_staff=True)
    operator = User.objects.create_superuser(email="ops@example.org", password=PASSWORD)
    migration.administrators_of_their_deal(apps, None)
    people.admin.refresh_from_db()
    operator.refresh_from_db()
    assert people.admin.is_staff and not people.admin.is_superuser
    assert operator.is_superuser  # made with createsuperuser to run the site: unchanged


@pytest.mark.parametrize("persona", ["admin", "lead", "partner"])
def test_the_second_deals_people_see_nothing_of_the_first_in_the_api(
    api: APIClient,
    people: People,
    second: dict[str, User],
    sensitive_update: StatusUpdate,
    persona: str,
) -> None:
    api.force_authenticate(second[persona])
    root = api.get("/api/v1/").json()
    for name, address in root.items():
        response = api.get(address)
        # The delivery log is for administrators.
        assert response.status_code == (403 if name == "deliveries" and persona != "admin" else 200)
        assert SECRET not in response.content.decode(), name
    deals = api.get("/api/v1/deals/").json()["results"]
    assert [deal["slug"] for deal in deals] == ["northfold"]
    workstreams = api.get("/api/v1/workstreams/").json()["results"]
    assert {ws["name"] for ws in workstreams} == {"Harbour Skills"}
    assert api.get(f"/api/v1/status-updates/{sensitive_update.pk}/").status_code == 404
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    assert api.get(f"/api/v1/workstreams/{transport.pk}/").status_code == 404
    # Nor can they write to it.
    body = {"workstream": transport.pk, "title": "A risk", "likelihood": 3, "impact": 3}
    assert api.post("/api/v1/risks/", body, format="json").status_code in (400, 403, 404)
    assert not transport.risks.exists()


@pytest.mark.parametrize("persona", ["admin", "lead", "partner"])
def test_a_deals_own_indicators_and_figures_are_for_its_people_only(
    api: APIClient, people: People, second: dict[str, User], persona: str
) -> None:
    """A national framework's figures are for everyone signed in; a deal's own framework's
    indicators, figures, baselines and targets are for that deal's people."""
    framework = IndicatorFramework.objects.create(
        name="Regional outcomes", slug="regional-outcomes", deal=people.deal
    )
    own = Indicator.objects.create(
        framework=framework,
        code="regional-bus-punctuality",
        name="Regional bus punctuality",
        unit=Unit.PERCENT,
        direction=MetricDirection.HIGHER_IS_BETTER,
    )
    area = Area.objects.get(gss_code="E47000007")
    Observation.objects.create(indicator=own, area=area, period="2021", value=Decimal("81.5"))
    Target.objects.create(
        indicator=own, area=area, kind=TargetKind.BASELINE, value=Decimal("80"), year=2021
    )
    client = Client()
    for person, sees in [(second[persona], False), (people.partner, True)]:
        api.force_authenticate(person)
        codes = {
            o["indicator"] for o in api.get("/api/v1/observations/?page_size=500").json()["results"]
        }
        assert (own.code in codes) is sees
        targets = api.get("/api/v1/targets/").json()["results"]
        assert any(t["indicator"] == own.code for t in targets) is sees
        detail = api.get(f"/api/v1/indicators/{own.code}/")
        assert detail.status_code == (200 if sees else 404)
        client.force_login(person)
        assert client.get(f"/indicators/{own.code}/").status_code == (200 if sees else 404)
    # The national figures stay everyone's.
    api.force_authenticate(second[persona])
    assert api.get("/api/v1/indicators/gva_per_hour_worked/").status_code == 200


@pytest.mark.parametrize("persona", ["admin", "lead", "partner"])
def test_the_second_deals_people_see_nothing_of_the_first_on_pages_and_in_exports(
    client: Client,
    people: People,
    second: dict[str, User],
    sensitive_update: StatusUpdate,
    persona: str,
) -> None:
    client.force_login(second[persona])
    for page in ["/", "/workstreams/", "/proposals/", "/meetings/", "/exports/"]:
        response = client.get(page)
        assert response.status_code == 200, page
        assert SECRET not in response.content.decode(), page
    for kind in ["workstreams", "proposals", "decisions", "risks"]:
        response = client.get(f"/exports/{kind}.csv")
        assert response.status_code == 200, kind
        body = b"".join(getattr(response, "streaming_content", [response.content])).decode()
        assert SECRET not in body and "Transport" not in body, kind
    # Asking for the West Midlands by name finds nothing.
    wm = f"?deal={people.deal.slug}"
    for page in ["/workstreams/", "/exports/workstreams.csv", "/dashboard/"]:
        assert client.get(page + wm).status_code == 404, page
    assert client.get("/workstreams/transport/").status_code == 404


# --- The Django admin -------------------------------------------------------------------------

OUR_APPS = ("core", "accounts", "tracker", "missions", "delivery", "briefings")


def _admin_url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _scoped_models() -> list[type[Model]]:
    return [
        model
        for model in admin.site._registry
        if model._meta.app_label in OUR_APPS and getattr(model, "deal_path", None)
    ]


def test_in_the_django_admin_the_second_deals_administrator_sees_only_their_deal(
    people: People, second: dict[str, User], sensitive_update: StatusUpdate
) -> None:
    client = Client()
    client.force_login(second["admin"])
    northfold = Deal.objects.get(slug="northfold")
    assert client.get("/admin/").status_code == 200
    checked = 0
    for model in _scoped_models():
        listed = client.get(_admin_url(model, "changelist"))
        assert listed.status_code == 200, model
        shown = set(listed.context["cl"].queryset.values_list("pk", flat=True))
        # Each row of the West Midlands is neither listed nor opened.
        theirs = model._default_manager.filter(**{model.deal_path: people.deal.pk})
        for row in theirs[:3]:
            assert row.pk not in shown, (model, row)
            opened = client.get(_admin_url(model, "change", row.pk))
            assert opened.status_code == 302, (model, row)  # "doesn't exist", back to the index
            checked += 1
        # What is listed is theirs, or reference rows every deal shares.
        assert shown <= set(
            in_deals(model._default_manager.all(), {northfold.pk}).values_list("pk", flat=True)
        ), model
        assert SECRET not in listed.content.decode()
    assert checked > 20
    history = client.get(reverse("admin:tracker_statusupdate_history", args=[sensitive_update.pk]))
    assert history.status_code in (302, 403, 404)


def test_the_first_deals_administrator_still_runs_their_deal_in_the_admin(
    people: People, second: dict[str, User], sensitive_update: StatusUpdate
) -> None:
    Membership.objects.filter(user=people.admin).delete()
    Membership.objects.create(user=people.admin, deal=people.deal, role=Role.ADMIN)
    client = Client()
    client.force_login(people.admin)
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    page = client.get(_admin_url(Workstream, "change", transport.pk))
    assert page.status_code == 200 and page.context["has_change_permission"]
    assert client.get(_admin_url(StatusUpdate, "change", sensitive_update.pk)).status_code == 200
    harbour = Workstream.objects.get(slug="harbour-skills")
    assert client.get(_admin_url(Workstream, "change", harbour.pk)).status_code == 302
    # Reference data, which every deal shares, is read only; operators' models are not shown.
    from missions.models import Mission

    mission = Mission.objects.first()
    assert mission is not None
    page = client.get(_admin_url(Mission, "change", mission.pk))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


def test_a_deals_administrator_cannot_make_anyone_a_superuser_or_edit_a_shared_person(
    people: People, second: dict[str, User]
) -> None:
    northfold = Deal.objects.get(slug="northfold")
    nora, niall = second["admin"], second["lead"]
    client = Client()
    client.force_login(nora)
    page = client.get(_admin_url(User, "change", niall.pk))
    assert page.status_code == 200
    form_fields = page.context["adminform"].form.fields
    assert "is_superuser" not in form_fields and "is_staff" not in form_fields
    assert "user_permissions" not in form_fields and "groups" not in form_fields
    # Dan sits on the West Midlands DSG and on Northfold's: Nora may see him, not change him.
    Membership.objects.create(user=people.dsg, deal=northfold, role=Role.DSG)
    page = client.get(_admin_url(User, "change", people.dsg.pk))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    response = client.post(
        reverse("admin:auth_user_password_change", args=[people.dsg.pk]),
        {"password1": "a-new-long-password", "password2": "a-new-long-password"},
    )
    assert response.status_code == 403
    people.dsg.refresh_from_db()
    assert people.dsg.check_password(PASSWORD)
    # Someone only in the West Midlands is not there at all.
    assert client.get(_admin_url(User, "change", people.lead.pk)).status_code == 302


def test_a_deals_administrator_chooses_only_among_their_deals_rows(
    people: People, second: dict[str, User]
) -> None:
    client = Client()
    client.force_login(second["admin"])
    page = client.get(_admin_url(Workstream, "add"))
    assert page.status_code == 200
    themes = page.context["adminform"].form.fields["theme"].queryset
    assert {theme.deal.slug for theme in themes} == {"northfold"}
    deals = page.context["adminform"].form.fields["deal"].queryset
    assert [deal.slug for deal in deals] == ["northfold"]
    # Nor may they add a deal: that is running the site.
    assert client.get(_admin_url(Deal, "add")).status_code == 403


@pytest.mark.parametrize("persona", ["admin", "lead", "partner"])
@time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False)
def test_the_second_deals_calendar_feeds_hold_none_of_the_first_deals_meetings(
    client: Client, people: People, second: dict[str, User], persona: str
) -> None:
    wm_body = chain_of(people.deal)[0]
    services.meeting_create(
        body=wm_body,
        acting_user=people.admin,
        starts_at=dt.datetime(2026, 12, 15, 10, 0, tzinfo=dt.UTC),
    )
    token = accounts_services.calendar_token_reset(user=second[persona])
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert not [e for e in events if wm_body.name in str(e.get("SUMMARY"))]
    # The West Midlands' own people do get it.
    token = accounts_services.calendar_token_reset(user=people.dsg)
    events = Calendar.from_ical(client.get(f"/calendar/{token}.ics").content).walk("VEVENT")
    assert [e for e in events if wm_body.name in str(e.get("SUMMARY"))]
