"""A paper's file as a download, the same from the page and from the API."""

from __future__ import annotations

from django.http import FileResponse

from .models import Paper


def paper_response(paper: Paper) -> FileResponse:
    """The file as an attachment of the type read from its bytes (never the uploaded name's),
    which the browser must not second-guess, kept by no shared cache."""
    response = FileResponse(
        paper.file.open("rb"),
        as_attachment=True,
        filename=paper.original_name,
        content_type=paper.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Opened in the browser by mistake, it runs nothing and reaches nothing of this site.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
