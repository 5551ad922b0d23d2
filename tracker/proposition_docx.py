"""A version of the Proposition as a Word document, for circulating and editing outside the
tracker. It holds the items the reader may see (``selectors.governance.proposition_items_for``)
and nothing else, and is marked with the highest classification among them. Every text goes in
through ``printable``: Word's XML cannot hold a control character, whatever the database holds.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.utils import timezone
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, RGBColor

from core.choices import Classification
from core.text import printable

from .models import PropositionItem, PropositionVersion

A4_WIDTH, A4_HEIGHT = Mm(210), Mm(297)
MARGIN = Mm(20)
MARKING_RED = RGBColor(0xD4, 0x35, 0x1C)


def marking(items: Iterable[PropositionItem]) -> str:
    """The document's protective marking: the highest of its items'."""
    if any(i.classification == Classification.OFFICIAL_SENSITIVE for i in items):
        return Classification.OFFICIAL_SENSITIVE.label
    return Classification.OFFICIAL.label


def money(value: Decimal | None) -> str:
    if value is None:
        return "Not estimated"
    return f"£{value:,.0f}"


def approval_line(version: PropositionVersion) -> str:
    if version.approved_on is None:
        return f"Status: {version.get_status_display()}. Not yet approved by the Board."
    where = ""
    if version.approved_at:
        where = f" at its meeting on {timezone.localtime(version.approved_at.starts_at):%-d %B %Y}"
    return (
        f"Status: {version.get_status_display()}. Approved by the {version.approved_by} "
        f"on {version.approved_on:%-d %B %Y}{where}."
    )


def _page_setup(document: DocxDocument, mark: str) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = A4_WIDTH, A4_HEIGHT
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    for part in (section.header, section.footer):
        paragraph = part.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(mark)
        run.bold = True
        run.font.color.rgb = MARKING_RED


def _field(document: DocxDocument, label: str, text: str) -> None:
    if not text:
        return
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(4)
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(printable(text))


def _item(document: DocxDocument, item: PropositionItem) -> None:
    document.add_heading(printable(item.title), level=3)
    _field(document, "Marking", item.get_classification_display())
    _field(document, "Type of ask", item.get_ask_type_display())
    _field(document, "The ask", item.ask)
    _field(document, "The challenge", item.challenge)
    _field(document, "The prize", item.prize)
    _field(document, "Estimated value", money(item.estimated_value))
    _field(document, "Government departments", item.departments)
    _field(document, "Missions", item.missions)


def build(version: PropositionVersion, items: Sequence[PropositionItem]) -> bytes:
    """The version's document as the bytes of a .docx file."""
    mark = marking(items)
    document = Document()
    _page_setup(document, mark)
    document.core_properties.title = printable(f"{version.title} – version {version.number}")
    document.add_heading(printable(version.title), level=0)
    document.add_paragraph(printable(f"{version.deal.name}. Version {version.number}."))
    document.add_paragraph(printable(approval_line(version)))
    if version.introduction:
        document.add_heading("Introduction", level=1)
        for paragraph in version.introduction.split("\n\n"):
            document.add_paragraph(printable(paragraph.strip()))
    theme = workstream = None
    if not items:
        document.add_paragraph("This version has no proposals you may see.")
    for item in items:
        if item.theme_name != theme:
            theme, workstream = item.theme_name, None
            document.add_heading(printable(theme), level=1)
        if item.workstream_name != workstream:
            workstream = item.workstream_name
            document.add_heading(printable(workstream), level=2)
        _item(document, item)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
