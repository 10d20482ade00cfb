"""What privacy needs of the store, for both engines (mixed into each store, like the drafts).

A network's retention setting, the record of redactions, and the few writes a redaction makes
beyond the board document: a seat's, a draft's or a signer's name replaced, the history folded
into its current snapshot, and a finalized board's snapshot and covenant replaced by their
redacted versions. The tables come from migration ``0010_privacy.sql``; the engine gives
:meth:`_run`, :meth:`_fetch` (SQLite's ``?`` placeholders) and :meth:`_atomic`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

__all__ = ["PrivacyTables", "SQLitePrivacyTables", "PostgresPrivacyTables"]


class PrivacyTables:
    """Store methods for retention and redaction."""

    def _run(self, query: str, args: tuple[Any, ...]) -> int: ...  # rows changed
    def _fetch(self, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]: ...

    def _atomic(self, board_id: str) -> AbstractContextManager[object]:
        """One transaction for several statements about a board (each engine gives its own)."""
        raise NotImplementedError

    def scrubbing(self) -> AbstractContextManager[None]:
        """Around a redaction: make the engine forget replaced bytes where it can."""
        raise NotImplementedError

    # -- retention ---------------------------------------------------------------------------

    def set_retention(self, network_id: str, months: int | None, at: float) -> None:
        """Keep names ``months`` months after a board's last change; None keeps them."""
        self._run("DELETE FROM network_retention WHERE network_id = ?", (network_id,))
        if months is not None:
            self._run("INSERT INTO network_retention (network_id, months, set_at) VALUES (?, ?, ?)",
                      (network_id, months, at))

    def retention(self, network_id: str) -> int | None:
        rows = self._fetch("SELECT months FROM network_retention WHERE network_id = ?",
                           (network_id,))
        return int(rows[0][0]) if rows else None

    def retentions(self) -> list[tuple[str, int]]:
        """(network id, months) of every network with a retention period."""
        return [(str(n), int(m)) for n, m in self._fetch(
            "SELECT network_id, months FROM network_retention ORDER BY network_id", ())]

    def last_change(self, board_id: str) -> float | None:
        """When the board's last kept update came (None: none kept, e.g. after a fold)."""
        rows = self._fetch("SELECT max(at) FROM updates WHERE board_id = ?", (board_id,))
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    # -- the record of redactions -------------------------------------------------------------

    def add_redaction(self, board_id: str, at: float, reason: str, summary: dict[str, Any]
                      ) -> None:
        self._run("INSERT INTO redactions (board_id, at, reason, summary) VALUES (?, ?, ?, ?)",
                  (board_id, at, reason, json.dumps(summary, sort_keys=True)))

    def redactions(self, board_id: str) -> list[dict[str, Any]]:
        """The board's redactions, oldest first: {"at", "reason", **summary}."""
        rows = self._fetch("SELECT at, reason, summary FROM redactions WHERE board_id = ?"
                           " ORDER BY at", (board_id,))
        return [{**json.loads(summary), "at": float(at), "reason": reason}
                for at, reason, summary in rows]

    # -- names outside the document -----------------------------------------------------------

    def set_seat_name(self, board_id: str, seat_id: str, name: str) -> None:
        self._run("UPDATE seats SET name = ? WHERE board_id = ? AND id = ?",
                  (name, board_id, seat_id))

    def set_draft_author(self, board_id: str, draft_id: str, author: str) -> None:
        self._run("UPDATE drafts SET author = ? WHERE board_id = ? AND id = ?",
                  (author, board_id, draft_id))

    def remove_draft(self, board_id: str, draft_id: str) -> None:
        self._run("DELETE FROM drafts WHERE board_id = ? AND id = ?", (board_id, draft_id))

    def set_party_signer(self, board_id: str, party_id: str, covenant_sha256: str, name: str,
                         name_key: str) -> None:
        self._run("UPDATE party_signatures SET name = ?, name_key = ? WHERE board_id = ?"
                  " AND party_id = ? AND covenant_sha256 = ?",
                  (name, name_key, board_id, party_id, covenant_sha256))

    def set_signer(self, board_id: str, organisation: str, snapshot_sha256: str, name: str
                   ) -> None:
        """A signature from before party links (table ``signatures``)."""
        self._run("UPDATE signatures SET name = ? WHERE board_id = ? AND organisation = ?"
                  " AND snapshot_sha256 = ?", (name, board_id, organisation, snapshot_sha256))

    def stored_mentions(self, board_id: str, mentions: Callable[[bytes], bool]) -> bool:
        """Whether ``mentions`` finds what it looks for (a name, see
        :func:`..privacy.history_mentions`) in any kept update or checkpoint of the board."""
        for table in ("updates", "checkpoints"):
            for (data,) in self._fetch(f"SELECT data FROM {table} WHERE board_id = ?",
                                       (board_id,)):
                if mentions(bytes(data)):
                    return True
        return False

    # -- history and finalized copies ----------------------------------------------------------

    def fold_history(self, board_id: str) -> None:
        """Make the board's current snapshot its only checkpoint and drop the updates it
        holds: the history then starts now, and no earlier state (with the names it had) can
        be shown or restored. Updates the snapshot does not hold yet are kept."""
        with self._atomic(board_id):
            rows = self._fetch("SELECT data, upto FROM snapshots WHERE board_id = ?", (board_id,))
            if not rows:
                return
            data, upto = rows[0]
            self._run("DELETE FROM checkpoints WHERE board_id = ?", (board_id,))
            self._run("INSERT INTO checkpoints (board_id, upto, data) VALUES (?, ?, ?)",
                      (board_id, upto, data))
            self._run("DELETE FROM updates WHERE board_id = ? AND id <= ?" + self._folded,
                      (board_id, upto))

    #: What else marks an update the snapshot holds (PostgreSQL's compaction marks them).
    _folded = ""

    def replace_final(self, board_id: str, snapshot: bytes, snapshot_sha256: str,
                      covenant: tuple[bytes, str] | None) -> None:
        """Replace a finalized board's snapshot and covenant by their redacted versions, with
        the hashes of the new bytes (the old hashes are kept in the redaction's record and in
        the covenant's ``redactions``)."""
        with self._atomic(board_id):
            self._run("UPDATE final_snapshots SET data = ?, sha256 = ? WHERE board_id = ?",
                      (snapshot, snapshot_sha256, board_id))
            self._run("UPDATE boards SET snapshot_sha256 = ? WHERE id = ?",
                      (snapshot_sha256, board_id))
            if covenant is not None:
                body, digest = covenant
                old = self._fetch("SELECT created_at FROM covenants WHERE board_id = ?",
                                  (board_id,))
                self._run("DELETE FROM covenants WHERE board_id = ?", (board_id,))
                self._run("INSERT INTO covenants (sha256, board_id, body, created_at)"
                          " VALUES (?, ?, ?, ?)",
                          (digest, board_id, body, old[0][0] if old else 0.0))
                self._run("UPDATE boards SET covenant_sha256 = ? WHERE id = ?",
                          (digest, board_id))


class SQLitePrivacyTables(PrivacyTables):
    db: Any

    @contextmanager
    def _atomic(self, board_id: str) -> Iterator[object]:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            yield None

    @contextmanager
    def scrubbing(self) -> Iterator[None]:
        """While inside, what is deleted or overwritten is zeroed in the file
        (``secure_delete``), and the write-ahead log is emptied after: a replaced name's old
        bytes linger neither in free pages nor in the log. Off again after, since zeroing
        costs time on every ordinary delete."""
        before = self.db.execute("PRAGMA secure_delete").fetchone()[0]
        self.db.execute("PRAGMA secure_delete = ON")
        try:
            yield
        finally:
            self.db.execute(f"PRAGMA secure_delete = {int(before)}")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class PostgresPrivacyTables(PrivacyTables):
    _folded = " AND folded"

    @contextmanager
    def scrubbing(self) -> Iterator[None]:
        """Nothing to do here: PostgreSQL keeps replaced row versions until (auto)vacuum
        reclaims them, which no statement of ours can hurry safely (see docs/privacy.md)."""
        yield

    def board_transaction(self, board_id: str) -> AbstractContextManager[str | None]: ...

    def _atomic(self, board_id: str) -> AbstractContextManager[object]:
        # The board row's lock: appends from every node wait until the fold is committed.
        return self.board_transaction(board_id)
