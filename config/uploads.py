"""Uploaded files are held in memory up to a limit, and never written to a temporary file.

Django's own handlers write any file larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary
file as it arrives, so a form's size check only runs once the whole file is on disk. Here the
first handler counts what arrives: once the files of one request pass ``MAX_UPLOAD_BYTES``
altogether, the rest is read and dropped, and the file comes through as a ``TooLargeUpload``
that holds nothing but says how big it was, for the form to refuse it in words. The request
body as a whole is capped before any of it is read (``config.middleware``).
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class TooLargeUpload(UploadedFile):
    """A file that was larger than allowed: its name, type and size, and no content."""

    def __init__(self, name: str, content_type: str, size: int, charset: str | None) -> None:
        super().__init__(io.BytesIO(), name, content_type, size, charset)


class SizeLimitedUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0  # bytes of every file of the request so far
        self.too_large = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            self.too_large = True
        # None keeps the chunk from the handlers after this one, which hold the file.
        return None if self.too_large else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.too_large:
            return None  # the next handler's file, as received
        return TooLargeUpload(
            self.file_name or "", self.content_type or "", file_size, self.charset
        )
