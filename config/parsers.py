"""DRF's parsers, refusing a request body that holds a NUL character or JSON nested too deep.

No text column can store NUL (PostgreSQL refuses it) and a lookup with one fails in the database,
so without this a field such as a slug lookup answered 500 instead of 400. JSON nested hundreds
of levels deep exhausts Python's recursion in the decoder; no body this API takes is nested more
than a few levels, so a deeper one is refused before it is decoded. A module of its own: DRF
imports its parsers while it starts, before the rest of the API code can be imported.
"""

from __future__ import annotations

import io
import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

NUL = "\x00"
# The deepest JSON a request may hold: an object's list of objects is three levels.
MAX_JSON_DEPTH = 32
# A whole JSON string, escapes and all, and the brackets outside strings as parentheses.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_AS_PARENS = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))


def holds_nul(data: Any) -> bool:
    """Whether parsed request data holds a NUL character anywhere (keys, values, nested).

    Walks the data with a list of its own rather than by recursion, however deep it is."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif hasattr(item, "lists"):  # a QueryDict of form data
            for key, values in item.lists():
                pending.append(key)
                pending.extend(values)
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON body nests more than ``limit`` levels, without decoding it.

    The brackets outside strings are kept, as parentheses. Each pass takes out every innermost
    pair, so what ``limit`` passes leave still holds a pair only if something nests deeper.
    Every step is a string operation, so a large body costs a few passes over its bytes.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # too few brackets to nest that deep
    brackets = _JSON_STRING.sub(b"", body).translate(_AS_PARENS, _NOT_BRACKETS)
    for _ in range(limit):
        shorter = brackets.replace(b"()", b"")
        if shorter == brackets:
            break
        brackets = shorter
    # Left: a pair nested deeper than the limit, or brackets never closed (a body cut short),
    # each open inside the one before.
    return b"()" in brackets or brackets.count(b"(") > limit


class _RefusesNul:
    """A parser that refuses a body holding a NUL character: no text field can store one
    (PostgreSQL refuses it), and a lookup with one fails in the database, not as a 400."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)  # type: ignore[misc]
        if holds_nul(getattr(data, "data", data)):
            raise ParseError("Text may not contain NUL characters.")
        return data


class JSONParser(_RefusesNul, parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        body = stream.read() if stream is not None else b""
        if json_too_deep(body):
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.")
        return super().parse(io.BytesIO(body), media_type, parser_context)


class FormParser(_RefusesNul, parsers.FormParser):
    pass


class MultiPartParser(_RefusesNul, parsers.MultiPartParser):
    pass
