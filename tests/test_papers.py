"""Papers of meetings and documents of proposals: what a file may be (read from its bytes), how
large, how it is marked, where it is kept, and who lists, downloads and removes it."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from config.uploads import body_limit, file_limit
from core.choices import Classification
from papers import services
from papers.models import Paper
from papers.sniffing import NotAPaper, sniff
from tracker import services as tracker_services
from tracker.choices import AskType
from tracker.models import GovernanceBody, Meeting, Proposal, Workstream

from .conftest import People
from .paper_files import EXE, HTML, PDF, allowed, docx_file, plain_zip

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
OFFICIAL, SENSITIVE = Classification.OFFICIAL, Classification.OFFICIAL_SENSITIVE


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def paper_storage(settings: Any, tmp_path: Path) -> Path:
    """Papers kept on disk in this test's own folder, through the configured storage."""
    folder = tmp_path / "papers"
    settings.STORAGES = {
        **settings.STORAGES,
        "papers": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    return folder


def a_meeting(people: People, classification: str = OFFICIAL, days: int = 7) -> Meeting:
    body = GovernanceBody.objects.filter(deal=people.deal).order_by("position").first()
    assert body is not None
    return tracker_services.meeting_create(
        body=body,
        acting_user=people.admin,
        starts_at=NOW + dt.timedelta(days=days),
        classification=classification,
    )


def a_proposal(
    people: People, classification: str = OFFICIAL, title: str = "Bus powers"
) -> Proposal:
    return tracker_services.proposal_create(
        workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
        acting_user=people.admin,
        title=title,
        classification=classification,
        ask="Devolve the bus service operators grant.",
        ask_type=AskType.FUNDING,
    )


def upload(data: bytes = PDF, name: str = "paper.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def attach(
    people: People, record: Meeting | Proposal, classification: str = "", **kw: Any
) -> Paper:
    key = "meeting" if isinstance(record, Meeting) else "proposal"
    return services.paper_attach(
        acting_user=kw.pop("user", people.admin),
        upload=kw.pop("file", upload()),
        title=kw.pop("title", "Paper 1"),
        classification=classification,
        **{key: record},
    )


# --- What a file may be -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pdf", "docx", "xlsx", "odt", "ods", "odp"])
def test_each_allowed_kind_is_found_from_its_bytes_whatever_its_name(kind: str) -> None:
    data, media_type = allowed()[kind]
    assert sniff(data) == media_type


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (EXE, "a program"),
        (HTML, "a web page"),
        (plain_zip(), "a zip that is no office file"),
        (b"Just some words.\n", "plain text"),
    ],
)
def test_a_file_of_another_kind_is_refused_whatever_it_is_called(
    people: People, data: bytes, why: str
) -> None:
    with pytest.raises(NotAPaper, match="must be a PDF, Word"):
        sniff(data)
    with pytest.raises(ValidationError) as refused:
        attach(people, a_meeting(people), file=upload(data, "minutes.pdf"))
    assert "must be a PDF, Word (.docx), Excel (.xlsx) or OpenDocument" in str(refused.value)
    assert not Paper.objects.exists()


def test_an_empty_file_is_refused(people: People) -> None:
    with pytest.raises(ValidationError, match="The selected file is empty"):
        attach(people, a_meeting(people), file=upload(b"", "empty.pdf"))


def test_a_paper_is_given_back_under_its_cleaned_name_with_its_real_types_extension(
    people: People,
) -> None:
    paper = attach(
        people, a_meeting(people), file=upload(docx_file(), "../..\\Board paper\r\n.exe")
    )
    assert paper.content_type == allowed()["docx"][1]
    assert paper.original_name == "Board_paper.docx"


# --- How large --------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_in_words_and_nothing_is_stored(
    people: People, settings: Any, paper_storage: Path
) -> None:
    settings.PAPER_MAX_BYTES = len(PDF) - 1
    with pytest.raises(ValidationError, match="must be smaller than"):
        attach(people, a_meeting(people))
    assert not Paper.objects.exists()
    assert not paper_storage.exists() or not any(paper_storage.iterdir())


def test_the_papers_pages_take_larger_files_than_the_rest_of_the_site(settings: Any) -> None:
    settings.PAPER_MAX_BYTES = 20 * 2**20
    factory = RequestFactory()
    paper_page = factory.post("/papers/meetings/1/new/")
    other_page = factory.post("/observations/import/")
    assert file_limit(paper_page) == 20 * 2**20
    assert body_limit(paper_page) == 25 * 2**20
    assert file_limit(other_page) == settings.MAX_UPLOAD_BYTES
    assert body_limit(other_page) == settings.MAX_REQUEST_BYTES


def test_a_paper_over_the_limit_is_refused_on_its_form_and_a_much_larger_body_with_a_413(
    people: People, settings: Any, client: Client
) -> None:
    settings.PAPER_MAX_BYTES = 6 * 2**20
    meeting = a_meeting(people)
    client.force_login(people.admin)
    url = f"/papers/meetings/{meeting.pk}/new/"
    big = PDF + b"0" * (7 * 2**20)
    response = client.post(
        url, {"title": "Big", "classification": OFFICIAL, "file": upload(big, "big.pdf")}
    )
    assert response.status_code == 200
    assert "The selected file must be smaller than 6 MB" in response.content.decode()
    huge = PDF + b"0" * (12 * 2**20)
    response = client.post(url, {"title": "Huge", "file": upload(huge, "huge.pdf")})
    assert response.status_code == 413
    assert not Paper.objects.exists()


# --- How it is marked -------------------------------------------------------------------------


def test_a_paper_takes_its_records_marking_and_may_be_marked_higher(people: People) -> None:
    meeting = a_meeting(people, OFFICIAL)
    assert attach(people, meeting).classification == OFFICIAL
    assert attach(people, meeting, SENSITIVE, title="Paper 2").classification == SENSITIVE
    sensitive = a_proposal(people, SENSITIVE)
    assert attach(people, sensitive, title="Annex").classification == SENSITIVE


def test_a_paper_is_never_marked_lower_than_its_record(people: People) -> None:
    with pytest.raises(ValidationError, match="its papers are OFFICIAL-SENSITIVE too"):
        attach(people, a_proposal(people, SENSITIVE), OFFICIAL)
    with pytest.raises(ValidationError, match="its papers are OFFICIAL-SENSITIVE too"):
        attach(people, a_meeting(people, SENSITIVE), OFFICIAL)
    assert not Paper.objects.exists()


def test_a_record_marked_up_later_takes_its_papers_with_it(people: People, client: Client) -> None:
    proposal = a_proposal(people, OFFICIAL)
    paper = attach(people, proposal)
    Proposal.objects.filter(pk=proposal.pk).update(classification=SENSITIVE)
    client.force_login(people.partner)
    assert client.get(f"/papers/{paper.pk}/download/").status_code == 404


def test_the_database_holds_a_paper_to_one_record(people: People) -> None:
    from django.db import IntegrityError, transaction

    paper = attach(people, a_meeting(people))
    with pytest.raises(IntegrityError), transaction.atomic():
        Paper.objects.filter(pk=paper.pk).update(proposal=a_proposal(people))
    with pytest.raises(IntegrityError), transaction.atomic():
        Paper.objects.filter(pk=paper.pk).update(meeting=None)


# --- Where it is kept -------------------------------------------------------------------------


def test_a_paper_is_kept_through_the_configured_storage_under_a_random_name(
    people: People, paper_storage: Path
) -> None:
    data = docx_file()
    paper = attach(people, a_meeting(people), file=upload(data, "Board paper.docx"))
    paper_two = attach(people, a_meeting(people, days=8), file=upload(data, "Board paper.docx"))
    stored = paper_storage / paper.file.name
    assert stored.read_bytes() == data
    assert "Board" not in paper.file.name and "." not in paper.file.name
    assert len(paper.file.name) >= 40 and paper.file.name != paper_two.file.name
    assert paper.sha256 == hashlib.sha256(data).hexdigest() and paper.size == len(data)
    assert paper.uploaded_by == people.admin and paper.uploaded_at == NOW


def test_a_file_is_not_left_behind_when_its_row_cannot_be_saved(
    people: People, paper_storage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Paper, "save", broken)
    with pytest.raises(RuntimeError):
        attach(people, a_meeting(people))
    assert not any(paper_storage.iterdir())


def test_the_s3_settings_come_from_the_environment(tmp_path: Path) -> None:
    """The settings module, read afresh with the S3 variables set, configures django-storages'
    S3 backend for papers, with no credentials in the settings (boto3 reads them itself)."""
    import subprocess
    import sys

    code = (
        "import json, config.settings as s; print(json.dumps(s.STORAGES['papers'])); "
        "print(json.dumps([n for n in dir(s) if 'SECRET_ACCESS' in n or 'ACCESS_KEY' in n]))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
        "PAPERS_S3_BUCKET": "wmca-papers",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_S3_REGION_NAME": "eu-west-2",
    }
    out = subprocess.run(  # noqa: S603 - our own interpreter on our own settings
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout.splitlines()
    import json

    configured, credential_settings = json.loads(out[0]), json.loads(out[1])
    assert configured["BACKEND"] == "storages.backends.s3.S3Storage"
    assert configured["OPTIONS"]["bucket_name"] == "wmca-papers"
    assert configured["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9000"
    assert configured["OPTIONS"]["region_name"] == "eu-west-2"
    assert configured["OPTIONS"]["file_overwrite"] is False
    assert credential_settings == []


@pytest.fixture
def s3_server(monkeypatch: pytest.MonkeyPatch) -> Any:
    """An S3-compatible server on loopback (moto's), for as long as the test."""
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    yield f"http://{host}:{port}"
    server.stop()


def test_a_paper_is_kept_in_and_downloaded_from_s3_compatible_storage(
    people: People, settings: Any, s3_server: str, client: Client
) -> None:
    import boto3

    boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").create_bucket(
        Bucket="papers-test"
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "papers": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "papers-test",
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "location": "papers",
                "file_overwrite": False,
            },
        },
    }
    data = docx_file()
    paper = attach(people, a_meeting(people), file=upload(data, "Board paper.docx"))
    listed = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").list_objects_v2(
        Bucket="papers-test"
    )
    assert [o["Key"] for o in listed["Contents"]] == [f"papers/{paper.file.name}"]
    client.force_login(people.dsg)
    response = client.get(f"/papers/{paper.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data  # type: ignore[attr-defined]
    assert storages["papers"].exists(paper.file.name)


# --- Who lists, downloads and removes it ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "official", "sensitive"),
    [
        ("admin", 200, 200),
        ("lead", 200, 200),
        ("other_lead", 200, 200),
        ("sponsor", 200, 200),
        ("dsg", 200, 200),
        ("partner", 200, 404),
        ("nobody", 404, 404),
    ],
)
def test_downloads_role_by_role(
    people: People, client: Client, role: str, official: int, sensitive: int
) -> None:
    meeting = a_meeting(people)
    shared = attach(people, meeting, title="Agenda")
    secret = attach(people, meeting, SENSITIVE, title="Negotiating position")
    client.force_login(people.all_roles()[role])
    assert client.get(f"/papers/{shared.pk}/download/").status_code == official
    assert client.get(f"/papers/{secret.pk}/download/").status_code == sensitive


def test_a_download_is_an_attachment_of_the_sniffed_type_never_sniffed_by_the_browser(
    people: People, client: Client
) -> None:
    paper = attach(people, a_meeting(people), file=upload(PDF, "report.html"))
    client.force_login(people.partner)
    response = client.get(f"/papers/{paper.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_an_anonymous_visitor_is_sent_to_sign_in(people: People, client: Client) -> None:
    paper = attach(people, a_meeting(people))
    response = client.get(f"/papers/{paper.pk}/download/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_partner_never_sees_a_sensitive_paper_listed(
    people: People, client: Client, api: APIClient
) -> None:
    meeting = a_meeting(people)
    attach(people, meeting, title="Agenda and timings")
    attach(people, meeting, SENSITIVE, title="Fallback negotiating position")
    client.force_login(people.partner)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Agenda and timings" in page and "Fallback negotiating position" not in page
    assert "Attach a paper" not in page
    api.force_authenticate(people.partner)
    listed = api.get("/api/v1/papers/", {"meeting": meeting.pk}).json()
    assert [p["title"] for p in listed["results"]] == ["Agenda and timings"]
    api.force_authenticate(people.dsg)
    listed = api.get("/api/v1/papers/", {"meeting": meeting.pk}).json()
    assert [p["title"] for p in listed["results"]] == [
        "Agenda and timings",
        "Fallback negotiating position",
    ]
    assert listed["results"][1]["classification"] == SENSITIVE
    assert listed["results"][1]["file_url"].endswith(
        f"/api/v1/papers/{listed['results'][1]['id']}/file/"
    )
    assert listed["results"][1]["download_url"].endswith(
        f"/papers/{listed['results'][1]['id']}/download/"
    )


@pytest.mark.parametrize(("role", "sensitive"), [("dsg", 200), ("partner", 404), ("nobody", 404)])
def test_an_api_client_downloads_the_file_it_may_see(
    people: People, api: APIClient, role: str, sensitive: int
) -> None:
    from rest_framework.authtoken.models import Token

    secret = attach(people, a_meeting(people), SENSITIVE, file=upload(docx_file(), "n.docx"))
    user = people.all_roles()[role]
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user)}")
    response = api.get(f"/api/v1/papers/{secret.pk}/file/")
    assert response.status_code == sensitive
    if sensitive == 200:
        assert response["Content-Type"] == allowed()["docx"][1]
        assert response["Content-Disposition"] == 'attachment; filename="n.docx"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == secret.file.open("rb").read()  # type: ignore[attr-defined]


def test_who_may_attach(people: People) -> None:
    meeting, proposal = a_meeting(people), a_proposal(people)
    for role in ("lead", "sponsor", "dsg", "partner"):
        with pytest.raises(PermissionDenied):
            attach(people, meeting, user=getattr(people, role))
    assert attach(people, proposal, user=people.lead).uploaded_by == people.lead
    for role in ("other_lead", "sponsor", "dsg", "partner"):
        with pytest.raises(PermissionDenied):
            attach(people, proposal, user=getattr(people, role))


def test_a_lead_attaches_a_document_to_their_proposal_on_its_page(
    people: People, client: Client
) -> None:
    proposal = a_proposal(people)
    client.force_login(people.lead)
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert f'href="/papers/proposals/{proposal.pk}/new/"' in page
    response = client.post(
        f"/papers/proposals/{proposal.pk}/new/",
        {
            "title": "Business case",
            "classification": SENSITIVE,
            "file": upload(docx_file(), "case.docx"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/proposals/{proposal.pk}/#papers"
    paper = Paper.objects.get()
    assert (paper.proposal, paper.classification, paper.deal) == (proposal, SENSITIVE, people.deal)
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "Business case" in page and "OFFICIAL-SENSITIVE" in page


def test_the_form_says_what_is_wrong(people: People, client: Client) -> None:
    meeting = a_meeting(people)
    client.force_login(people.admin)
    response = client.post(
        f"/papers/meetings/{meeting.pk}/new/",
        {"title": "", "classification": OFFICIAL, "file": upload(HTML, "agenda.pdf")},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a title for the paper" in page
    response = client.post(
        f"/papers/meetings/{meeting.pk}/new/",
        {"title": "Agenda", "classification": OFFICIAL, "file": upload(HTML, "agenda.pdf")},
    )
    assert "The selected file must be a PDF, Word (.docx)" in response.content.decode()
    assert not Paper.objects.exists()


def test_a_removed_paper_is_kept_in_history_and_no_longer_listed_or_downloaded(
    people: People, client: Client
) -> None:
    proposal = a_proposal(people)
    paper = attach(people, proposal, user=people.lead)
    client.force_login(people.other_lead)
    assert client.post(f"/papers/{paper.pk}/remove/").status_code == 403
    client.force_login(people.lead)
    assert client.get(f"/papers/{paper.pk}/remove/").status_code == 200
    response = client.post(f"/papers/{paper.pk}/remove/")
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.removed_by == people.lead and paper.removed_at == NOW
    assert storages["papers"].exists(paper.file.name)
    assert [h.history_type for h in paper.history.order_by("history_date", "history_id")] == [
        "+",
        "~",
    ]
    assert paper.history.first().history_user == people.lead
    assert client.get(f"/papers/{paper.pk}/download/").status_code == 404
    assert "Paper 1" not in client.get(f"/proposals/{proposal.pk}/").content.decode()


def test_the_briefing_pack_lists_the_meetings_papers_for_whoever_may_see_them(
    people: People, client: Client
) -> None:
    meeting = a_meeting(people)
    attach(people, meeting, title="Agenda and timings")
    attach(people, meeting, SENSITIVE, title="Fallback negotiating position")
    client.force_login(people.dsg)
    page = client.get(f"/meetings/{meeting.pk}/pack/").content.decode()
    assert "Agenda and timings" in page and "Fallback negotiating position" in page
    client.force_login(people.partner)
    page = client.get(f"/meetings/{meeting.pk}/pack/").content.decode()
    assert "Agenda and timings" in page and "Fallback negotiating position" not in page


# --- Bounded queries --------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["admin", "partner"])
def test_pages_and_the_api_with_papers_cost_the_same_queries_with_more_papers(
    people: People, client: Client, django_assert_max_num_queries: Any, role: str
) -> None:
    meeting, proposal = a_meeting(people), a_proposal(people)
    urls = [
        f"/meetings/{meeting.pk}/",
        f"/proposals/{proposal.pk}/",
        f"/meetings/{meeting.pk}/pack/",
        "/api/v1/papers/",
    ]

    def grow(count: int) -> None:
        for n in range(count):
            attach(people, meeting, title=f"Meeting paper {n}", file=upload(PDF))
            attach(people, proposal, title=f"Proposal paper {n}", file=upload(PDF))

    grow(2)
    client.force_login(getattr(people, role))
    small = {url: _queries(client, url) for url in urls}
    grow(10)
    for url in urls:
        with django_assert_max_num_queries(small[url]):
            assert client.get(url).status_code == 200
