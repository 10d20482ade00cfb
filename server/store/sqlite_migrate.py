"""Bringing a SQLite data file up to this code's schema (see :mod:`.migrations`)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from .migrations import VERSION_TABLE, StoreError, check_version, migrations, split_statements

__all__ = ["schema_version", "migrate_sqlite", "LATEST"]

ENGINE = "sqlite"
LATEST = len(migrations(ENGINE))


def schema_version(db: sqlite3.Connection) -> int:
    """The file's schema version: 0 for an empty file or one from before versions (0.1.0)."""
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    return int(db.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0])


def migrate_sqlite(db: sqlite3.Connection, where: str) -> tuple[int, int]:
    """Apply the missing migrations in one transaction; return (version before, after).

    ``db`` must be in autocommit mode (``isolation_level=None``). ``BEGIN IMMEDIATE`` takes the
    write lock before the version is read, so two processes starting at once cannot both apply
    the same migration.
    """
    try:
        before = schema_version(db)
        check_version(before, LATEST, where)
        if before == LATEST:
            return before, before
        db.execute("BEGIN IMMEDIATE")
        try:
            before = schema_version(db)
            check_version(before, LATEST, where)
            db.execute(VERSION_TABLE)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for migration in migrations(ENGINE)[before:]:
                for statement in split_statements(migration.sql, sqlite3.complete_statement):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, now),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    except sqlite3.DatabaseError as error:
        raise StoreError(
            f"{where} cannot be opened or upgraded ({error}); if the file is damaged, "
            "restore it from a backup (partnerboard restore SRC)"
        ) from None
    return before, LATEST
