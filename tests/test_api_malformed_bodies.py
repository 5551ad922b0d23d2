"""Malformed request bodies are refused with a 400, never a 500, on every endpoint that takes
one, for anyone who may send one. Found by probing: a body of 500 "[" exhausted the recursion of
the NUL check, and about 990 the decoder's own."""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from config.parsers import MAX_JSON_DEPTH, json_too_deep
from tests.conftest import People
from tracker.models import Milestone

DEEP = 5_000


def nested(shape: str, depth: int) -> bytes:
    """JSON of one shape nested ``depth`` levels, closed or cut short."""
    opening, closing, inner = {
        "lists": ("[", "]", "1"),
        "objects": ('{"a":', "}", "1"),
        "objects-in-lists": ('[{"a":', "}]", "1"),
        "strings-between": ('["x]}",', "]", '"y"'),
    }[shape]
    if shape == "objects-in-lists":
        depth //= 2
    return (opening * depth + inner + closing * depth).encode()


SHAPES = ["lists", "objects", "objects-in-lists", "strings-between"]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_depth_is_counted_outside_strings_and_up_to_the_limit(shape: str) -> None:
    assert not json_too_deep(nested(shape, MAX_JSON_DEPTH))
    assert json_too_deep(nested(shape, MAX_JSON_DEPTH + 2))
    assert json_too_deep(nested(shape, DEEP))
    assert json_too_deep(nested(shape, DEEP)[: DEEP // 2])  # cut short: never closed
    # Brackets inside strings are text, however many.
    assert not json_too_deep(json.dumps({"title": "[" * DEEP + "{" * DEEP}).encode())
    assert not json_too_deep(json.dumps({"title": '\\"[' * DEEP}).encode())


def test_counting_a_large_body_costs_string_operations_not_a_loop_per_bracket() -> None:
    """Five megabytes of brackets, the most a body may be, are counted in well under a second."""
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    for body in (b"[]" * (size // 2), b"[" * size, b'["\\"]",' * (size // 8)):
        started = time.perf_counter()
        json_too_deep(body)
        assert time.perf_counter() - started < 1.0


def _endpoints(people: People) -> list[tuple[str, str]]:
    milestone = Milestone.objects.filter(deal=people.deal).first()
    assert milestone is not None
    return [
        ("post", "/api/v1/status-updates/"),
        ("post", "/api/v1/proposals/"),
        ("post", "/api/v1/risks/"),
        ("post", "/api/v1/subscriptions/"),
        ("post", "/api/v1/targets/"),
        ("patch", f"/api/v1/milestones/{milestone.pk}/"),
    ]


MALFORMED = {
    **{f"{shape}-deep": nested(shape, DEEP) for shape in SHAPES},
    "lists-just-too-deep": nested("lists", MAX_JSON_DEPTH + 1),
    "lists-cut-short": b"[" * 500,
    "objects-cut-short": b'{"a":' * 990,
    "truncated": b'{"summary": "On track", "rag": ',
    "not-utf-8": b'{"summary": "\xff\xfe"}',
    "nul-deep-in-a-list": b'{"summary": ["a", ["b", ["c\\u0000"]]]}',
    "nul-in-a-key": b'{"summ\\u0000ary": "x"}',
    "a-bare-value": b"12",
}


@pytest.mark.parametrize("persona", ["admin", "lead", "partner"])
def test_a_malformed_body_is_a_400_on_every_endpoint_for_everyone(
    api: APIClient, people: People, persona: str
) -> None:
    api.force_authenticate(people.all_roles()[persona])
    answered: dict[int, int] = {}
    for method, url in _endpoints(people):
        for name, body in MALFORMED.items():
            response = getattr(api, method)(url, body, content_type="application/json")
            answered[response.status_code] = answered.get(response.status_code, 0) + 1
            # Refused as malformed, or (the partner, on what a partner may not write at all)
            # refused before the body is read: never a server error.
            assert response.status_code in (400, 403), (method, url, name, response.content)
    assert answered.get(400), answered  # bodies were read and refused, not only forbidden


def test_the_refusal_says_why(api: APIClient, people: People) -> None:
    api.force_authenticate(people.admin)
    response = api.post("/api/v1/risks/", nested("objects", DEEP), content_type="application/json")
    assert response.status_code == 400
    assert f"nested more than {MAX_JSON_DEPTH} levels" in response.json()["detail"]
