"""The view glue every page shares (``core.views``): the ``?deal=`` kept on links, a service's
refusal shown on the form that asked for it, and a page around content rendered before."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import RequestFactory, override_settings

from accounts.services import AccountsError
from core.views import deal_query, posted, query_for_deal, refusals, render_around
from tracker.services import TrackerError

GIT = shutil.which("git") or "git"


class TitleForm(forms.Form):
    title = forms.CharField()
    summary = forms.CharField(required=False)


class RecordTitleForm(TitleForm):
    whole_record_errors_on = "title"


def _valid(form_class: type[TitleForm] = TitleForm) -> TitleForm:
    form = form_class({"title": "A title"})
    assert form.is_valid()
    return form


def test_the_deal_query_is_kept_encoded_and_only_when_asked_for() -> None:
    factory = RequestFactory()
    assert deal_query(factory.get("/")) == ""
    assert deal_query(factory.get("/", {"deal": "wm&x=1"})) == "?deal=wm%26x%3D1"
    assert deal_query(factory.get("/", {"deal": "north"}), "&") == "&deal=north"
    assert query_for_deal(None) == "" and query_for_deal("north") == "?deal=north"


def test_posted_is_the_form_data_of_a_post_only() -> None:
    factory = RequestFactory()
    assert posted(factory.get("/", {"title": "x"})) is None
    assert posted(factory.post("/", {"title": "x"}))["title"] == "x"


def test_a_block_the_service_allows_leaves_the_form_without_errors() -> None:
    form = _valid()
    with refusals(form):
        done = True
    assert done and not form.errors


def test_a_validation_error_goes_beside_the_fields_it_names() -> None:
    form = _valid()
    with refusals(form):
        raise ValidationError({"summary": "Too short", "no_such_field": "Refused whole"})
    assert form.errors == {"summary": ["Too short"], "__all__": ["Refused whole"]}


def test_errors_about_the_whole_record_go_where_the_form_keeps_them() -> None:
    form = _valid(RecordTitleForm)
    with refusals(form):
        raise ValidationError("Refused whole")
    assert form.errors == {"title": ["Refused whole"]}


def test_any_apps_domain_error_is_shown_on_the_field_asked_for() -> None:
    for error in (TrackerError("Not now"), AccountsError("Not now")):
        form = _valid()
        with refusals(form, "summary"):
            raise error
        assert form.errors == {"summary": ["Not now"]}


def test_other_errors_are_not_swallowed() -> None:
    form = _valid()
    try:
        with refusals(form):
            raise KeyError("a bug")
    except KeyError:
        pass
    else:
        raise AssertionError("a bug must not be shown as a refusal")


def test_no_view_module_keeps_its_own_copy_of_the_glue() -> None:
    found = subprocess.run(  # noqa: S603 - git, with arguments written here
        [
            GIT,
            "grep",
            "-n",
            "-E",
            r"def _deal_query|def _posted\(|except services\.TrackerError as error",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    ).stdout
    assert [line for line in found.splitlines() if not line.startswith("tests/")] == []


class MovedErrorsForm(TitleForm):
    """A form whose fields are not the service's: it says where the service's errors go."""

    def add_service_errors(self, error: ValidationError) -> None:
        for errors in error.error_dict.values():
            self.add_error("summary", errors)


def test_a_form_that_places_the_services_errors_itself_is_asked_to() -> None:
    form = _valid(MovedErrorsForm)
    with refusals(form):
        raise ValidationError({"starts_at": "Too early"})
    assert form.errors == {"summary": ["Too early"]}


PAGES = {
    "page.html": "<h1>{{ who }}</h1>{{ body }}<p>{{ who }}, the end</p>",
    "no-body.html": "<h1>{{ who }}</h1>",
}


@override_settings(
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", PAGES)]},
        }
    ]
)
def test_content_rendered_before_goes_into_the_page_as_it_was() -> None:
    request = RequestFactory().get("/")
    content = "<table><td>Région – 50 £m</td></table>".encode()
    # A person's text that copies the place mark is escaped, so the content goes where the
    # template says, once.
    who = "<!--content-rendered-before-->"
    response = render_around(request, "page.html", {"who": who}, content)
    assert response.status_code == 200
    assert response.content == (
        b"<h1>&lt;!--content-rendered-before--&gt;</h1>"
        + content
        + b"<p>&lt;!--content-rendered-before--&gt;, the end</p>"
    )
    with pytest.raises(ValueError, match="does not show"):
        render_around(request, "no-body.html", {"who": "Ann"}, content)
