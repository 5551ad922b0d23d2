"""Text people type: which characters it may hold, decided in one place.

The C0 control characters other than tab, line feed and carriage return (U+0000 to U+0008,
U+000B, U+000C and U+000E to U+001F) are never part of what a person means to write: they come
with text pasted from other programs. PostgreSQL cannot store NUL, XML (so a spreadsheet or a
Word document) cannot hold any of them, and a spreadsheet program shows them as boxes.

Every writer of a file or an email passes text through ``printable``, which drops them, so an
export works whatever the database already holds.
"""

from __future__ import annotations

import re
from typing import Any

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def printable(value: Any) -> Any:
    """Text without the control characters no file format or reader wants; anything else as
    it is."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    return value
