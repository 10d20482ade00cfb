"""The shared store for several nodes: PostgreSQL through psycopg 3.

The room calls the store synchronously from the event loop, exactly as with SQLite, so "stored
before broadcast" stays one straight line of code and no update can overtake another inside a
node. Each node keeps a small pool (usually one connection is in use: everything runs on the
event loop thread); a broken connection is dropped by the pool and the next call gets a new one.

Document updates are committed with ``synchronous_commit = off``: the commit returns once
PostgreSQL has the row, without waiting for its WAL flush (measured here under load: 0.24 ms
against 6 ms at the median), which is what keeps a synchronous append affordable on the event
loop. A node killed with ``kill -9`` loses nothing that way (the database has the row); only a
crash of PostgreSQL itself can lose the last fraction of a second of updates, and those are
still in the clients' documents, which send them again when they reconnect. Decisions (a new
board, finalize, votes, signatures) are committed with a full flush.

What must stay single across nodes is decided here, under the board row's lock:

* an update is appended only while the board is open (``FOR SHARE`` on the board row, in the
  same statement), so once any node has finalized a board no node can append to it;
* finalizing, compacting and voting take the row ``FOR UPDATE`` (:meth:`board_transaction`),
  which waits for appends in flight and holds off new ones until the decision is committed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import Connection
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool
from pycrdt import Doc

from . import BoardFrozen, BoardRecord, HeldBoard, HistoryUpdate, Sender, StoreError
from .drafts import DraftTables
from .networks import NetworkTables
from .node_secrets import NodeSecrets
from .postgres_parties import PostgresPartyTables
from .postgres_schema import migrate_postgres
from .privacy import PostgresPrivacyTables
from .voting_rounds import VotingRounds

__all__ = ["PostgresStore"]

#: The encoding of an update that changes nothing (no structs, no deletions).
_NOTHING = b"\x00\x00"


class PostgresStore(
    PostgresPartyTables, DraftTables, NetworkTables, NodeSecrets, PostgresPrivacyTables,
    VotingRounds,
):
    def __init__(self, url: str, *, max_connections: int = 4) -> None:
        self.url = url
        where = f"the database {conninfo_to_dict(url).get('dbname', '')!r}"
        try:
            # Migrate before the pool opens: a database that cannot be used stops the node
            # with one line, not with a pool retrying in the background.
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                #: (schema version found on opening, schema version now).
                self.migrated = migrate_postgres(conn, where)
        except psycopg.Error as error:
            raise StoreError(f"cannot reach {where}: {str(error).strip()}") from None
        self.pool: ConnectionPool[Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True, "options": "-c synchronous_commit=off"},
            open=True,
            name="partnerboard",
        )
        self.pool.wait(timeout=10)
        # The connection of the board transaction in progress on this thread (see
        # board_transaction); per thread, since reads may also run in worker threads.
        self._local = threading.local()

    @property
    def _held(self) -> Connection[Any] | None:
        return getattr(self._local, "held", None)

    @contextmanager
    def _connection(self) -> Iterator[Connection[Any]]:
        held = self._held
        if held is not None:
            yield held
            return
        with self.pool.connection() as conn:
            yield conn

    def _one(self, query: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._connection() as conn:
            return conn.execute(query, args).fetchone()

    def _all(self, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            return conn.execute(query, args).fetchall()

    def _run(self, query: str, args: tuple[Any, ...]) -> int:
        """A statement of the shared store mixins, written with SQLite's ``?``."""
        with self._connection() as conn:
            return conn.execute(query.replace("?", "%s"), args).rowcount

    def _fetch(self, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return self._all(query.replace("?", "%s"), args)

    @contextmanager
    def board_transaction(self, board_id: str) -> Iterator[str | None]:
        """Hold the board's row lock for a decision; yields its state (None: no such board).

        Store calls made inside use the same transaction; appends from every node wait.
        """
        if self._held is not None:
            raise RuntimeError("board transactions do not nest")
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SET LOCAL synchronous_commit = on")
            row = conn.execute(
                "SELECT state FROM boards WHERE id = %s FOR UPDATE", (board_id,)
            ).fetchone()
            self._local.held = conn
            try:
                yield row[0] if row else None
            finally:
                self._local.held = None

    def hold_board(self, board_id: str) -> _HeldRow:
        """The board row's lock (``FOR UPDATE``) on a connection of its own, for a decision
        that awaits before it commits (finalize; see :class:`_HeldRow`)."""
        if self._held is not None:
            raise RuntimeError("board transactions do not nest")
        conn = self.pool.getconn()
        try:
            conn.execute("BEGIN")
            conn.execute("SET LOCAL synchronous_commit = on")
            row = conn.execute(
                "SELECT state FROM boards WHERE id = %s FOR UPDATE", (board_id,)
            ).fetchone()
        except BaseException:
            _end(conn, commit=False)
            self.pool.putconn(conn)
            raise
        return _HeldRow(self, conn, row[0] if row else None)

    def create_board(self, board: BoardRecord, initial_update: bytes) -> None:
        with self._connection() as conn, conn.transaction():
            conn.execute("SET LOCAL synchronous_commit = on")
            conn.execute(
                "INSERT INTO boards (id, canvas, title, language, state, created_at, predecessor,"
                " partners) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (board.id, board.canvas, board.title, board.language, board.state,
                 board.created_at, board.predecessor, json.dumps(list(board.partners))),
            )
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO tokens (board_id, role, token_hash) VALUES (%s, %s, %s)",
                    [(board.id, role, digest) for role, digest in board.token_hashes.items()],
                )
            conn.execute(
                "INSERT INTO snapshots (board_id, data, upto) VALUES (%s, %s, 0)",
                (board.id, initial_update),
            )
            conn.execute(
                "INSERT INTO checkpoints (board_id, upto, data) VALUES (%s, 0, %s)",
                (board.id, initial_update),
            )

    def get_board(self, board_id: str) -> BoardRecord | None:
        row = self._one(
            "SELECT id, canvas, title, language, state, created_at, finalized_at,"
            " snapshot_sha256, predecessor, partners, covenant_sha256 FROM boards WHERE id = %s",
            (board_id,),
        )
        if row is None:
            return None
        hashes = dict(self._all(
            "SELECT role, token_hash FROM tokens WHERE board_id = %s", (board_id,)
        ))
        return BoardRecord(*row[:9], partners=tuple(json.loads(row[9])), token_hashes=hashes,
                           covenant_sha256=row[10])

    def load_document(self, board_id: str) -> tuple[list[bytes], int]:
        updates, last, _index = self.load_indexed(board_id)
        return updates, last

    def load_indexed(self, board_id: str) -> tuple[list[bytes], int, bytes | None]:
        snapshot = self._one(
            "SELECT data, upto, doc_index FROM snapshots WHERE board_id = %s", (board_id,)
        )
        updates = [bytes(snapshot[0])] if snapshot else []
        last = int(snapshot[1]) if snapshot else 0
        # Every stored update, not only those above the snapshot's mark: ids are handed out
        # before commit, so a smaller id from another node can commit later. Compaction
        # marks the rows it folded in, so the rest is exactly what the snapshot lacks.
        for update_id, data in self._all(
            "SELECT id, data FROM updates WHERE board_id = %s AND NOT folded ORDER BY id",
            (board_id,),
        ):
            updates.append(bytes(data))
            last = max(last, int(update_id))
        index = snapshot[2] if snapshot else None
        return updates, last, bytes(index) if index is not None else None

    def append_update(
        self, board_id: str, update: bytes, by: Sender | str = "server", note: str = ""
    ) -> int:
        row = self._one(
            "INSERT INTO updates (board_id, data, at, note, sender, party, seat, person, org)"
            " SELECT id, %s, %s, %s, %s, %s, %s, %s, %s FROM boards"
            " WHERE id = %s AND state = 'open' FOR SHARE RETURNING id",
            (update, time.time(), note or None, *Sender.of(by).columns(), board_id),
        )
        if row is None:
            raise BoardFrozen(board_id)
        return int(row[0])

    def compact(
        self, board_id: str, snapshot: bytes, upto: int, index: bytes | None = None
    ) -> bool:
        """Fold every stored update into one snapshot, under the board's lock.

        ``snapshot`` is the caller's document, which may lack updates another node stored
        a moment ago; those are merged in from the table before their rows go, so nothing
        is lost whatever ``upto`` says. When nothing stored adds to it, the caller's own
        bytes are kept, with its ``index``; else the merged document, without one (the index
        describes the caller's document only: the next load walks the merged one).
        """
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT 1 FROM boards WHERE id = %s FOR UPDATE", (board_id,))
            stored = conn.execute(
                "SELECT data, upto FROM snapshots WHERE board_id = %s", (board_id,)
            ).fetchone()
            rows = conn.execute(
                "SELECT id, data FROM updates WHERE board_id = %s AND NOT folded ORDER BY id",
                (board_id,),
            ).fetchall()
            if stored is not None and int(stored[1]) > max([upto, *(int(r[0]) for r in rows)]):
                # Folded since the caller's document was read (an erasure folds without the
                # deleted content the caller's document still holds): never go back.
                return False
            if not rows and stored is not None and bytes(stored[0]) == snapshot:
                if index is not None:
                    conn.execute("UPDATE snapshots SET doc_index = %s WHERE board_id = %s",
                                 (index, board_id))
                return index is not None
            doc = Doc()
            doc.apply_update(snapshot)
            added: list[bytes] = []
            subscription = doc.observe(lambda event: added.append(event.update))
            try:
                # One transaction per update, as the rooms applied them (see decode_stored).
                if stored is not None:
                    doc.apply_update(bytes(stored[0]))
                for _id, data in rows:
                    doc.apply_update(bytes(data))
            finally:
                doc.unobserve(subscription)
            if any(update != _NOTHING for update in added):
                merged, index = doc.get_update(), None
            else:
                merged = snapshot
            last = max([upto, *(int(row[0]) for row in rows)])
            conn.execute(
                "INSERT INTO snapshots (board_id, data, upto, doc_index) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (board_id) DO UPDATE SET data = excluded.data,"
                " upto = excluded.upto, doc_index = excluded.doc_index",
                (board_id, merged, last, index),
            )
            conn.execute(
                "INSERT INTO checkpoints (board_id, upto, data) VALUES (%s, %s, %s)"
                " ON CONFLICT (board_id, upto) DO UPDATE SET data = excluded.data",
                (board_id, last, merged),
            )
            if rows:
                # Kept as history; only no longer loaded with the snapshot.
                conn.execute(
                    "UPDATE updates SET folded = true WHERE board_id = %s AND id <= %s"
                    " AND NOT folded",
                    (board_id, int(rows[-1][0])),
                )
        return index is not None

    def client_owners(self, board_id: str) -> dict[int, str]:
        rows = self._all("SELECT client_id, link FROM client_ids WHERE board_id = %s", (board_id,))
        return {int(client_id): link for client_id, link in rows}

    def claim_clients(self, board_id: str, client_ids: list[int], link: str) -> None:
        with self._connection() as conn, conn.transaction(), conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO client_ids (board_id, client_id, link) VALUES (%s, %s, %s)"
                " ON CONFLICT (board_id, client_id) DO NOTHING",
                [(board_id, client_id, link) for client_id in client_ids],
            )

    def update_count(self, board_id: str) -> int:
        row = self._one(
            "SELECT count(*) FROM updates WHERE board_id = %s AND NOT folded", (board_id,)
        )
        return int(row[0]) if row else 0

    def history(self, board_id: str) -> tuple[list[HistoryUpdate], int | None]:
        first = self._one("SELECT min(upto) FROM checkpoints WHERE board_id = %s", (board_id,))
        if first is None or first[0] is None:
            return [], None
        rows = self._all(
            "SELECT id, at, coalesce(sender, ''), coalesce(note, ''), coalesce(party, ''),"
            " coalesce(seat, ''), coalesce(person, ''), coalesce(org, '') FROM updates"
            " WHERE board_id = %s AND id > %s ORDER BY id",
            (board_id, int(first[0])),
        )
        return [HistoryUpdate(int(r[0]), *r[1:]) for r in rows], int(first[0])

    def state_at(self, board_id: str, seq: int) -> list[bytes] | None:
        checkpoint = self._one(
            "SELECT data, upto FROM checkpoints WHERE board_id = %s AND upto <= %s"
            " ORDER BY upto DESC LIMIT 1",
            (board_id, seq),
        )
        if checkpoint is None:
            return None
        rows = self._all(
            "SELECT data FROM updates WHERE board_id = %s AND id > %s AND id <= %s ORDER BY id",
            (board_id, int(checkpoint[1]), seq),
        )
        return [bytes(checkpoint[0]), *(bytes(row[0]) for row in rows)]

    def updates_since(self, board_id: str, seq: int) -> list[tuple[int, bytes]]:
        return [
            (int(row[0]), bytes(row[1]))
            for row in self._all(
                "SELECT id, data FROM updates WHERE board_id = %s AND id > %s ORDER BY id",
                (board_id, seq),
            )
        ]

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
        with self._connection() as conn, conn.transaction():
            conn.execute("SET LOCAL synchronous_commit = on")
            conn.execute(
                "INSERT INTO boards (id, canvas, title, language, state, created_at,"
                " finalized_at, snapshot_sha256, predecessor, partners)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (board.id, board.canvas, board.title, board.language, board.state,
                 board.created_at, board.finalized_at, board.snapshot_sha256, board.predecessor,
                 json.dumps(list(board.partners))),
            )
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO tokens (board_id, role, token_hash) VALUES (%s, %s, %s)",
                    [(board.id, role, digest) for role, digest in board.token_hashes.items()],
                )
            conn.execute(
                "INSERT INTO checkpoints (board_id, upto, data) VALUES (%s, 0, %s)",
                (board.id, checkpoint),
            )
            last = 0
            for at, by, note, data in updates:
                row = conn.execute(
                    "INSERT INTO updates (board_id, data, at, note, sender, party, seat, person,"
                    " org, folded) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, true) RETURNING id",
                    (board.id, data, at, note or None, *Sender.of(by).columns()),
                ).fetchone()
                last = int(row[0]) if row else last
            conn.execute(
                "INSERT INTO snapshots (board_id, data, upto) VALUES (%s, %s, %s)",
                (board.id, document, last),
            )
            if last:
                conn.execute(
                    "INSERT INTO checkpoints (board_id, upto, data) VALUES (%s, %s, %s)",
                    (board.id, last, document),
                )
            if final_snapshot is not None:
                conn.execute(
                    "INSERT INTO final_snapshots (board_id, data, sha256) VALUES (%s, %s, %s)",
                    (board.id, final_snapshot, board.snapshot_sha256),
                )
            if covenant is not None:
                self._store_covenant(conn, board.id, *covenant, board.finalized_at or 0.0)

    def _store_covenant(
        self, conn: Connection[Any], board_id: str | None, body: bytes, sha256: str, at: float
    ) -> None:
        if board_id is None:
            if conn.execute(
                "SELECT 1 FROM covenants WHERE sha256 = %s", (sha256,)
            ).fetchone() is not None:
                return
        conn.execute(
            "INSERT INTO covenants (sha256, board_id, body, created_at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            (sha256, board_id, body, at),
        )
        if board_id is not None:
            conn.execute(
                "UPDATE boards SET covenant_sha256 = %s WHERE id = %s AND covenant_sha256 IS NULL",
                (sha256, board_id),
            )

    def store_covenant(self, board_id: str | None, body: bytes, sha256: str, at: float) -> None:
        with self._connection() as conn, conn.transaction():
            conn.execute("SET LOCAL synchronous_commit = on")
            self._store_covenant(conn, board_id, body, sha256, at)

    def covenant(
        self, *, board_id: str | None = None, sha256: str | None = None
    ) -> tuple[bytes, str] | None:
        if board_id is not None:
            row = self._one(
                "SELECT body, sha256 FROM covenants WHERE board_id = %s", (board_id,)
            )
        else:
            row = self._one(
                "SELECT body, sha256 FROM covenants WHERE sha256 = %s LIMIT 1", (sha256,)
            )
        return (bytes(row[0]), row[1]) if row else None

    def finalize(
        self,
        board_id: str,
        snapshot: bytes,
        sha256: str,
        at: float,
        covenant: tuple[bytes, str] | None = None,
    ) -> None:
        with self._connection() as conn, conn.transaction():
            conn.execute("SET LOCAL synchronous_commit = on")
            conn.execute(
                "INSERT INTO final_snapshots (board_id, data, sha256) VALUES (%s, %s, %s)",
                (board_id, snapshot, sha256),
            )
            conn.execute(
                "UPDATE boards SET state = 'finalized', finalized_at = %s,"
                " snapshot_sha256 = %s WHERE id = %s",
                (at, sha256, board_id),
            )
            if covenant is not None:
                self._store_covenant(conn, board_id, *covenant, at)

    def final_snapshot(self, board_id: str) -> bytes | None:
        row = self._one("SELECT data FROM final_snapshots WHERE board_id = %s", (board_id,))
        return bytes(row[0]) if row else None

    def add_signature(self, board_id: str, signature: dict[str, str]) -> bool:
        """Record a party's signature; False when that party already signed this snapshot."""
        with self._connection() as conn, conn.transaction():
            conn.execute("SET LOCAL synchronous_commit = on")
            row = conn.execute(
                "INSERT INTO signatures (board_id, organisation, name, signed_at,"
                " snapshot_sha256, covenant_sha256) VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING RETURNING 1",
                (board_id, signature["organisation"], signature["name"], signature["signed_at"],
                 signature["snapshot_sha256"], signature.get("covenant_sha256")),
            ).fetchone()
        return row is not None

    def signatures(self, board_id: str) -> list[dict[str, str]]:
        rows = self._all(
            "SELECT organisation, name, signed_at, snapshot_sha256, covenant_sha256"
            " FROM signatures WHERE board_id = %s ORDER BY signed_at",
            (board_id,),
        )
        keys = ("organisation", "name", "signed_at", "snapshot_sha256", "covenant_sha256")
        return [
            {key: value for key, value in zip(keys, row, strict=True) if value is not None}
            for row in rows
        ]

    def add_vote(self, board_id: str, round_: int, voter: str, element_id: str) -> None:
        with self._connection() as conn:
            conn.execute(
                "INSERT INTO votes (board_id, round, voter, element_id) VALUES (%s, %s, %s, %s)",
                (board_id, round_, voter, element_id),
            )

    def remove_vote(self, board_id: str, round_: int, voter: str, element_id: str) -> bool:
        row = self._one(
            "DELETE FROM votes WHERE id = (SELECT id FROM votes WHERE board_id = %s"
            " AND round = %s AND voter = %s AND element_id = %s LIMIT 1) RETURNING 1",
            (board_id, round_, voter, element_id),
        )
        return row is not None

    def votes(self, board_id: str, round_: int, voter: str | None = None) -> dict[str, int]:
        """Votes per element in a round, of one voter or of everyone."""
        query = "SELECT element_id, count(*) FROM votes WHERE board_id = %s AND round = %s"
        args: tuple[object, ...] = (board_id, round_)
        if voter is not None:
            query += " AND voter = %s"
            args += (voter,)
        return {key: int(n) for key, n in self._all(query + " GROUP BY element_id", args)}

    def add_activity(self, board_id: str, counts: dict[tuple[str, int], int]) -> None:
        with self._connection() as conn, conn.transaction(), conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO activity (board_id, org, step, updates) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (board_id, org, step) DO UPDATE"
                " SET updates = activity.updates + excluded.updates",
                [(board_id, org, step, n) for (org, step), n in counts.items()],
            )

    def activity(self, board_id: str) -> dict[tuple[str, int], int]:
        rows = self._all(
            "SELECT org, step, updates FROM activity WHERE board_id = %s", (board_id,)
        )
        return {(org, int(step)): int(updates) for org, step, updates in rows}

    def ping(self) -> None:
        """One round trip; raises when the database cannot be reached."""
        self._one("SELECT 1", ())

    def release_memory(self) -> None:
        """Nothing to give back: the database server keeps the pages."""

    def close(self) -> None:
        self.pool.close()



def _end(conn: Connection[Any], *, commit: bool) -> None:
    try:
        conn.execute("COMMIT" if commit else "ROLLBACK")
    except psycopg.Error:
        if commit:
            raise
        # A broken connection rolled back by itself; the pool drops it on return.


class _HeldRow(HeldBoard):
    """A board row held ``FOR UPDATE`` across awaits, which a worker thread may commit.

    While a finalize awaits its covenant, the loop thread's other store calls must not run in
    this transaction (they would be rolled back with it), so the held connection is set for a
    thread only inside :meth:`here`. And the transaction is ended in the worker thread, right
    after the covenant is stored: if the loop itself blocked on this row meanwhile (the same
    board's row touched by another request on this node), it waits for that thread, never
    for itself. Other nodes wait for the lock as they did when the whole decision ran in one
    turn.
    """

    ends_anywhere = True

    def __init__(self, store: PostgresStore, conn: Connection[Any], state: str | None) -> None:
        super().__init__(state)
        self._store = store
        self._conn: Connection[Any] | None = conn

    @contextmanager
    def here(self) -> Iterator[None]:
        if self._conn is None:
            raise RuntimeError("the board is no longer held")
        local = self._store._local
        if getattr(local, "held", None) is not None:
            raise RuntimeError("board transactions do not nest")
        local.held = self._conn
        try:
            yield
        finally:
            local.held = None

    def end(self, commit: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            _end(conn, commit=commit)
        finally:
            self._store.pool.putconn(conn)
