"""The embedded store: one SQLite file in the data directory, WAL mode.

Its schema comes from the numbered migrations in ``migrations/sqlite/``, applied on opening.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from . import BoardRecord
from .migrations import StoreError
from .sqlite_migrate import migrate_sqlite
from .sqlite_parties import PartyTables


class SQLiteStore(PartyTables):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            self.db.execute("PRAGMA busy_timeout=5000")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as error:
            self.db.close()
            raise StoreError(
                f"{path} cannot be opened as a database ({error}); if the file is damaged, "
                "restore it from a backup (partnerboard restore SRC)"
            ) from None
        try:
            #: (schema version found, version now): what opening this file upgraded.
            self.migrated = migrate_sqlite(self.db, str(path))
        except StoreError:
            self.db.close()
            raise

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

    def get_board(self, board_id: str) -> BoardRecord | None:
        row = self.db.execute(
            "SELECT id, canvas, title, language, state, created_at, finalized_at,"
            " snapshot_sha256, predecessor, partners FROM boards WHERE id = ?",
            (board_id,),
        ).fetchone()
        if row is None:
            return None
        hashes = dict(
            self.db.execute(
                "SELECT role, token_hash FROM tokens WHERE board_id = ?", (board_id,)
            ).fetchall()
        )
        return BoardRecord(*row[:9], partners=tuple(json.loads(row[9])), token_hashes=hashes)

    def load_document(self, board_id: str) -> tuple[list[bytes], int]:
        snapshot = self.db.execute(
            "SELECT data, upto FROM snapshots WHERE board_id = ?", (board_id,)
        ).fetchone()
        updates = [snapshot[0]] if snapshot else []
        last = snapshot[1] if snapshot else 0
        for update_id, data in self.db.execute(
            "SELECT id, data FROM updates WHERE board_id = ? AND id > ? ORDER BY id",
            (board_id, last),
        ):
            updates.append(data)
            last = update_id
        return updates, last

    def append_update(self, board_id: str, update: bytes) -> int:
        cursor = self.db.execute(
            "INSERT INTO updates (board_id, data) VALUES (?, ?)", (board_id, update)
        )
        return int(cursor.lastrowid or 0)

    def compact(self, board_id: str, snapshot: bytes, upto: int) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "INSERT INTO snapshots (board_id, data, upto) VALUES (?, ?, ?)"
                " ON CONFLICT (board_id) DO UPDATE SET data = excluded.data, upto = excluded.upto",
                (board_id, snapshot, upto),
            )
            self.db.execute("DELETE FROM updates WHERE board_id = ? AND id <= ?", (board_id, upto))

    def update_count(self, board_id: str) -> int:
        return int(
            self.db.execute(
                "SELECT count(*) FROM updates WHERE board_id = ?", (board_id,)
            ).fetchone()[0]
        )

    def finalize(self, board_id: str, snapshot: bytes, sha256: str, at: float) -> None:
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

    def final_snapshot(self, board_id: str) -> bytes | None:
        row = self.db.execute(
            "SELECT data FROM final_snapshots WHERE board_id = ?", (board_id,)
        ).fetchone()
        return row[0] if row else None

    def add_signature(self, board_id: str, signature: dict[str, str]) -> bool:
        """Record a party's signature; False when that party already signed this snapshot."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO signatures (board_id, organisation, name, signed_at,"
            " snapshot_sha256) VALUES (?, ?, ?, ?, ?)",
            (board_id, signature["organisation"], signature["name"], signature["signed_at"],
             signature["snapshot_sha256"]),
        )
        return cursor.rowcount == 1

    def signatures(self, board_id: str) -> list[dict[str, str]]:
        rows = self.db.execute(
            "SELECT organisation, name, signed_at, snapshot_sha256 FROM signatures"
            " WHERE board_id = ? ORDER BY signed_at",
            (board_id,),
        ).fetchall()
        keys = ("organisation", "name", "signed_at", "snapshot_sha256")
        return [dict(zip(keys, row, strict=True)) for row in rows]

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

    def ping(self) -> None:
        self.db.execute("SELECT 1").fetchone()

    def close(self) -> None:
        self.db.close()
