"""The app answers over real HTTP: health, the sign-in page and its compiled styles."""

from __future__ import annotations

import json
import re
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode

from .conftest import PASSWORD, People


def fetch(url: str, opener: urllib.request.OpenerDirector | None = None) -> tuple[int, str]:
    with (opener or urllib.request.build_opener()).open(url, timeout=10) as response:
        return response.status, response.read().decode()


def test_health_sign_in_and_styles_are_served(live_server, people: People) -> None:
    status, body = fetch(f"{live_server.url}/health/")
    assert status == 200 and json.loads(body)["status"] == "ok"

    status, body = fetch(f"{live_server.url}/accounts/login/")
    assert status == 200 and "Sign in" in body
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', body)
    assert stylesheet, "the page links a stylesheet"
    status, css = fetch(live_server.url + stylesheet.group(1))
    assert status == 200
    assert "arial" in css.lower() and "GDS Transport" not in css


def test_a_person_signs_in_over_http_and_sees_the_deal(live_server, people: People) -> None:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    _, form = fetch(f"{live_server.url}/accounts/login/", opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urlencode(
        {"csrfmiddlewaretoken": token, "username": people.dsg.email, "password": PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{live_server.url}/accounts/login/",
        data=data,
        headers={"Referer": f"{live_server.url}/accounts/login/"},
    )
    with opener.open(request, timeout=10) as response:
        assert response.url == f"{live_server.url}/"
        assert "West Midlands Trailblazer Devolution Deal" in response.read().decode()
