"""The administrators' pages for the figures, tried as every persona: importing a file (upload,
preview, confirm) with the real ONS file, a file with mistakes, and a preview whose copy went
missing or was tampered with; downloading an indicator's figures as CSV and importing them back;
setting and removing baselines and targets."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.choices import Role
from core.models import Deal, Membership
from missions import services, views_figures
from missions.choices import Direction, TargetKind, Unit
from missions.models import Area, Indicator, IndicatorFramework, Observation, Target

from .conftest import PASSWORD, People

ONS = Path(settings.BASE_DIR) / "data" / "ons_subnational_indicators_wmca_2022.csv"
MISSING = {
    "adult_smokers_pct",
    "apprenticeship_starts",
    "gcse_eng_maths_pct",
    "life_satisfaction_mean",
    "net_additional_dwellings",
    "schools_good_outstanding_pct",
}
NOT_ADMINS = ["lead", "other_lead", "sponsor", "dsg", "partner", "nobody"]
EVERYONE = ["admin", *NOT_ADMINS]
IMPORT = "/observations/import/"
CONFIRM = "/observations/import/confirm/"
DONE = "/observations/import/done/"
GVA = "gva_per_hour_worked"

pytestmark = pytest.mark.django_db


# --- Helpers ----------------------------------------------------------------------------------


def ons_rows() -> list[dict[str, str]]:
    with ONS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=services.COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def held() -> tuple[int, int, int, int]:
    return (
        Observation.objects.count(),
        Indicator.objects.count(),
        Observation.history.count(),
        Target.objects.count(),
    )


def upload(client: Client, data: bytes, *, create: bool = False, name: str = "figures.csv") -> Any:
    form: dict[str, Any] = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if create:
        form["create_missing_indicators"] = "on"
    return client.post(IMPORT, form)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text(response: Any) -> str:
    return response.content.decode()


def title(response: Any) -> str:
    match = re.search(r"<title>(.*?)</title>", text(response), re.S)
    assert match
    return " ".join(match[1].split())


def table_rows(page: str) -> list[list[str]]:
    """The body rows of a page's tables, each as its header and cells' text (forms left out)."""
    rows = re.findall(r"<tbody[^>]*>(.*?)</tbody>", page, re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            if "<form" not in c
        ]
        for body in rows
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def as_admin(client: Client, people: People) -> Client:
    client.force_login(people.admin)
    return client


def import_ons(people: People) -> None:
    services.import_observations(
        ONS.read_bytes(), acting_user=people.admin, create_missing_indicators=True
    )


def _deal_indicator(people: People) -> Indicator:
    return Indicator.objects.create(
        framework=IndicatorFramework.objects.get(deal=people.deal),
        code="wm_jobs_created",
        name="Jobs created through the deal",
        unit=Unit.COUNT,
        direction=Direction.HIGHER_IS_BETTER,
    )


def _other_deal_admin() -> User:
    deal = Deal.objects.create(
        name="Greater Manchester Trailblazer", short_name="GM", slug="greater-manchester"
    )
    user = User.objects.create_user(
        email="gina@example.org", password=PASSWORD, full_name="Gina Admin"
    )
    Membership.objects.create(user=user, deal=deal, role=Role.ADMIN)
    return user


# --- Who opens what ---------------------------------------------------------------------------


def _sign_in(client: Client, people: People, persona: str) -> None:
    if persona != "anonymous":
        client.force_login(people.all_roles()[persona])


@pytest.mark.parametrize(
    ("persona", "status"), [("admin", 200), *((p, 403) for p in NOT_ADMINS), ("anonymous", 302)]
)
@pytest.mark.parametrize("url", [IMPORT, f"/indicators/{GVA}/targets/"])
def test_only_an_administrator_opens_the_import_and_targets_pages(
    client: Client, people: People, url: str, persona: str, status: int
) -> None:
    _sign_in(client, people, persona)
    response = client.get(url)
    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("persona", [*NOT_ADMINS, "anonymous"])
def test_no_one_but_an_administrator_uploads_confirms_or_changes_a_target(
    client: Client, people: People, persona: str
) -> None:
    import_ons(people)
    target = services.target_set(
        indicator=Indicator.objects.get(code=GVA),
        area=Area.objects.get(name="Birmingham"),
        kind=TargetKind.BASELINE,
        year=2019,
        value=Decimal("30.62"),
        acting_user=people.admin,
    )
    before = held()
    _sign_in(client, people, persona)
    expected = 302 if persona == "anonymous" else 403
    birmingham = Area.objects.get(name="Birmingham").pk
    responses = [
        upload(client, ONS.read_bytes(), create=True),
        client.post(CONFIRM, {"sha256": sha256(ONS.read_bytes())}),
        client.get(DONE),
        client.post(
            f"/indicators/{GVA}/targets/",
            {"area": birmingham, "kind": "target", "year": "2030", "value": "40"},
        ),
        client.post(f"/indicators/{GVA}/targets/{target.pk}/remove/"),
    ]
    assert [r.status_code for r in responses] == [expected] * len(responses)
    assert held() == before


@pytest.mark.parametrize(("persona", "status"), [*((p, 200) for p in EVERYONE), ("anonymous", 302)])
def test_everyone_signed_in_downloads_an_indicators_figures(
    client: Client, people: People, persona: str, status: int
) -> None:
    import_ons(people)
    _sign_in(client, people, persona)
    assert client.get(f"/indicators/{GVA}/observations.csv").status_code == status


def test_an_indicator_that_does_not_exist_is_not_found(client: Client, people: People) -> None:
    as_admin(client, people)
    assert client.get("/indicators/no_such_thing/observations.csv").status_code == 404
    assert client.get("/indicators/no_such_thing/targets/").status_code == 404
    assert client.post("/indicators/no_such_thing/targets/1/remove/").status_code == 404


def test_confirming_and_removing_take_only_a_post(client: Client, people: People) -> None:
    as_admin(client, people)
    assert client.get(CONFIRM).status_code == 405
    assert client.get(f"/indicators/{GVA}/targets/1/remove/").status_code == 405


def test_a_deal_frameworks_targets_are_kept_by_that_deals_administrators_only(
    client: Client, people: People
) -> None:
    _deal_indicator(people)
    client.force_login(_other_deal_admin())
    assert client.get("/indicators/wm_jobs_created/targets/").status_code == 403
    assert client.get(f"/indicators/{GVA}/targets/").status_code == 200  # a national one
    client.force_login(people.admin)
    assert client.get("/indicators/wm_jobs_created/targets/").status_code == 200


# --- Upload, preview, confirm -----------------------------------------------------------------


def test_the_upload_page_asks_for_a_file_and_whether_to_create_indicators(
    client: Client, people: People
) -> None:
    response = as_admin(client, people).get(IMPORT)
    page = text(response)
    assert title(response) == "Import figures – Devolution deal tracker"
    assert 'enctype="multipart/form-data"' in page
    assert '<label class="govuk-label" for="id_file">Upload a CSV file</label>' in page
    assert 'id="id_file_helptext"' in page and 'aria-describedby="id_file_helptext"' in page
    assert "Create indicators the file names that are not known yet" in page
    assert 'name="create_missing_indicators"' in page


def test_the_real_file_is_previewed_then_imported_when_confirmed(
    client: Client, people: People
) -> None:
    as_admin(client, people)
    data = ONS.read_bytes()
    before = held()

    preview = upload(client, data, create=True, name="ons_2022.csv")

    assert preview.status_code == 200
    assert title(preview) == "Check the figures before importing – Devolution deal tracker"
    page = text(preview)
    plan = preview.context["plan"]
    assert (len(plan.new), len(plan.corrected), plan.unchanged) == (84, 0, 0)
    assert re.search(r"New figures</dt>\s*<dd[^>]*>84</dd>", page)
    assert re.search(r"Unchanged figures</dt>\s*<dd[^>]*>0</dd>", page)
    assert re.search(r"New indicators</dt>\s*<dd[^>]*>6</dd>", page)
    for code in MISSING:
        assert f'<th scope="row" class="govuk-table__header">{code}</th>' in page
    assert len(re.findall(r"is ambiguous: a financial year", page)) == 14
    assert f'<input type="hidden" name="sha256" value="{sha256(data)}">' in page
    assert "Confirm the import" in page and "govuk-error-summary" not in page
    assert held() == before  # a preview writes nothing

    confirmed = client.post(CONFIRM, {"sha256": sha256(data)})

    assert confirmed.status_code == 302 and confirmed["Location"] == DONE
    assert Observation.objects.count() == 84
    assert Indicator.objects.filter(code__in=MISSING).count() == 6
    assert set(h.history_user for h in Observation.history.all()) == {people.admin}
    assert views_figures.PENDING_KEY not in client.session

    done = client.get(DONE)
    assert done.status_code == 200
    page = text(done)
    assert '<h1 class="govuk-panel__title">Figures imported</h1>' in page
    assert "84 new, 0 corrected" in page and "From ons_2022.csv:" in page
    codes = {r["indicator"] for r in ons_rows()}
    assert len(codes) == 12
    for code in codes:
        assert f'href="/indicators/{code}/observations.csv"' in page
        assert f'href="/indicators/{code}/targets/"' in page


def test_confirming_twice_imports_once(client: Client, people: People) -> None:
    as_admin(client, people)
    data = ONS.read_bytes()
    upload(client, data, create=True)
    client.post(CONFIRM, {"sha256": sha256(data)})
    before = held()

    again = client.post(CONFIRM, {"sha256": sha256(data)})

    assert again.status_code == 302 and again["Location"] == DONE
    assert held() == before


def test_a_corrected_figure_is_previewed_with_its_old_and_new_values(
    client: Client, people: People
) -> None:
    import_ons(people)
    rows = ons_rows()
    dudley = next(r for r in rows if r["indicator"] == GVA and r["area_name"] == "Dudley")
    dudley["value"] = "26.75"
    data = as_csv(rows)
    as_admin(client, people)

    preview = upload(client, data)

    page = text(preview)
    assert re.search(r"Corrected figures</dt>\s*<dd[^>]*>1</dd>", page)
    assert re.search(r"Unchanged figures</dt>\s*<dd[^>]*>83</dd>", page)
    name = Indicator.objects.get(code=GVA).name
    row = re.search(rf"<th scope=\"row\"[^>]*>{name}</th>(.*?)</tr>", page, re.S)
    assert row, page
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row[1])
    assert cells == ["Dudley", "2019", "26.6", "26.75"]

    client.post(CONFIRM, {"sha256": sha256(data)})

    observation = Observation.objects.get(indicator__code=GVA, area__name="Dudley")
    assert observation.value == Decimal("26.75")
    assert [h.value for h in observation.history.order_by("history_date")] == [
        Decimal("26.6"),
        Decimal("26.75"),
    ]
    assert "0 new, 1 corrected" in text(client.get(DONE))


def test_a_file_that_changes_nothing_offers_nothing_to_confirm(
    client: Client, people: People
) -> None:
    import_ons(people)
    preview = upload(as_admin(client, people), ONS.read_bytes(), create=True)
    page = text(preview)
    assert re.search(r"Unchanged figures</dt>\s*<dd[^>]*>84</dd>", page)
    assert "This file changes nothing" in page
    assert "Confirm the import" not in page


def test_confirming_plans_the_file_again_against_the_figures_held_now(
    client: Client, people: People
) -> None:
    as_admin(client, people)
    data = ONS.read_bytes()
    upload(client, data, create=True)
    import_ons(people)  # someone imported the same file in the meantime
    before = held()

    client.post(CONFIRM, {"sha256": sha256(data)})

    assert held() == before
    assert "0 new, 0 corrected" in text(client.get(DONE))


def test_a_confirm_racing_another_import_writes_once_and_shows_the_figures_again(
    client: Client, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_admin(client, people)
    data = ONS.read_bytes()
    upload(client, data, create=True)
    apply_plan = services.apply_plan
    raced: list[bool] = []

    def after_another_import(plan: services.ImportPlan, **kwargs: Any) -> None:
        if not raced:  # another import commits between this confirm's plan and its writing
            raced.append(True)
            import_ons(people)
        apply_plan(plan, **kwargs)

    monkeypatch.setattr(services, "apply_plan", after_another_import)
    response = client.post(CONFIRM, {"sha256": sha256(data)})

    assert response.status_code == 200
    page = text(response)
    assert "The figures changed while importing: check them again" in page
    assert "This file changes nothing" in page
    assert (Observation.objects.count(), Observation.history.count()) == (84, 84)
    assert Indicator.objects.filter(code__in=MISSING).count() == 6


def test_a_confirm_that_finds_the_file_wrong_now_shows_why_and_writes_nothing(
    client: Client, people: People
) -> None:
    as_admin(client, people)
    rows = [r for r in ons_rows() if r["indicator"] not in MISSING]
    data = as_csv(rows)
    assert upload(client, data).context["plan"].ok
    Indicator.objects.filter(code=GVA).delete()  # removed since the preview
    before = held()

    response = client.post(CONFIRM, {"sha256": sha256(data)})

    assert response.status_code == 200
    assert title(response).startswith("Error: Check the figures before importing")
    assert "The indicator &#x27;gva_per_hour_worked&#x27; is not one this app knows" in text(
        response
    )
    assert held() == before


def test_a_file_with_a_bad_row_is_previewed_with_the_reasons_and_cannot_be_confirmed(
    client: Client, people: People
) -> None:
    rows = [r for r in ons_rows() if r["indicator"] not in MISSING]
    rows.insert(5, rows[0] | {"period": "2018", "area_code": "E08999999"})
    data = as_csv(rows)
    as_admin(client, people)
    before = held()

    preview = upload(client, data)

    assert preview.status_code == 200
    assert title(preview) == "Error: Check the figures before importing – Devolution deal tracker"
    page = text(preview)
    assert '<div class="govuk-error-summary" data-module="govuk-error-summary">' in page
    reason = "The area code &#x27;E08999999&#x27; is not an area this app knows."
    assert f'<li><a href="#row-error-1">Row 7: {reason}</a></li>' in page
    assert re.search(
        rf'id="row-error-1">\s*<th[^>]*>7</th>\s*<td[^>]*>{re.escape(reason)}</td>', page
    )
    assert "1 row of the file is wrong" in page
    assert "Confirm the import" not in page and 'name="sha256"' not in page
    assert 'for="id_file"' in page  # a corrected file can be uploaded from here
    assert views_figures.PENDING_KEY not in client.session
    assert client.post(CONFIRM, {"sha256": sha256(data)}).status_code == 200
    assert held() == before


def test_unknown_indicators_without_the_tick_are_listed_row_by_row(
    client: Client, people: People
) -> None:
    preview = upload(as_admin(client, people), ONS.read_bytes())
    page = text(preview)
    assert "42 rows of the file are wrong" in page
    assert len(re.findall(r'<li><a href="#row-error-\d+">Row \d+: The indicator', page)) == 10
    assert '<li><a href="#row-errors">All 42 problems</a></li>' in page
    assert len(re.findall(r'<tr class="govuk-table__row" id="row-error-\d+">', page)) == 42
    assert Observation.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "The selected file is empty"),
        (b"x" * (services.MAX_IMPORT_BYTES + 1), "The selected file must be smaller than 5 MB"),
    ],
    ids=["empty", "too-large"],
)
def test_a_file_refused_before_reading_is_an_error_on_the_field(
    client: Client, people: People, data: bytes, reason: str
) -> None:
    response = upload(as_admin(client, people), data)
    page = text(response)
    assert title(response) == "Error: Import figures – Devolution deal tracker"
    assert f'<li><a href="#id_file">{reason}</a></li>' in page
    assert 'id="id_file_error"' in page and 'aria-invalid="true"' in page
    assert Observation.objects.count() == 0


def test_no_file_chosen_is_an_error_on_the_field(client: Client, people: People) -> None:
    response = as_admin(client, people).post(IMPORT, {"create_missing_indicators": "on"})
    assert title(response).startswith("Error: Import figures")
    assert '<li><a href="#id_file">Select a CSV file</a></li>' in text(response)


def test_a_file_that_is_not_utf_8_is_previewed_as_wrong(client: Client, people: People) -> None:
    data = "indicator,unit,period,area_code,value\ngva_per_hour_worked,GBP,2018,E08000025,£3\n"
    preview = upload(as_admin(client, people), data.encode("cp1252"))
    assert title(preview).startswith("Error: ")
    assert "Row 1: The file is not UTF-8 text" in text(preview)


@pytest.mark.parametrize("tamper", ["missing", "other-digest", "other-bytes", "garbled"])
def test_a_confirm_without_the_previewed_copy_asks_for_the_file_again(
    client: Client, people: People, tamper: str
) -> None:
    as_admin(client, people)
    data = ONS.read_bytes()
    upload(client, data, create=True)
    digest = sha256(data)
    session = client.session
    pending = session[views_figures.PENDING_KEY]
    if tamper == "missing":
        del session[views_figures.PENDING_KEY]
    elif tamper == "other-digest":
        digest = sha256(data + b"\n")
    elif tamper == "other-bytes":
        pending["data"] = base64.b64encode(data.replace(b"26.60", b"99.99")).decode()
    else:
        pending["data"] = "not base64 at all!"
    session.save()
    before = held()

    response = client.post(CONFIRM, {"sha256": digest})

    assert response.status_code == 200
    assert title(response) == "Error: Import figures – Devolution deal tracker"
    assert (
        '<li><a href="#id_file">The file you checked is no longer held for importing, or is not '
        "the one shown: upload it again</a></li>"
    ) in text(response)
    assert held() == before


def test_a_new_upload_replaces_the_one_waiting(client: Client, people: People) -> None:
    as_admin(client, people)
    first = ONS.read_bytes()
    second = as_csv([r for r in ons_rows() if r["indicator"] == GVA])
    upload(client, first, create=True)
    upload(client, second)

    assert client.post(CONFIRM, {"sha256": sha256(first)}).status_code == 200
    assert Observation.objects.count() == 0
    client.post(CONFIRM, {"sha256": sha256(second)})
    assert Observation.objects.count() == 7


def test_the_result_page_without_an_import_sends_you_to_the_upload(
    client: Client, people: People
) -> None:
    response = as_admin(client, people).get(DONE)
    assert response.status_code == 302 and response["Location"] == IMPORT


# --- CSV download -----------------------------------------------------------------------------


def test_the_download_is_the_indicators_figures_in_the_import_format(
    client: Client, people: People
) -> None:
    import_ons(people)
    services.import_observations(
        as_csv([ons_rows()[0] | {"period": "2018", "value": "29.9"}]), acting_user=people.admin
    )
    client.force_login(people.partner)

    response = client.get(f"/indicators/{GVA}/observations.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="gva_per_hour_worked-observations.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert list(rows[0]) == services.COLUMNS
    # By area code, then period.
    assert [(r["area_code"], r["period"]) for r in rows[:3]] == [
        ("E08000025", "2018"),
        ("E08000025", "2019"),
        ("E08000026", "2019"),
    ]
    published = {r["area_code"]: Decimal(r["value"]) for r in ons_rows() if r["indicator"] == GVA}
    downloaded = {r["area_code"]: Decimal(r["value"]) for r in rows if r["period"] == "2019"}
    assert downloaded == published and len(rows) == 8


def test_a_downloaded_file_uploaded_again_changes_nothing(client: Client, people: People) -> None:
    import_ons(people)
    as_admin(client, people)
    data = client.get(f"/indicators/{GVA}/observations.csv").content

    preview = upload(client, data)

    plan = preview.context["plan"]
    assert plan.ok and (len(plan.new), len(plan.corrected), plan.unchanged) == (0, 0, 7)
    assert "This file changes nothing" in text(preview)


FORMULAS = [
    '=HYPERLINK("https://attacker.example/","Open the source")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def test_the_download_writes_an_imported_formula_as_text_and_reads_it_back_as_it_was(
    client: Client, people: People
) -> None:
    """A partner may download the file: a source that would run as a formula in their
    spreadsheet is written with a leading apostrophe (plain text), a negative figure stays a
    number, and the file uploaded again changes nothing."""
    import_ons(people)
    rows = [
        ons_rows()[0] | {"period": str(2010 + n), "value": "-1.5", "source": formula}
        for n, formula in enumerate(FORMULAS)
    ]
    services.import_observations(as_csv(rows), acting_user=people.admin)
    client.force_login(people.partner)
    data = client.get(f"/indicators/{GVA}/observations.csv").content
    downloaded = {r["period"]: r for r in csv.DictReader(io.StringIO(data.decode()))}
    for n, formula in enumerate(FORMULAS):
        row = downloaded[str(2010 + n)]
        assert row["source"] == "'" + formula
        assert row["value"] == "-1.5"

    as_admin(client, people)
    plan = upload(client, data).context["plan"]
    assert plan.ok and (len(plan.new), len(plan.corrected)) == (0, 0)


# --- Baselines and targets --------------------------------------------------------------------


def _targets_url(code: str = GVA) -> str:
    return f"/indicators/{code}/targets/"


def _area(name: str) -> Area:
    return Area.objects.get(name=name)


def test_an_administrator_sets_a_baseline_and_a_target(client: Client, people: People) -> None:
    as_admin(client, people)
    page = text(client.get(_targets_url()))
    assert "No baselines or targets set yet." in page

    response = client.post(
        _targets_url(),
        {
            "area": _area("Birmingham").pk,
            "kind": "baseline",
            "year": "2019",
            "value": "30.62",
            "rationale": "ONS Subnational Indicators, 2019",
        },
    )
    assert response.status_code == 302 and response["Location"] == _targets_url()
    client.post(
        _targets_url(),
        {"area": _area("Birmingham").pk, "kind": "target", "year": "2030", "value": "35"},
    )
    client.post(
        _targets_url(),
        {"area": _area("Birmingham").pk, "kind": "baseline", "year": "2020", "value": "31.0000"},
    )

    targets = Target.objects.filter(indicator__code=GVA).order_by("kind", "year")
    assert [(t.kind, t.year, t.value) for t in targets] == [
        ("baseline", 2020, Decimal("31")),  # the baseline moved
        ("target", 2030, Decimal("35")),
    ]
    assert {h.history_user for h in Target.history.all()} == {people.admin}
    page = text(client.get(_targets_url()))
    assert table_rows(page) == [
        ["Birmingham", "Baseline", "2020", "31", "None given"],
        ["Birmingham", "Target", "2030", "35", "None given"],
    ]
    assert "Baseline for Birmingham in 2020 saved" in page


def test_an_administrator_removes_a_target(client: Client, people: People) -> None:
    indicator = Indicator.objects.get(code=GVA)
    target = services.target_set(
        indicator=indicator,
        area=_area("Coventry"),
        kind=TargetKind.TARGET,
        year=2030,
        value=Decimal("40"),
        acting_user=people.admin,
    )
    as_admin(client, people)
    page = text(client.get(_targets_url()))
    assert f'action="/indicators/{GVA}/targets/{target.pk}/remove/"' in page
    assert (
        'Remove<span class="govuk-visually-hidden"> the target for 2030 in Coventry</span>' in page
    )

    response = client.post(f"/indicators/{GVA}/targets/{target.pk}/remove/")

    assert response.status_code == 302 and response["Location"] == _targets_url()
    assert not Target.objects.exists()
    removed = Target.history.get(history_type="-")
    assert removed.history_user == people.admin
    assert "Target for Coventry in 2030 removed" in text(client.get(_targets_url()))


def test_a_target_is_removed_only_through_its_own_indicator(client: Client, people: People) -> None:
    target = services.target_set(
        indicator=Indicator.objects.get(code=GVA),
        area=_area("Coventry"),
        kind=TargetKind.TARGET,
        year=2030,
        value=Decimal("40"),
        acting_user=people.admin,
    )
    as_admin(client, people)
    other = "gross_median_weekly_pay"
    assert client.post(f"/indicators/{other}/targets/{target.pk}/remove/").status_code == 404
    assert Target.objects.count() == 1


@pytest.mark.parametrize(
    ("posted", "errors"),
    [
        (
            {},
            [
                ("id_area", "Select the area"),
                ("id_kind_0", "Select baseline or target"),
                ("id_year", "Enter the year"),
                ("id_value", "Enter the value"),
            ],
        ),
        (
            {"kind": "forecast", "year": "1980", "value": "lots"},
            [
                ("id_area", "Select the area"),
                ("id_kind_0", "Select baseline or target"),
                ("id_year", "Year must be 1990 or later"),
                ("id_value", "Value must be a number, like 26.6"),
            ],
        ),
        (
            {"kind": "target", "year": "twenty", "value": "1.23456"},
            [
                ("id_area", "Select the area"),
                ("id_year", "Year must be a whole year, like 2030"),
                ("id_value", "Value must have no more than 4 decimal places"),
            ],
        ),
    ],
    ids=["empty", "wrong", "more-wrong"],
)
def test_a_target_form_with_mistakes_says_what_to_correct(
    client: Client, people: People, posted: dict[str, str], errors: list[tuple[str, str]]
) -> None:
    response = as_admin(client, people).post(_targets_url(), posted)
    page = text(response)
    assert response.status_code == 200
    name = Indicator.objects.get(code=GVA).name
    assert title(response).startswith(f"Error: Baselines and targets: {name} –")
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', page)
    assert links == errors
    assert not Target.objects.exists()


def test_the_services_refusal_is_shown_on_the_field_it_names(
    client: Client, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> Target:
        raise ValidationError({"year": "A target cannot come before the baseline"})

    monkeypatch.setattr(services, "target_set", refuse)
    response = as_admin(client, people).post(
        _targets_url(),
        {"area": _area("Walsall").pk, "kind": "target", "year": "2000", "value": "1"},
    )
    page = text(response)
    assert '<li><a href="#id_year">A target cannot come before the baseline</a></li>' in page
    assert re.search(r'id="id_year_error"[^>]*>\s*<span[^>]*>Error:</span> A target cannot', page)


# --- Queries ----------------------------------------------------------------------------------


def _more_periods(people: People, years: range) -> None:
    rows = [r for r in ons_rows() if r["indicator"] == GVA]
    extra = [r | {"period": str(year)} for year in years for r in rows]
    services.import_observations(as_csv(extra), acting_user=people.admin)


def _queries(client: Client, method: str, url: str, data: Any = None) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    return len(queries), response


def test_the_download_asks_the_same_few_queries_however_many_figures(
    client: Client, people: People, django_assert_max_num_queries
) -> None:
    import_ons(people)
    client.force_login(people.partner)
    url = f"/indicators/{GVA}/observations.csv"
    few, response = _queries(client, "get", url)
    assert text(response).count("\n") == 1 + 7
    _more_periods(people, range(2009, 2019))
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert text(response).count("\n") == 1 + 77
    assert few <= 6


def test_the_targets_page_asks_the_same_few_queries_however_many_targets(
    client: Client, people: People, django_assert_max_num_queries
) -> None:
    indicator = Indicator.objects.get(code=GVA)
    areas = list(Area.objects.order_by("gss_code"))

    def set_targets(years: range) -> None:
        for area in areas:
            for year in years:
                services.target_set(
                    indicator=indicator,
                    area=area,
                    kind=TargetKind.TARGET,
                    year=year,
                    value=Decimal(year - 2000),
                    acting_user=people.admin,
                )

    as_admin(client, people)
    set_targets(range(2030, 2031))
    few, response = _queries(client, "get", _targets_url())
    assert text(response).count(">Remove<span") == len(areas)
    set_targets(range(2031, 2041))
    with django_assert_max_num_queries(few):
        response = client.get(_targets_url())
    assert text(response).count(">Remove<span") == 11 * len(areas)


def test_the_preview_and_confirm_ask_the_same_queries_for_ten_times_the_rows(
    client: Client, people: People
) -> None:
    as_admin(client, people)
    import_ons(people)
    # Every figure held corrected, and for the larger file nine earlier years of new ones.
    small = [r | {"value": str(Decimal(r["value"]) + 1)} for r in ons_rows()]
    again = [r | {"value": str(Decimal(r["value"]) + 2)} for r in ons_rows()]
    large = again + [r | {"period": str(2000 + n)} for n in range(1, 10) for r in again]
    counts = []
    for rows in (small, large):
        data = as_csv(rows)
        previewed, response = _queries(
            client, "post", IMPORT, {"file": SimpleUploadedFile("f.csv", data)}
        )
        assert response.context["plan"].ok
        confirmed, response = _queries(client, "post", CONFIRM, {"sha256": sha256(data)})
        assert response.status_code == 302
        done, response = _queries(client, "get", DONE)
        counts.append((previewed, confirmed, done))
    assert Observation.objects.count() == 84 + 756
    (small_counts, large_counts) = counts
    assert small_counts[0] == large_counts[0]  # the preview
    assert small_counts[2] == large_counts[2]  # the result
    # Confirming writes in batches (as many rows a statement as the database takes, 500 at
    # most), history rows too: far fewer statements than rows.
    assert large_counts[1] <= small_counts[1] + 756 // 30
