"""Text people type: which characters it may hold, decided in one place.

The C0 control characters other than tab, line feed and carriage return (U+0000 to U+0008,
U+000B, U+000C and U+000E to U+001F) are never part of what a person means to write: they come
with text pasted from other programs. PostgreSQL cannot store NUL, XML (so a spreadsheet or a
Word document) cannot hold any of them, and a spreadsheet program shows them as boxes.

So, decided once:
- where text enters it is refused, with the field (or the row and column of an import) named:
  every form field and API field for text carries ``ProhibitControlCharactersValidator``
  (``use_everywhere``, called when the project starts), as Django and DRF already refuse NUL;
- every writer of a file or an email passes text through ``printable``, which drops them, so an
  export works whatever the database already holds.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def printable(value: Any) -> Any:
    """Text without the control characters no file format or reader wants; anything else as
    it is."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    return value


@deconstructible
class ProhibitControlCharactersValidator:
    """Refuses text holding a control character other than NUL, which Django's and DRF's own
    validator already refuses with its own message."""

    message = "Remove the control character %(character)s: text cannot hold one."
    code = "control_characters"

    def __call__(self, value: Any) -> None:
        if isinstance(value, str) and (
            found := CONTROL_CHARACTERS.search(value.replace("\x00", ""))
        ):
            raise ValidationError(
                self.message, code=self.code, params={"character": f"U+{ord(found.group()):04X}"}
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProhibitControlCharactersValidator)


def use_everywhere() -> None:
    """Every text field of every form (the admin's included) and of every API serializer refuses
    control characters: their ``default_validators``, which each new field copies."""
    from django import forms
    from rest_framework import serializers

    validator = ProhibitControlCharactersValidator()
    forms.CharField.default_validators = [validator]
    serializers.CharField.default_validators = [validator]  # type: ignore[misc]


# --- Comparing texts ---------------------------------------------------------------------------

# A word with the space after it: so that spaces alone never count as "unchanged" and split a
# rewritten sentence into confetti.
_TOKENS = re.compile(r"\s+|\S+\s*")


def word_diff(before: str, after: str) -> SafeString:
    """The words removed and added between two texts, as escaped HTML with <del> and <ins>.

    Words are compared without the space after them (so a last word that gains a following
    one is still the same word). Screen readers do not announce <del> and <ins> by default, so
    each change also says what it is in visually hidden text.
    """
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    matcher = difflib.SequenceMatcher(
        None, [t.rstrip() for t in old], [t.rstrip() for t in new], autojunk=False
    )
    parts: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(new[j1:j2])))
            continue
        if i2 > i1:
            parts.append(_marked("del", "removed", "".join(old[i1:i2])))
        if j2 > j1:
            parts.append(_marked("ins", "added", "".join(new[j1:j2])))
    return mark_safe("".join(parts))  # noqa: S308 - every piece was escaped above


def _marked(tag: str, what: str, text: str) -> str:
    return format_html(
        '<{tag} class="app-diff__{what}"><span class="govuk-visually-hidden">[{what}: </span>'
        '{text}<span class="govuk-visually-hidden">]</span></{tag}>',
        tag=mark_safe(tag),  # noqa: S308 - one of two literal tag names
        what=what,
        text=text,
    )
