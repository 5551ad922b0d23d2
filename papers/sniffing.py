"""What kind of file a paper is, read from its own bytes by libmagic (python-magic), never from
its name or the Content-Type the browser sent.

Word, Excel and OpenDocument files are zip containers: libmagic looks inside the container (the
first entry of an OpenDocument file is ``mimetype``, naming its kind; an Office Open XML file
starts with ``[Content_Types].xml`` and its ``word/`` or ``xl/`` parts), so a zip that holds
anything else reads as ``application/zip`` and is refused. The older binary Word and Excel
formats (.doc, .xls) are not taken: libmagic reads many of them only as a generic compound
document, which cannot tell a Word file from any other."""

from __future__ import annotations

import magic

from .choices import EXTENSIONS, PaperType

# libmagic decides from the first bytes of a file; this much holds every test it makes for the
# types above (a zip's first entries, a PDF's header).
HEAD_BYTES = 256 * 1024

ALLOWED_WORDS = "a PDF, Word (.docx), Excel (.xlsx) or OpenDocument (.odt, .ods, .odp) file"


class NotAPaper(ValueError):
    """The file is not of a kind a paper may be; the message says what it is taken for."""


def sniff(data: bytes) -> PaperType:
    """The paper type of a file's content, or ``NotAPaper``."""
    if not data:
        raise NotAPaper("The selected file is empty")
    found = magic.from_buffer(data[:HEAD_BYTES], mime=True)
    if found not in PaperType.values:
        raise NotAPaper(f"The selected file must be {ALLOWED_WORDS}")
    return PaperType(found)


def extension(kind: str) -> str:
    return EXTENSIONS[PaperType(kind)]
