"""The embedded store: one SQLite file in the data directory, WAL mode.

Its schema comes from the numbered migrations in ``migrations/sqlite/``, applied on opening.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..group_commit import defer_commit, in_event_loop
from . import BoardRecord, HistoryUpdate, Sender, StoreDamaged
from .drafts import DraftTables
from .migrations import StoreError
from .networks import NetworkTables
from .node_secrets import NodeSecrets
from .privacy import SQLitePrivacyTables
from .sqlite_migrate import migrate_sqlite
from .sqlite_parties import PartyTables
from .voting_rounds import VotingRounds


def damaged_message(path: Path, detail: str) -> str:
    return (
        f"the data file {path} is damaged and cannot be opened safely ({detail}). The server "
        "will not start on it, so "
        f"nothing more is lost. To restore: stop every partnerboard process, move {path} "
        f"(with {path.name}-wal and {path.name}-shm beside it) out of the way, copy your "
        f"latest backup of it to {path}, and start again. To rescue what is still readable "
        f"first: sqlite3 {path} .recover > recovered.sql"
    )


log = logging.getLogger("partnerboard.store")

#: How long opening waits for another process that holds a new data file (creating it).
BUSY_SECONDS = 10.0


def _while_busy(step: Callable[[], object]) -> None:
    """Run ``step``, again while SQLite says the file is busy or locked.

    Switching a new file to WAL needs it to itself, and SQLite answers some of those waits at
    once instead of after ``busy_timeout`` (while another process sets the file up). That is
    not damage: three processes opening one new data file at once had one of them refuse it
    as damaged (a red CI run)."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as error:
            text = str(error).lower()
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Checkpointer:
    """Copies the WAL into the database file from a thread of its own.

    SQLite checkpoints on the committing connection once the WAL passes 1,000 pages, and a
    checkpoint ends in fsync: on the event loop, one update in a few hundred waited for the
    disk (measured: 126-169 us of wall time per append on average against 63-76 us without;
    the CPU time is the same). The server's connection therefore never checkpoints
    (``wal_autocheckpoint=0``); this thread does, with a connection of its own, after about as
    many pages as SQLite would have waited for (commits are counted: a few pages each). A
    PASSIVE checkpoint never blocks the writer. Durability is unchanged: a commit is in the
    WAL before the room sends the update, and the WAL is what recovery reads; the last
    connection to close checkpoints what is left.
    """

    #: Commits (a few pages each) after which the thread checkpoints.
    WAKE_EVERY = 250

    def __init__(self, path: Path) -> None:
        self.path = path
        self.appends = 0
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint",
                                        daemon=True)
        self._thread.start()

    def wrote(self) -> None:
        self.appends += 1
        if self.appends >= self.WAKE_EVERY:
            self.appends = 0
            self._wake.set()

    def _run(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA busy_timeout=5000")
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    break
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:  # busy or closing: the next round tries again
                    log.debug("WAL checkpoint skipped", exc_info=True)
        finally:
            db.close()

    def stop(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join(10)


class SQLiteStore(
    PartyTables, DraftTables, NetworkTables, NodeSecrets, SQLitePrivacyTables, VotingRounds,
):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        #: Started with the first update appended (stores only read by a command need none).
        self._checkpointer: Checkpointer | None = None
        #: A transaction holds this turn's appended updates (see group_commit).
        self._group_open = False
        try:
            self.db.execute("PRAGMA busy_timeout=5000")
            _while_busy(lambda: self.db.execute("PRAGMA journal_mode=WAL"))
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.check()
        except sqlite3.DatabaseError as error:
            self.db.close()
            raise StoreDamaged(damaged_message(path, str(error))) from None
        try:
            #: (schema version found, version now): what opening this file upgraded.
            self.migrated = migrate_sqlite(self.db, str(path))
        except StoreError:
            self.db.close()
            raise

    @property
    def db(self) -> sqlite3.Connection:
        """The connection, for everything but appending updates: this turn's appended updates
        are committed first, so every other statement runs outside their transaction and
        sees them."""
        if self._group_open:
            self._end_group()
        return self._db

    def _end_group(self) -> None:
        if not self._group_open:
            return
        self._group_open = False
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def check(self) -> None:
        """Refuse a file SQLite finds damaged (``PRAGMA quick_check``: every page and index
        entry read once, in linear time; it runs at every start)."""
        problems = [row[0] for row in self.db.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            self.db.close()
            raise StoreDamaged(damaged_message(self.path, "; ".join(problems)))

    def create_board(self, board: BoardRecord, initial_update: bytes) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "INSERT INTO boards (id, canvas, title, language, state, created_at, predecessor,"
                " partners) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    board.id,
                    board.canvas,
                    board.title,
                    board.language,
                    board.state,
                    board.created_at,
                    board.predecessor,
                    json.dumps(list(board.partners)),
                ),
            )
            self.db.executemany(
                "INSERT INTO tokens (board_id, role, token_hash) VALUES (?, ?, ?)",
                [(board.id, role, digest) for role, digest in board.token_hashes.items()],
            )
            self.db.execute(
                "INSERT INTO snapshots (board_id, data, upto) VALUES (?, ?, 0)",
                (board.id, initial_update),
            )
            self.db.execute(
                "INSERT INTO checkpoints (board_id, upto, data) VALUES (?, 0, ?)",
                (board.id, initial_update),
            )

    def get_board(self, board_id: str) -> BoardRecord | None:
        row = self.db.execute(
            "SELECT id, canvas, title, language, state, created_at, finalized_at,"
            " snapshot_sha256, predecessor, partners, covenant_sha256 FROM boards WHERE id = ?",
            (board_id,),
        ).fetchone()
        if row is None:
            return None
        hashes = dict(
            self.db.execute(
                "SELECT role, token_hash FROM tokens WHERE board_id = ?", (board_id,)
            ).fetchall()
        )
        return BoardRecord(*row[:9], partners=tuple(json.loads(row[9])), token_hashes=hashes,
                           covenant_sha256=row[10])

    def load_document(self, board_id: str) -> tuple[list[bytes], int]:
        updates, last, _index = self.load_indexed(board_id)
        return updates, last

    def load_indexed(self, board_id: str) -> tuple[list[bytes], int, bytes | None]:
        snapshot = self.db.execute(
            "SELECT data, upto, doc_index FROM snapshots WHERE board_id = ?", (board_id,)
        ).fetchone()
        updates = [snapshot[0]] if snapshot else []
        last = snapshot[1] if snapshot else 0
        for update_id, data in self.db.execute(
            "SELECT id, data FROM updates WHERE board_id = ? AND id > ? ORDER BY id",
            (board_id, last),
        ):
            updates.append(data)
            last = update_id
        return updates, last, snapshot[2] if snapshot else None

    def append_update(
        self, board_id: str, update: bytes, by: Sender | str = "server", note: str = ""
    ) -> int:
        checkpointer = self._checkpointer
        if checkpointer is None:
            self.db.execute("PRAGMA wal_autocheckpoint=0")
            checkpointer = self._checkpointer = Checkpointer(self.path)
        db = self._db
        if not self._group_open and in_event_loop():
            db.execute("BEGIN")
            self._group_open = True
            defer_commit(self._end_group)
            checkpointer.wrote()
        cursor = db.execute(
            "INSERT INTO updates (board_id, data, at, note, sender, party, seat, person, org)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (board_id, update, time.time(), note or None, *Sender.of(by).columns()),
        )
        if not self._group_open:
            checkpointer.wrote()
        return int(cursor.lastrowid or 0)

    def compact(
        self, board_id: str, snapshot: bytes, upto: int, index: bytes | None = None
    ) -> bool:
        with self.db:
            self.db.execute("BEGIN")
            newer = self.db.execute(
                "SELECT 1 FROM snapshots WHERE board_id = ? AND upto > ?", (board_id, upto)
            ).fetchone()
            if newer is not None:  # an erasure folded it since the caller read it: never back
                return False
            self.db.execute(
                "INSERT INTO snapshots (board_id, data, upto, doc_index) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (board_id) DO UPDATE SET data = excluded.data,"
                " upto = excluded.upto, doc_index = excluded.doc_index",
                (board_id, snapshot, upto, index),
            )
            self.db.execute(
                "INSERT OR REPLACE INTO checkpoints (board_id, upto, data) VALUES (?, ?, ?)",
                (board_id, upto, snapshot),
            )
        return index is not None

    def client_owners(self, board_id: str) -> dict[int, str]:
        return dict(
            self.db.execute(
                "SELECT client_id, link FROM client_ids WHERE board_id = ?", (board_id,)
            ).fetchall()
        )

    def claim_clients(self, board_id: str, client_ids: list[int], link: str) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO client_ids (board_id, client_id, link) VALUES (?, ?, ?)",
            [(board_id, client_id, link) for client_id in client_ids],
        )

    def update_count(self, board_id: str) -> int:
        return int(
            self.db.execute(
                "SELECT count(*) FROM updates WHERE board_id = ? AND id >"
                " (SELECT coalesce(max(upto), 0) FROM snapshots WHERE board_id = ?)",
                (board_id, board_id),
            ).fetchone()[0]
        )

    def history(self, board_id: str) -> tuple[list[HistoryUpdate], int | None]:
        first = self.db.execute(
            "SELECT min(upto) FROM checkpoints WHERE board_id = ?", (board_id,)
        ).fetchone()[0]
        if first is None:
            return [], None
        rows = self.db.execute(
            "SELECT id, at, coalesce(sender, ''), coalesce(note, ''), coalesce(party, ''),"
            " coalesce(seat, ''), coalesce(person, ''), coalesce(org, '') FROM updates"
            " WHERE board_id = ? AND id > ? ORDER BY id",
            (board_id, first),
        ).fetchall()
        return [HistoryUpdate(*row) for row in rows], int(first)

    def state_at(self, board_id: str, seq: int) -> list[bytes] | None:
        checkpoint = self.db.execute(
            "SELECT data, upto FROM checkpoints WHERE board_id = ? AND upto <= ?"
            " ORDER BY upto DESC LIMIT 1",
            (board_id, seq),
        ).fetchone()
        if checkpoint is None:
            return None
        rows = self.db.execute(
            "SELECT data FROM updates WHERE board_id = ? AND id > ? AND id <= ? ORDER BY id",
            (board_id, checkpoint[1], seq),
        ).fetchall()
        return [checkpoint[0], *(row[0] for row in rows)]

    def import_board(
        self,
        board: BoardRecord,
        checkpoint: bytes,
        updates: list[tuple[float | None, Sender | str, str, bytes]],
        document: bytes,
        *,
        final_snapshot: bytes | None = None,
        covenant: tuple[bytes, str] | None = None,
    ) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "INSERT INTO boards (id, canvas, title, language, state, created_at,"
                " finalized_at, snapshot_sha256, predecessor, partners)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (board.id, board.canvas, board.title, board.language, board.state,
                 board.created_at, board.finalized_at, board.snapshot_sha256, board.predecessor,
                 json.dumps(list(board.partners))),
            )
            self.db.executemany(
                "INSERT INTO tokens (board_id, role, token_hash) VALUES (?, ?, ?)",
                [(board.id, role, digest) for role, digest in board.token_hashes.items()],
            )
            self.db.execute(
                "INSERT INTO checkpoints (board_id, upto, data) VALUES (?, 0, ?)",
                (board.id, checkpoint),
            )
            last = 0
            for at, by, note, data in updates:
                cursor = self.db.execute(
                    "INSERT INTO updates (board_id, data, at, note, sender, party, seat, person,"
                    " org) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (board.id, data, at, note or None, *Sender.of(by).columns()),
                )
                last = int(cursor.lastrowid or 0)
            self.db.execute(
                "INSERT INTO snapshots (board_id, data, upto) VALUES (?, ?, ?)",
                (board.id, document, last),
            )
            if last:
                self.db.execute(
                    "INSERT INTO checkpoints (board_id, upto, data) VALUES (?, ?, ?)",
                    (board.id, last, document),
                )
            if final_snapshot is not None:
                self.db.execute(
                    "INSERT INTO final_snapshots (board_id, data, sha256) VALUES (?, ?, ?)",
                    (board.id, final_snapshot, board.snapshot_sha256),
                )
            if covenant is not None:
                self._store_covenant(board.id, *covenant, board.finalized_at or 0.0)

    def updates_since(self, board_id: str, seq: int) -> list[tuple[int, bytes]]:
        return [
            (int(row[0]), row[1])
            for row in self.db.execute(
                "SELECT id, data FROM updates WHERE board_id = ? AND id > ? ORDER BY id",
                (board_id, seq),
            )
        ]

    def finalize(
        self,
        board_id: str,
        snapshot: bytes,
        sha256: str,
        at: float,
        covenant: tuple[bytes, str] | None = None,
    ) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "INSERT INTO final_snapshots (board_id, data, sha256) VALUES (?, ?, ?)",
                (board_id, snapshot, sha256),
            )
            self.db.execute(
                "UPDATE boards SET state = 'finalized', finalized_at = ?, snapshot_sha256 = ?"
                " WHERE id = ?",
                (at, sha256, board_id),
            )
            if covenant is not None:
                self._store_covenant(board_id, *covenant, at)

    def _store_covenant(self, board_id: str | None, body: bytes, sha256: str, at: float) -> None:
        if board_id is None and self.covenant(sha256=sha256) is not None:
            return  # the same combined covenant, created again
        self.db.execute(
            "INSERT OR IGNORE INTO covenants (sha256, board_id, body, created_at)"
            " VALUES (?, ?, ?, ?)",
            (sha256, board_id, body, at),
        )
        if board_id is not None:
            self.db.execute(
                "UPDATE boards SET covenant_sha256 = ? WHERE id = ? AND covenant_sha256 IS NULL",
                (sha256, board_id),
            )

    def store_covenant(self, board_id: str | None, body: bytes, sha256: str, at: float) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self._store_covenant(board_id, body, sha256, at)

    def covenant(
        self, *, board_id: str | None = None, sha256: str | None = None
    ) -> tuple[bytes, str] | None:
        if board_id is not None:
            row = self.db.execute(
                "SELECT body, sha256 FROM covenants WHERE board_id = ?", (board_id,)
            ).fetchone()
        else:
            row = self.db.execute(
                "SELECT body, sha256 FROM covenants WHERE sha256 = ? LIMIT 1", (sha256,)
            ).fetchone()
        return (bytes(row[0]), row[1]) if row else None

    def final_snapshot(self, board_id: str) -> bytes | None:
        row = self.db.execute(
            "SELECT data FROM final_snapshots WHERE board_id = ?", (board_id,)
        ).fetchone()
        return row[0] if row else None

    def add_signature(self, board_id: str, signature: dict[str, str]) -> bool:
        """Record a party's signature; False when that party already signed this snapshot."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO signatures (board_id, organisation, name, signed_at,"
            " snapshot_sha256, covenant_sha256) VALUES (?, ?, ?, ?, ?, ?)",
            (board_id, signature["organisation"], signature["name"], signature["signed_at"],
             signature["snapshot_sha256"], signature.get("covenant_sha256")),
        )
        return cursor.rowcount == 1

    def signatures(self, board_id: str) -> list[dict[str, str]]:
        rows = self.db.execute(
            "SELECT organisation, name, signed_at, snapshot_sha256, covenant_sha256"
            " FROM signatures WHERE board_id = ? ORDER BY signed_at",
            (board_id,),
        ).fetchall()
        keys = ("organisation", "name", "signed_at", "snapshot_sha256", "covenant_sha256")
        return [
            {key: value for key, value in zip(keys, row, strict=True) if value is not None}
            for row in rows
        ]

    def add_vote(self, board_id: str, round_: int, voter: str, element_id: str) -> None:
        self.db.execute(
            "INSERT INTO votes (board_id, round, voter, element_id) VALUES (?, ?, ?, ?)",
            (board_id, round_, voter, element_id),
        )

    def remove_vote(self, board_id: str, round_: int, voter: str, element_id: str) -> bool:
        cursor = self.db.execute(
            "DELETE FROM votes WHERE id = (SELECT id FROM votes WHERE board_id = ? AND round = ?"
            " AND voter = ? AND element_id = ? LIMIT 1)",
            (board_id, round_, voter, element_id),
        )
        return cursor.rowcount == 1

    def votes(self, board_id: str, round_: int, voter: str | None = None) -> dict[str, int]:
        """Votes per element in a round, of one voter or of everyone."""
        query = "SELECT element_id, count(*) FROM votes WHERE board_id = ? AND round = ?"
        args: tuple[object, ...] = (board_id, round_)
        if voter is not None:
            query += " AND voter = ?"
            args += (voter,)
        return dict(self.db.execute(query + " GROUP BY element_id", args).fetchall())

    def add_activity(self, board_id: str, counts: dict[tuple[str, int], int]) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT INTO activity (board_id, org, step, updates) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (board_id, org, step) DO UPDATE"
                " SET updates = updates + excluded.updates",
                [(board_id, org, step, n) for (org, step), n in counts.items()],
            )

    def activity(self, board_id: str) -> dict[tuple[str, int], int]:
        rows = self.db.execute(
            "SELECT org, step, updates FROM activity WHERE board_id = ?", (board_id,)
        ).fetchall()
        return {(org, step): updates for org, step, updates in rows}

    def _run(self, query: str, args: tuple[object, ...]) -> int:
        return self.db.execute(query, args).rowcount

    def _fetch(self, query: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
        return self.db.execute(query, args).fetchall()

    def ping(self) -> None:
        self.db.execute("SELECT 1").fetchone()

    def release_memory(self) -> None:
        """Empty the connection's page cache: SQLite keeps up to 2 MB of the pages it read,
        whichever boards they belonged to (measured: 25 KiB per idle room with 100 rooms
        loaded, and about as much per room left after they were unloaded)."""
        self.db.execute("PRAGMA shrink_memory")

    def close(self) -> None:
        self._end_group()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self._db.close()
