"""ONS's published files imported once for the tests that read them, not once for each test:
importing a whole file is most of what such a test costs.

``imported_once()`` is for tests that each run in a transaction (``django_db``). The reference
data and the files are written inside one more transaction, opened before the module's first
test and rolled back after its last, so nothing of them is ever committed. Each test runs inside
it in a savepoint of its own, rolled back after the test as always, so what one test changes in
the figures is gone for the next; and nothing is left for the next module, in any worker, with
``--reuse-db`` too, or after a run cut short (an open transaction dies with its connection).
It is not for tests that commit (``transactional_db``, ``live_server``), which would not see it.

``imported_or_put_back()`` is for the browser tests, whose live server reads through a
connection of its own, so that each test commits and the database is emptied after it: the files
are imported the first time in a process and the rows they added kept, then put back table by
table for each later test (COPY on PostgreSQL), as tests/conftest.py does with the reference data.

Each worker that runs one of the tests imports the files once. (Keeping a module's tests in one
worker with ``xdist_group`` and ``--dist loadgroup`` would import them once a run, but the
group is lost under pytest 9, whose node ids pytest-xdist 3.8 can no longer extend.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from pytest_django import DjangoDbBlocker

from core.models import Deal
from missions import services
from missions.models import Area, Indicator, IndicatorFramework, MissingFigure, Observation

from .conftest import load_reference

ONS = Path(settings.BASE_DIR) / "data" / "ons-explore-local-statistics"

# What importing ONS's files writes.
IMPORTED_MODELS: tuple[type[Model], ...] = (
    IndicatorFramework,
    Indicator,
    Area,
    Observation,
    Observation.history.model,
    MissingFigure,
)


def import_folders(*folders: str) -> None:
    """Import published folders as ``import_observations`` imports a directory holding them
    (by name, each file all or nothing), reading them where they are, byte for byte."""
    reports = [services.import_ons_folder(ONS / name, acting_user=None) for name in sorted(folders)]
    assert [(r.name, r.outcome) for r in reports] == [
        (name, services.IMPORTED) for name in sorted(folders)
    ], [r.problems for r in reports]


@contextmanager
def imported_once(django_db_blocker: DjangoDbBlocker, *folders: str) -> Iterator[int]:
    """For a module-scoped fixture: the reference data and the folders, held for the module's
    tests in a transaction that is rolled back after them. Yields the West Midlands deal's id."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            deal = load_reference()
            import_folders(*folders)
            # The tests reach the database as they would without this: only through django_db.
            with django_db_blocker.block():
                yield deal.pk
        finally:
            transaction.set_rollback(True)


def the_deal(deal_id: int) -> Deal:
    """The deal, read afresh for each test (a test may change it)."""
    return Deal.objects.get(pk=deal_id)


# --- For tests that commit (the live server's) ------------------------------------------------

# Per process: the folders imported -> the ids each model held before, and the rows the import
# added (as PostgreSQL's COPY writes them, or as dicts of values on another database).
_kept: dict[tuple[str, ...], tuple[dict[type[Model], set[Any]], list[tuple[type[Model], Any]]]] = {}


def _pks() -> dict[type[Model], set[Any]]:
    return {m: set(m._base_manager.values_list("pk", flat=True)) for m in IMPORTED_MODELS}


def _values(model: type[Model]) -> list[dict[str, Any]]:
    names = [f.attname for f in model._meta.concrete_fields]
    return list(model._base_manager.order_by("pk").values(*names))


def _columns(model: type[Model]) -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(model._meta.db_table), ", ".join(
        quote(f.column) for f in model._meta.concrete_fields
    )


def _copy_out(model: type[Model], held: set[int]) -> bytes:
    """The rows not among ``held``, as COPY writes them: every value exactly as stored."""
    table, columns = _columns(model)
    pk = connection.ops.quote_name(model._meta.pk.column)
    # Names Django quotes, of its own tables; the ids are bound.
    query = f"SELECT {columns} FROM {table} WHERE NOT {pk} = ANY(%s)"  # noqa: S608
    copy_out = f"COPY ({query}) TO STDOUT"
    with connection.cursor() as cursor, cursor.cursor.copy(copy_out, [sorted(held)]) as copy:
        return b"".join(bytes(chunk) for chunk in copy)


def _copy_in(model: type[Model], data: bytes) -> None:
    table, columns = _columns(model)
    copy_in = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(copy_in) as copy:
        copy.write(data)


def imported_or_put_back(*folders: str) -> None:
    """Import the folders, on top of the reference data and nothing else of theirs; or, after
    the first time in this process, put back the rows that import added."""
    key = tuple(sorted(folders))
    held = _pks()
    copying = connection.vendor == "postgresql"
    if key in _kept:
        before, rows = _kept[key]
        assert held == before, "the figures are put back only where they were first imported"
        with transaction.atomic():
            for model, added in rows:
                if copying:
                    _copy_in(model, added)
                else:
                    model._base_manager.bulk_create([model(**v) for v in added])
        statements = connection.ops.sequence_reset_sql(no_style(), list(IMPORTED_MODELS))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
        return
    existing = {m: _values(m) for m in IMPORTED_MODELS}
    import_folders(*folders)
    kept: list[tuple[type[Model], Any]] = []
    for model in IMPORTED_MODELS:
        values = _values(model)
        pk = model._meta.pk.attname
        # The import leaves the rows it found as they were: putting back only what it added
        # gives the database the import would.
        assert [v for v in values if v[pk] in held[model]] == existing[model], model
        added = [v for v in values if v[pk] not in held[model]]
        kept.append((model, _copy_out(model, held[model]) if copying else added))
    _kept[key] = (held, kept)
