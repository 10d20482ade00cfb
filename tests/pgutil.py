"""Databases of their own for tests: created on the machine's PostgreSQL, dropped afterwards.

``PARTNERBOARD_TEST_STORE=postgres`` (or ``pytest --store postgres``) makes every test server
use a fresh PostgreSQL database instead of a SQLite file, so the whole server suite can run
against the shared store.
"""

from __future__ import annotations

import os
import secrets
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
