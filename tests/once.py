"""Data built once for a module's (or a class's) tests, not once for each test, where building it
is most of what each test costs.

``built_once()`` is for a module- or class-scoped fixture whose tests each run in a transaction
(``django_db``). What ``build`` writes is written inside one more transaction, opened before the
first of those tests and rolled back after the last, so nothing of it is ever committed. Each
test runs inside it in a savepoint of its own, rolled back after the test as always, so what one
test writes is gone for the next, whatever order pytest-randomly runs them in; and nothing is left
for the next module, in any worker, with ``--reuse-db`` too, or after a run cut short (an open
transaction dies with its connection). It is not for tests that commit (``transactional_db``,
``live_server``), which would not see it.

Keep such tests in a module (or a class: pytest-randomly shuffles classes whole) of their own,
next to nothing that needs another state. tests/ons_world.py does the same for ONS's files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import connection, transaction
from pytest_django import DjangoDbBlocker

T = TypeVar("T")


@contextmanager
def built_once(django_db_blocker: DjangoDbBlocker, build: Callable[[], T]) -> Iterator[T]:
    """Run ``build`` in a transaction held open for the tests and rolled back after them; yields
    what ``build`` returned (ids rather than model instances: a test reads its rows afresh)."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            value = build()
            # The tests reach the database as they would without this: only through django_db.
            with django_db_blocker.block():
                yield value
        finally:
            transaction.set_rollback(True)


def assert_inside_once() -> None:
    """For a test of such a module: it runs in its own savepoint within the held transaction,
    so whatever it writes is rolled back before the next test (django_db, not transactional)."""
    assert connection.in_atomic_block and len(connection.savepoint_ids) >= 1, (
        "a test sharing data built once must run in a savepoint of the held transaction"
    )
