"""Where papers' files are kept: the ``papers`` storage of ``STORAGES`` (on disk by default,
S3-compatible storage by environment variable; config/settings.py), under names no one can
guess, so that knowing one paper's name tells nothing of another's."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty

STORAGE_ALIAS = "papers"


class PapersStorage(LazyObject):
    """The ``papers`` storage of ``STORAGES``, looked up when first used and again after the
    setting changes (as Django's ``default_storage`` is): a file field keeps the storage it is
    given when the model is built, before a test or a deployment's settings may change it."""

    def _setup(self) -> None:
        self._wrapped = storages[STORAGE_ALIAS]


PAPERS = PapersStorage()


def papers_storage() -> Storage:
    """The storage papers are kept in (a callable, so that migrations do not name a backend)."""
    return PAPERS  # type: ignore[return-value]


def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        PAPERS._wrapped = empty  # type: ignore[assignment]


setting_changed.connect(_storages_changed, dispatch_uid="papers-storage")


def random_name(instance: Any, filename: str) -> str:
    """A random name for a paper's file, with neither its uploaded name nor its extension: the
    download gives it back its (cleaned) name."""
    return f"{secrets.token_urlsafe(32)}"
