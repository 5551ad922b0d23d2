"""The Django admin writes by the same rules as the pages and the API.

Found by an issue: the admin saved rows as its forms stood, around the services. Setting a
workstream's status to merged there moved none of its open work, and an edit there never moved a
record's revision on, so an API client's If-Match missed it. Now every admin class says how it
writes (``accounts.admin_scope``): through the services, read-only, or plainly, with the reason.
The walk of the registry here fails for an admin that has not decided, or whose decision its
code does not keep; the rest try the admin's own forms as a deal's administrator would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.admin.options import BaseModelAdmin, InlineModelAdmin
from django.db.models import Model
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_scope import (
    OPERATORS_ONLY,
    PLAIN,
    READ_ONLY,
    SERVICES,
    DealScoped,
    ScopedModelAdmin,
    ScopedTabularInline,
)
from accounts.models import User
from core.choices import Classification
from core.models import Membership
from tracker import services
from tracker.choices import Direction, Rag, WorkstreamStatus
from tracker.models import Decision, Milestone, Risk, StatusUpdate, Theme, Workstream

from .conftest import People, sign_in_verified

OUR_APPS = ("accounts", "tracker", "missions", "delivery", "briefings")


# --- Every admin has decided how it writes ----------------------------------------------------


def _ours(cls: type) -> bool:
    return cls.__module__.split(".")[0] in OUR_APPS


def _defined_by_us(cls: type, method: str) -> bool:
    """Is ``method`` of this admin class our code, not Django's or a library's default?"""
    owner = next(klass for klass in cls.__mro__ if method in vars(klass))
    return _ours(owner)


def _decision(cls: type) -> str | None:
    writes = getattr(cls, "writes", None)
    if writes in (SERVICES, READ_ONLY):
        return writes
    if isinstance(writes, str) and writes.startswith(PLAIN) and len(writes) > len(PLAIN) + 10:
        return PLAIN
    return None


def _request(user: User) -> HttpRequest:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _inlines(model_admin: BaseModelAdmin, site: AdminSite) -> Iterator[InlineModelAdmin]:
    for inline in model_admin.inlines:
        yield inline(model_admin.model, site)


def _writes(admin_obj: BaseModelAdmin, request: HttpRequest) -> list[str]:
    """What this admin lets the person do, of adding, changing and deleting."""
    add = (
        admin_obj.has_add_permission(request, None)
        if isinstance(admin_obj, InlineModelAdmin)
        else admin_obj.has_add_permission(request)
    )
    allowed = {
        "add": add,
        "change": admin_obj.has_change_permission(request),
        "delete": admin_obj.has_delete_permission(request),
    }
    return [name for name, yes in allowed.items() if yes]


def problems(site: AdminSite, deal_admin: User, operator: User) -> list[str]:
    """Every admin of the site (and each of its inlines) whose decision is missing or not kept."""
    found: list[str] = []
    people = {"a deal's administrator": _request(deal_admin), "an operator": _request(operator)}
    for model, model_admin in site._registry.items():
        label = model._meta.label_lower
        cls = type(model_admin)
        if not (_ours(cls) or issubclass(cls, DealScoped)):
            if label not in OPERATORS_ONLY:
                found.append(f"{label}: a library's admin, not listed in OPERATORS_ONLY")
            request = people["a deal's administrator"]
            if model_admin.has_module_permission(request) or _writes(model_admin, request):
                found.append(f"{label}: a library's admin a deal's administrator can use")
            continue
        found += _kept(label, model_admin, people)
        for inline in _inlines(model_admin, site):
            found += _kept(f"{label} ({type(inline).__name__})", inline, people, model_admin)
        if isinstance(model_admin, SimpleHistoryAdmin) and not model_admin.revert_disabled(
            people["an operator"]
        ):
            found.append(f"{label}: its history can be reverted to, around the services")
    return found


def _kept(
    name: str,
    admin_obj: BaseModelAdmin,
    people: dict[str, HttpRequest],
    parent: BaseModelAdmin | None = None,
) -> list[str]:
    cls, decision = type(admin_obj), _decision(type(admin_obj))
    if decision is None:
        return [f"{name}: {cls.__name__} declares no decision (writes = ...)"]
    if decision == READ_ONLY:
        return [
            f"{name}: read-only, but {who} may {', '.join(allowed)}"
            for who, request in people.items()
            if (allowed := _writes(admin_obj, request))
        ]
    if decision == PLAIN:
        if any(field.name == "revision" for field in admin_obj.model._meta.concrete_fields):
            return [f"{name}: saved plainly, but its revision moves on only in the services"]
        return []
    # Through the services.
    if parent is not None:  # an inline's rows are saved by its parent's admin
        if not _defined_by_us(type(parent), "save_formset"):
            return [f"{name}: through the services, but its parent saves it as Django does"]
        return []
    hooks = ["save_model", "save_related"]
    if admin_obj.has_delete_permission(people["an operator"]):
        hooks += ["delete_model", "delete_queryset"]
    return [
        f"{name}: through the services, but {hook} is Django's"
        for hook in hooks
        if not _defined_by_us(cls, hook)
    ]


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_superuser(email="root@example.org", password="x" * 20)


def test_every_admin_and_inline_has_decided_how_it_writes_and_keeps_to_it(
    people: People, operator: User
) -> None:
    assert problems(admin.site, people.admin, operator) == []


def test_the_walk_finds_an_admin_that_has_not_decided_or_does_not_keep_its_decision(
    people: People, operator: User
) -> None:
    """What the walk above would say if these were registered: it can fail."""

    class Undecided(ScopedModelAdmin):
        pass

    class PlainRisks(ScopedModelAdmin):
        writes = PLAIN + "risks have no rules, it says"

    class CarelessServices(ScopedModelAdmin):
        writes = SERVICES

    class LeakyReadOnly(ScopedModelAdmin):
        writes = READ_ONLY

    class UndecidedInline(ScopedTabularInline):
        model = Workstream

    class ThemeWithUndecidedInline(ScopedModelAdmin):
        writes = PLAIN + "a theme is a name and a place in the list"
        inlines = (UndecidedInline,)

    site = AdminSite(name="probe")
    site.register(Workstream, Undecided)
    site.register(Risk, PlainRisks)
    site.register(Milestone, CarelessServices)
    site.register(Decision, LeakyReadOnly)
    site.register(Theme, ThemeWithUndecidedInline)
    site.register(Membership, admin.ModelAdmin)  # a library's way, unlisted
    found = "\n".join(problems(site, people.admin, operator))
    assert "tracker.workstream: Undecided declares no decision" in found
    assert "tracker.risk: saved plainly, but its revision moves on only in the services" in found
    assert "tracker.milestone: through the services, but save_model is Django's" in found
    assert "tracker.decision: read-only, but a deal's administrator may add, change" in found
    assert "tracker.decision: read-only, but an operator may add, change, delete" in found
    assert "tracker.theme (UndecidedInline): UndecidedInline declares no decision" in found
    assert "core.membership: a library's admin, not listed in OPERATORS_ONLY" in found


# --- The admin's forms, as a deal's administrator uses them -----------------------------------


def _value(value: Any) -> Any:
    if value is True:
        return "on"
    if value is False or value is None:
        return None  # an unticked box, an empty choice: not posted
    return value


def posted(page: Any, **changes: Any) -> dict[str, Any]:
    """What the admin's change page posts when saved as it stands, with these changes. Rows of
    its inlines are left as they are (none posted)."""
    form = page.context["adminform"].form
    data = {name: _value(form[name].value()) for name in form.fields}
    for inline in page.context.get("inline_admin_formsets", []):
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    data |= changes
    return {name: value for name, value in data.items() if value is not None}


def _errors(response: Any) -> Any:
    context = getattr(response, "context", None) or {}
    return context["adminform"].form.errors if "adminform" in context else response


@pytest.fixture
def core_team(client: Client, people: People, settings: Any) -> Client:
    """The deal's administrator in the Django admin, signed in with their second factor."""
    settings.TWO_FACTOR_REQUIRED = True
    sign_in_verified(client, people.admin)
    return client


def _ws(slug: str) -> Workstream:
    return Workstream.objects.get(deal__slug="wmca-tdd", slug=slug)


def _risk(people: People, slug: str = "transport") -> Risk:
    return services.risk_create(
        workstream=_ws(slug),
        acting_user=people.lead,
        title="Operators walk away from talks",
        likelihood=3,
        impact=4,
    )


def test_merging_a_workstream_in_the_admin_moves_its_open_work_to_the_survivor(
    core_team: Client, people: People
) -> None:
    transport, skills = _ws("transport"), _ws("skills")
    risk = _risk(people)
    proposal = services.proposal_create(
        workstream=transport,
        acting_user=people.lead,
        title="Bus franchising",
        classification=Classification.OFFICIAL,
    )
    url = reverse("admin:tracker_workstream_change", args=[transport.pk])
    response = core_team.post(
        url, posted(core_team.get(url), status=WorkstreamStatus.MERGED, merged_into=skills.pk)
    )
    assert response.status_code == 302, _errors(response)
    transport.refresh_from_db()
    assert (transport.status, transport.merged_into) == (WorkstreamStatus.MERGED, skills)
    assert transport.history.first().history_user == people.admin
    risk.refresh_from_db()
    assert (risk.workstream, risk.revision) == (skills, 2)
    proposal.refresh_from_db()
    assert proposal.workstream == skills
    # Merged it stays: its status is no longer a field of the form.
    assert "status" not in core_team.get(url).context["adminform"].form.fields


def test_a_merge_the_service_refuses_is_shown_on_its_field_and_nothing_moves(
    core_team: Client, people: People
) -> None:
    transport, skills = _ws("transport"), _ws("skills")
    services.workstream_cease(workstream=skills, acting_user=people.admin, reason="Done")
    risk = _risk(people)
    url = reverse("admin:tracker_workstream_change", args=[transport.pk])
    response = core_team.post(
        url, posted(core_team.get(url), status=WorkstreamStatus.MERGED, merged_into=skills.pk)
    )
    assert response.status_code == 200
    assert "is not active" in str(response.context["adminform"].form.errors["merged_into"])
    transport.refresh_from_db()
    risk.refresh_from_db()
    assert transport.status == WorkstreamStatus.ACTIVE
    assert (risk.workstream, risk.revision) == (transport, 1)


def test_a_risk_changed_in_the_admin_moves_its_revision_on_so_a_stale_if_match_is_refused(
    core_team: Client, api: APIClient, people: People
) -> None:
    risk = _risk(people)
    api.force_authenticate(people.lead)
    address = f"/api/v1/risks/{risk.pk}/"
    tag = api.get(address)["ETag"]
    assert tag == '"1"'

    url = reverse("admin:tracker_risk_change", args=[risk.pk])
    response = core_team.post(url, posted(core_team.get(url), mitigation="Weekly calls."))
    assert response.status_code == 302, _errors(response)
    risk.refresh_from_db()
    assert (risk.mitigation, risk.revision) == ("Weekly calls.", 2)
    assert risk.history.first().history_user == people.admin

    stale = api.patch(address, {"impact": 5}, format="json", HTTP_IF_MATCH=tag)
    assert stale.status_code == 412
    assert api.get(address)["ETag"] == '"2"'


def test_a_risk_added_in_the_admin_is_added_by_the_service_with_its_history(
    core_team: Client, people: People
) -> None:
    transport = _ws("transport")
    response = core_team.post(
        reverse("admin:tracker_risk_add"),
        {
            "workstream": transport.pk,
            "title": "Funding gap",
            "likelihood": "2",
            "impact": "5",
            "status": "open",
            "classification": Classification.OFFICIAL,
        },
    )
    assert response.status_code == 302, _errors(response)
    risk = Risk.objects.get(title="Funding gap")
    assert (risk.workstream, risk.revision) == (transport, 1)
    assert risk.history.get().history_user == people.admin


def test_what_a_service_refuses_is_shown_on_the_admins_form_and_nothing_is_written(
    core_team: Client, people: People
) -> None:
    risk = _risk(people)
    services.workstream_cease(workstream=_ws("transport"), acting_user=people.admin, reason="Gone")
    url = reverse("admin:tracker_risk_change", args=[risk.pk])
    response = core_team.post(url, posted(core_team.get(url), title="Renamed"))
    assert response.status_code == 200
    refusal = str(response.context["adminform"].form.non_field_errors())
    assert "its log is read-only" in refusal
    assert "Renamed" in response.content.decode()  # what was typed is shown again
    risk.refresh_from_db()
    assert (risk.title, risk.revision) == ("Operators walk away from talks", 1)


def test_a_proposals_ask_is_fixed_in_the_admin_once_it_has_left_draft(
    core_team: Client, people: People
) -> None:
    proposal = services.proposal_create(
        workstream=_ws("transport"),
        acting_user=people.lead,
        title="Bus franchising",
        classification=Classification.OFFICIAL,
        ask="Powers to franchise buses.",
        ask_type="power",
    )
    services.proposal_submit(proposal=proposal, acting_user=people.lead)
    url = reverse("admin:tracker_proposal_change", args=[proposal.pk])
    response = core_team.post(url, posted(core_team.get(url), ask="Powers over trams too."))
    assert response.status_code == 200
    assert "has left draft" in str(response.context["adminform"].form.non_field_errors())
    proposal.refresh_from_db()
    assert (proposal.ask, proposal.revision) == ("Powers to franchise buses.", 2)
    # What stays open is changed through the service, and its revision moves on.
    response = core_team.post(url, posted(core_team.get(url), progress="Officials engaged."))
    assert response.status_code == 302, _errors(response)
    proposal.refresh_from_db()
    assert (proposal.progress, proposal.revision) == ("Officials engaged.", 3)


def test_no_version_in_a_history_is_reverted_to_around_the_services(
    core_team: Client, people: People
) -> None:
    risk = _risk(people)
    services.risk_update(risk=risk, acting_user=people.lead, impact=5)
    update = services.status_update_submit(
        workstream=_ws("transport"),
        acting_user=people.lead,
        rag=Rag.GREEN,
        direction=Direction.STABLE,
        summary="On track.",
    )
    for model, row in [(Risk, risk), (StatusUpdate, update)]:
        first = row.history.order_by("history_id").first()
        name = f"admin:tracker_{model._meta.model_name}_simple_history"
        url = reverse(name, args=[row.pk, first.history_id])
        page = core_team.get(url)
        assert page.status_code == 200
        assert page.context["revert_disabled"]
        assert core_team.post(url, posted(page)).status_code == 403, model
    risk.refresh_from_db()
    assert (risk.impact, risk.revision) == (5, 2)
    update.refresh_from_db()
    assert update.summary == "On track."


def _labels(models: list[type[Model]]) -> list[str]:
    return sorted(model._meta.label_lower for model in models)


def test_every_model_with_a_revision_is_written_in_the_admin_only_through_the_services() -> None:
    revised = [
        model
        for model in admin.site._registry
        if any(field.name == "revision" for field in model._meta.concrete_fields)
    ]
    assert _labels(revised) == [
        "delivery.provision",
        "delivery.provisionreport",
        "delivery.provisionreportreview",  # the revision it signs off; shown only
        "tracker.engagemententry",
        "tracker.meeting",
        "tracker.negotiationentry",
        "tracker.proposal",
        "tracker.risk",
    ]
    for model in revised:
        assert admin.site._registry[model].writes in (SERVICES, READ_ONLY), model


def test_a_milestone_added_in_the_admin_is_done_only_once_what_it_depends_on_is_done(
    core_team: Client, people: People
) -> None:
    waiting = Milestone.objects.filter(deal=people.deal).exclude(status="done").first()
    assert waiting is not None
    form = {
        "deal": people.deal.pk,
        "title": "Board approves the Proposition",
        "when_label": "July",
        "starts_on": "2026-07-01",
        "ends_on": "2026-07-31",
        "depends_on": [waiting.pk],
    }
    add = reverse("admin:tracker_milestone_add")
    response = core_team.post(add, form | {"status": "done"})
    assert response.status_code == 200
    refusal = str(response.context["adminform"].form.non_field_errors())
    assert "depends on milestones that are not done yet" in refusal
    assert not Milestone.objects.filter(title=form["title"]).exists()
    response = core_team.post(add, form | {"status": "planned"})
    assert response.status_code == 302, _errors(response)
    added = Milestone.objects.get(title=form["title"])
    assert list(added.depends_on.all()) == [waiting]
