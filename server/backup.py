"""Backing up and restoring the embedded store (``partnerboard backup`` / ``restore``).

A backup uses SQLite's online backup API: it reads one consistent state of the database while
the server keeps writing (WAL mode lets readers and the writer proceed), so it can run at any
time against a running server. A restore replaces the data file and so must never run under a
serving process: ``serve`` holds an exclusive lock on ``partnerboard.lock`` in the data dir for
as long as it runs, and ``restore`` refuses while that lock is taken.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .store.migrations import StoreError
from .store.sqlite_migrate import LATEST, schema_version

__all__ = ["BackupError", "DataDirLock", "backup", "check_copy", "restore"]

DB_NAME = "partnerboard.sqlite3"
LOCK_NAME = "partnerboard.lock"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why."""


class DataDirLock:
    """An exclusive lock on a data dir, held by a serving process (released when it exits,
    also when it is killed)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self.handle: IO[str] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


@dataclass(frozen=True)
class CopyInfo:
    path: Path
    schema_version: int
    boards: int
    size: int


def check_copy(path: Path) -> CopyInfo:
    """Open a database copy read-only and check that it is a whole partnerboard store."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be opened: {error}") from None
    try:
        result = db.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"{path} is damaged (integrity check: {result})")
        version = schema_version(db)
        has_boards = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'boards'"
        ).fetchone()
        if not has_boards:
            raise BackupError(f"{path} is not a partnerboard store (it has no boards table)")
        boards = int(db.execute("SELECT count(*) FROM boards").fetchone()[0])
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable database: {error}") from None
    finally:
        db.close()
    if version > LATEST:
        raise BackupError(
            f"{path} has schema version {version}, newer than this partnerboard knows "
            f"({LATEST}): restore it with that release or a newer one"
        )
    return CopyInfo(path, version, boards, path.stat().st_size)


def _copy_database(source: Path, target: Path) -> None:
    """Copy with the online backup API into ``target`` (written fresh, then renamed)."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    try:
        src.execute("PRAGMA busy_timeout=10000")
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # all pages in one step: one consistent state
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(partial, target)


def backup(data_dir: Path, dest: Path) -> CopyInfo:
    """Copy the data dir's store to ``dest`` (a file, or a directory to put a dated file in)."""
    source = data_dir / DB_NAME
    if not source.is_file():
        raise BackupError(f"there is no partnerboard store in {data_dir} ({DB_NAME} is missing)")
    if dest.is_dir():
        dest = dest / f"partnerboard-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.sqlite3"
    if dest.exists():
        raise BackupError(f"{dest} already exists: choose a new name (a backup never overwrites)")
    if not dest.parent.is_dir():
        raise BackupError(f"the folder {dest.parent} does not exist")
    try:
        _copy_database(source, dest)
    except sqlite3.Error as error:
        raise BackupError(f"the backup failed: {error}") from None
    return check_copy(dest)


def restore(source: Path, data_dir: Path) -> tuple[CopyInfo, Path | None]:
    """Put a backup in place of the data dir's store; the store it replaces is kept beside it
    (returned). Refuses while a server holds the data dir."""
    info = check_copy(source)
    lock = DataDirLock(data_dir)
    if not lock.acquire():
        raise BackupError(
            f"a partnerboard server is running on {data_dir}: stop it first, then restore"
        )
    try:
        target = data_dir / DB_NAME
        kept = None
        if target.exists():
            kept = data_dir / f"{DB_NAME}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}"
            try:
                _copy_database(target, kept)
            except sqlite3.Error as error:
                raise BackupError(f"cannot keep the current store aside: {error}") from None
        # The old store's write-ahead log must not be applied to the restored file (its
        # content is in the copy kept aside).
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        try:
            _copy_database(source, target)
        except (sqlite3.Error, StoreError) as error:
            raise BackupError(f"the restore failed: {error}") from None
    finally:
        lock.release()
    return info, kept
