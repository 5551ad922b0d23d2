"""Small real files of each kind a paper may be, and of kinds it may not, made in the test."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl

# A PDF of one empty page, as small as a reader takes it.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def docx_file() -> bytes:
    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Paper 3: Housing pipeline")
    document.save(out)
    return out.getvalue()


def xlsx_file() -> bytes:
    out = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["Scheme", "Homes"])  # type: ignore[union-attr]
    book.save(out)
    return out.getvalue()


def odf_file(kind: str) -> bytes:
    """An OpenDocument file as the standard lays it out: ``mimetype`` first, stored."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            f"application/vnd.oasis.opendocument.{kind}",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        )
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "Not an office file.")
    return out.getvalue()


# A Windows program's first bytes (the DOS header and the PE signature).
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00"
HTML = (
    b"<!DOCTYPE html><html><head><title>x</title></head>"
    b"<body><script>alert(1)</script></body></html>"
)


def allowed() -> dict[str, tuple[bytes, str]]:
    """Each allowed kind: its bytes, and the media type it must be found to be."""
    return {
        "pdf": (PDF, "application/pdf"),
        "docx": (
            docx_file(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "xlsx": (xlsx_file(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "odt": (odf_file("text"), "application/vnd.oasis.opendocument.text"),
        "ods": (odf_file("spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
        "odp": (odf_file("presentation"), "application/vnd.oasis.opendocument.presentation"),
    }
