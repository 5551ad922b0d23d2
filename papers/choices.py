from __future__ import annotations

from django.db import models


class PaperType(models.TextChoices):
    """The kinds of file a paper may be, by the media type read from the file's own bytes."""

    PDF = "application/pdf", "PDF"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"
    ODT = "application/vnd.oasis.opendocument.text", "OpenDocument text"
    ODS = "application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet"
    ODP = "application/vnd.oasis.opendocument.presentation", "OpenDocument presentation"


# The extension a downloaded paper is given for its type, whatever its uploaded name said.
EXTENSIONS: dict[str, str] = {
    PaperType.PDF: ".pdf",
    PaperType.DOCX: ".docx",
    PaperType.XLSX: ".xlsx",
    PaperType.ODT: ".odt",
    PaperType.ODS: ".ods",
    PaperType.ODP: ".odp",
}
