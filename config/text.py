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

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

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
