"""Numbered schema migrations, one folder of SQL files per store engine.

``<engine>/NNNN_what.sql`` brings that engine's schema from version NNNN-1 to NNNN. The numbers
are shared between engines: migration 0003 means the same change in ``sqlite/`` and in
``postgres/``, so a data dir's version says what it holds whatever the engine. Each store records
the migrations it applied in a ``schema_version`` table (one row per migration) and applies the
missing ones at start, inside one transaction, so a failed upgrade leaves the old schema as it
was. A store whose version is newer than this code's refuses to open (:class:`SchemaTooNew`):
older code writing to a newer schema could lose what the newer code keeps there.

Adding a change: write the next number in every engine folder you support; never edit a file
that was released.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "Migration", "SchemaTooNew", "StoreError", "VERSION_TABLE", "check_version", "migrations",
    "split_statements",
]

#: Created by each store before any migration runs; engine-neutral SQL.
VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class StoreError(RuntimeError):
    """The store cannot be opened as it is; the message says why and what to do."""


class SchemaTooNew(StoreError):
    """The data was written by a newer partnerboard than this one."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(engine: str) -> list[Migration]:
    """The engine's migrations in order; their numbers must run 1, 2, 3… without gaps."""
    folder = resources.files(__name__) / engine
    found = []
    for entry in folder.iterdir():
        matched = _FILE.match(entry.name)
        if matched:
            found.append(Migration(int(matched[1]), matched[2], entry.read_text("utf-8")))
    found.sort(key=lambda migration: migration.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StoreError(f"{engine} migrations are numbered with a gap or twice at {expected}")
    return found


def check_version(found: int, latest: int, where: str) -> None:
    """Fail closed when the stored schema is newer than this code knows."""
    if found > latest:
        raise SchemaTooNew(
            f"{where} has schema version {found}, but this partnerboard knows only up to "
            f"{latest}: it was written by a newer release. Run that release (or newer) on it, "
            "or restore a backup made before the upgrade."
        )


def split_statements(sql: str, complete: object = None) -> list[str]:
    """Split a script into statements at each ``;`` that ends one (not inside strings or
    trigger bodies when ``complete`` is a checker such as ``sqlite3.complete_statement``)."""
    statements, current = [], ""
    for piece in sql.split(";"):
        current += piece + ";"
        is_complete = complete(current) if callable(complete) else True
        if is_complete:
            text = "\n".join(
                line for line in current.splitlines() if not line.strip().startswith("--")
            ).strip()
            if text.strip(";").strip():
                statements.append(text)
            current = ""
    return statements
