"""Databases of their own for tests: created on the machine's PostgreSQL, dropped afterwards.

``PARTNERBOARD_TEST_STORE=postgres`` (or ``pytest --store postgres``) makes every test server
use a fresh PostgreSQL database instead of a SQLite file, so the whole server suite can run
against the shared store.
"""

from __future__ import annotations

import os
import queue
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

ADMIN_URL = os.environ.get(
    "PARTNERBOARD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def create_database() -> str:
    """A new empty database; returns its URL."""
    name = f"pbtest_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return ADMIN_URL.rpartition("/")[0] + "/" + name


def drop_database(url: str) -> None:
    name = url.rpartition("/")[2]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


#: Databases to drop, and the drops that failed (url, error), for drop_database_later.
_TO_DROP: queue.Queue[str | None] = queue.Queue()
_DROP_ERRORS: list[tuple[str, str]] = []
_dropper: threading.Thread | None = None


def _drop_in_turn() -> None:
    while (url := _TO_DROP.get()) is not None:
        try:
            drop_database(url)
        except Exception as error:  # reported by wait_for_drops
            _DROP_ERRORS.append((url, f"{type(error).__name__}: {error}"))


def drop_database_later(url: str) -> None:
    """Drop ``url`` in a thread of its own while the next test runs. A drop took ~0.1 s on a
    quiet machine and 1.9 s at load 15 (the database's files removed and synced): 141 of them
    were a sixth of the PostgreSQL pass's test time, all of it spent waiting in a teardown.
    The database is not used again: its data dir's key was removed from the suite's map."""
    global _dropper
    if _dropper is None:
        _dropper = threading.Thread(target=_drop_in_turn, name="drop-databases", daemon=True)
        _dropper.start()
    _TO_DROP.put(url)


def wait_for_drops() -> list[tuple[str, str]]:
    """Wait until every database given to drop_database_later is dropped; the failed drops."""
    global _dropper
    if _dropper is not None:
        _TO_DROP.put(None)
        _dropper.join()
        _dropper = None
    return list(_DROP_ERRORS)


@contextmanager
def database_for_test() -> Iterator[str]:
    """A fresh PostgreSQL database URL when the suite runs on PostgreSQL, else ""."""
    if os.environ.get("PARTNERBOARD_TEST_STORE") != "postgres":
        yield ""
        return
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)
