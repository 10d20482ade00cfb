"""Bringing a PostgreSQL database up to this code's schema (see :mod:`.migrations`).

The numbers are the SQLite store's: ``postgres/0003_x.sql`` is the same change as
``sqlite/0003_x.sql``. Several nodes may start at once against one database: the first takes an
advisory lock and migrates inside one transaction, the others wait for it and find nothing left
to do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import Connection

from .migrations import VERSION_TABLE, StoreError, check_version, migrations, split_statements

__all__ = ["LATEST", "migrate_postgres", "schema_version"]

ENGINE = "postgres"
LATEST = len(migrations(ENGINE))
#: Any constant: the advisory lock that serialises migrations of nodes starting together.
_MIGRATION_LOCK = 0x70626D67


def schema_version(conn: Connection[Any]) -> int:
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    found = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(found[0]) if found else 0


def migrate_postgres(conn: Connection[Any], where: str) -> tuple[int, int]:
    """Apply the missing migrations in one transaction; return (version before, after).

    A database newer than this code is refused (:class:`SchemaTooNew`) rather than written with
    an old schema.
    """
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            before = schema_version(conn)
            check_version(before, LATEST, where)
            conn.execute(VERSION_TABLE)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for migration in migrations(ENGINE)[before:]:
                for statement in split_statements(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, now),
                )
    except psycopg.Error as error:
        raise StoreError(f"{where} cannot be upgraded: {str(error).strip()}") from None
    return before, max(before, LATEST)
