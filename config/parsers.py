"""DRF's parsers, refusing a request body that holds a NUL character.

No text column can store NUL (PostgreSQL refuses it) and a lookup with one fails in the database,
so without this a field such as a slug lookup answered 500 instead of 400. A module of its own:
DRF imports its parsers while it starts, before the rest of the API code can be imported.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

NUL = "\x00"


def holds_nul(data: Any) -> bool:
    """Whether parsed request data holds a NUL character anywhere (keys, values, nested)."""
    if isinstance(data, str):
        return NUL in data
    if isinstance(data, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in data.items())
    if hasattr(data, "lists"):  # a QueryDict of form data
        return any(holds_nul(k) or holds_nul(v) for k, v in data.lists())
    if isinstance(data, list | tuple):
        return any(holds_nul(item) for item in data)
    return False


class _RefusesNul:
    """A parser that refuses a body holding a NUL character: no text field can store one
    (PostgreSQL refuses it), and a lookup with one fails in the database, not as a 400."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)  # type: ignore[misc]
        if holds_nul(getattr(data, "data", data)):
            raise ParseError("Text may not contain NUL characters.")
        return data


class JSONParser(_RefusesNul, parsers.JSONParser):
    pass


class FormParser(_RefusesNul, parsers.FormParser):
    pass


class MultiPartParser(_RefusesNul, parsers.MultiPartParser):
    pass
