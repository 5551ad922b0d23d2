"""The one CSV writer every download uses.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula
by the spreadsheet that opens the file (OWASP's CSV injection), so a title such as
``=HYPERLINK("https://attacker.example/", "Open")`` would become a live link on a partner's
machine. Such a cell is written with a leading apostrophe, which makes it plain text; a number
(``-3.5``, ``+2``) is left as it is, since a spreadsheet reads it as the number it is.

Control characters are dropped from every cell (core/text.py).

``restore`` takes the apostrophe off again, for a file this app wrote being read back in.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

from .text import printable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made plain text with a leading quote,
    and without control characters (core/text.py), which no spreadsheet can hold."""
    value = printable(value)
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def restore(value: str) -> str:
    """A cell as it was before ``neutralise``: what an exported file is read back as."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


class _Out(Protocol):
    def write(self, text: str, /) -> Any: ...


class Writer:
    """``csv.writer``, with every cell neutralised."""

    def __init__(self, out: _Out, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
