"""PDF documents made on the server from a page's own HTML and its print stylesheet, with
WeasyPrint.

Rendering never reaches the network or the file system beyond our own static files: the HTML
is ours, but it carries words people typed (a meeting's location, a proposal's text), and a
renderer that followed any address would let a page make the server fetch it (server-side
request forgery) or read a local file into a PDF. ``StaticFilesOnly`` serves the stylesheets
and images under ``STATIC_URL`` from the static files, and refuses every other address, so the
document is laid out with those and the fonts installed on the machine.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

logger = logging.getLogger(__name__)

PDF_CONTENT_TYPE = "application/pdf"


class RefusedURL(URLFetchingError):
    """An address the renderer may not fetch: anything but one of our static files."""


class StaticFilesOnly(URLFetcher):
    """Serves the static files under ``static_url`` (an absolute URL: the site's address and
    ``STATIC_URL``) and refuses every other address without opening it."""

    def __init__(self, static_url: str, **kwargs: Any) -> None:
        super().__init__(allowed_protocols=(), **kwargs)
        self.static_url = static_url if static_url.endswith("/") else static_url + "/"

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = static_file(self.static_name(url))
        if path is None:
            logger.warning("A PDF asked for %s, which is not a static file: refused.", url[:200])
            raise RefusedURL(f"Not one of the site's static files: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def static_name(self, url: str) -> str | None:
        """The static file's name a URL asks for, or None if it asks for anything else."""
        parts = urlsplit(url)
        base = urlsplit(self.static_url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.username:
            return None
        if not parts.path.startswith(base.path):
            return None
        name = unquote(parts.path[len(base.path) :])
        normal = posixpath.normpath(name)
        if not name or normal != name or normal.startswith(("/", "..")) or "\\" in name:
            return None
        return name


def static_file(name: str | None) -> Path | None:
    """The file behind a static file's name: in the collected files (where a name carries its
    content's hash in production), or else where ``findstatic`` finds it (development and the
    tests, which do not collect them)."""
    if name is None:
        return None
    try:
        if staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name))
    except (NotImplementedError, ValueError, SuspiciousFileOperation):
        return None  # a storage without local paths, or a name it finds unsafe
    found = finders.find(name)
    return Path(found) if isinstance(found, str) else None


def static_url_for(site_url: str) -> str:
    """The absolute address of the static files for a site at ``site_url`` ("https://host/")."""
    static = settings.STATIC_URL or "/static/"
    if urlsplit(static).scheme:
        return static
    return site_url.rstrip("/") + "/" + static.lstrip("/")


def render_pdf(html: str, *, site_url: str) -> bytes:
    """A PDF of ``html`` as print media, its relative addresses read against ``site_url`` (so
    its links lead to the site), its stylesheets and images from our static files only."""
    fetcher = StaticFilesOnly(static_url_for(site_url))
    document = HTML(string=html, base_url=site_url, url_fetcher=fetcher, media_type="print")
    pdf = document.write_pdf()
    if pdf is None:  # without a target, write_pdf returns the document's bytes
        raise RuntimeError("WeasyPrint wrote no PDF.")
    return bytes(pdf)
