"""Uploaded files are held in memory up to a limit, and never written to a temporary file.

Django's own handlers write any file larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary
file as it arrives, so a form's size check only runs once the whole file is on disk. Here the
first handler counts what arrives: once the files of one request pass ``MAX_UPLOAD_BYTES``
altogether, the rest is read and dropped, and the file comes through as a ``TooLargeUpload``
that holds nothing but says how big it was, for the form to refuse it in words. The request
body as a whole is capped before any of it is read (``config.middleware``).

A paper's pages (under ``PAPER_UPLOAD_PATH``) take larger files, up to ``PAPER_MAX_BYTES``: the
limits of a request are read from its path, before any view runs, by ``file_limit`` and
``body_limit``.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


def _takes_papers(request: Any) -> bool:
    path = getattr(request, "path_info", "") or ""
    return bool(path.startswith(settings.PAPER_UPLOAD_PATH))


def file_limit(request: Any) -> int:
    """The most bytes the files of this request may hold altogether."""
    if _takes_papers(request):
        return max(settings.PAPER_MAX_BYTES, settings.MAX_UPLOAD_BYTES)
    return int(settings.MAX_UPLOAD_BYTES)


def body_limit(request: Any) -> int:
    """The largest body with files this request may send: a little over its files' limit, so
    that a file a little too large is refused in words on its form rather than with a 413."""
    if _takes_papers(request):
        return file_limit(request) + int(settings.MAX_UPLOAD_BYTES)
    return int(settings.MAX_REQUEST_BYTES)


class TooLargeUpload(UploadedFile):
    """A file that was larger than allowed: its name, type and size, and no content."""

    def __init__(self, name: str, content_type: str, size: int, charset: str | None) -> None:
        super().__init__(io.BytesIO(), name, content_type, size, charset)


class SizeLimitedUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = file_limit(request)
        self.received = 0  # bytes of every file of the request so far
        self.too_large = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
        # None keeps the chunk from the handlers after this one, which hold the file.
        return None if self.too_large else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.too_large:
            return None  # the next handler's file, as received
        return TooLargeUpload(
            self.file_name or "", self.content_type or "", file_size, self.charset
        )
