"""The PostgreSQL tables of party links, sealed links, seats and party signatures.

The same methods as :mod:`.sqlite_parties`, for :class:`PostgresStore` (mixed in); the tables
come from migration ``0002_parties.sql``. Writes that people rely on (a new link, a seat, a
signature) wait for the WAL flush, as the store's other decisions do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

__all__ = ["PostgresPartyTables"]

_SEAT_KEYS = ("id", "link", "name", "org", "created_at")
_SIGNATURE_KEYS = ("party_id", "party_name", "name", "signed_at", "covenant_sha256")


class PostgresPartyTables:
    """Store methods for who speaks for whom (mixed into the PostgreSQL store)."""

    def _connection(self) -> AbstractContextManager[Any]: ...  # provided by PostgresStore

    def _one(self, query: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None: ...

    def _all(self, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]: ...

    @contextmanager
    def _durable(self) -> Iterator[Any]:
        with self._connection() as conn, conn.transaction():
            conn.execute("SET LOCAL synchronous_commit = on")
            yield conn

    def party_token_hashes(self, board_id: str) -> dict[str, str]:
        return dict(self._all(
            "SELECT party_id, token_hash FROM party_links WHERE board_id = %s", (board_id,)
        ))

    def set_link(self, board_id: str, link: str, token_hash: str, sealed: str | None) -> None:
        """Issue (or re-issue) a link: the old token, if any, stops matching at once."""
        with self._durable() as conn:
            if link.startswith("party:"):
                conn.execute(
                    "INSERT INTO party_links (board_id, party_id, token_hash) VALUES (%s, %s, %s)"
                    " ON CONFLICT (board_id, party_id) DO UPDATE"
                    " SET token_hash = excluded.token_hash",
                    (board_id, link.removeprefix("party:"), token_hash),
                )
            else:
                conn.execute(
                    "INSERT INTO tokens (board_id, role, token_hash) VALUES (%s, %s, %s)"
                    " ON CONFLICT (board_id, role) DO UPDATE"
                    " SET token_hash = excluded.token_hash",
                    (board_id, link, token_hash),
                )
            if sealed is None:
                conn.execute("DELETE FROM sealed_links WHERE board_id = %s AND link = %s",
                             (board_id, link))
            else:
                self._seal(conn, board_id, link, sealed)

    @staticmethod
    def _seal(conn: Any, board_id: str, link: str, sealed: str) -> None:
        conn.execute(
            "INSERT INTO sealed_links (board_id, link, sealed) VALUES (%s, %s, %s)"
            " ON CONFLICT (board_id, link) DO UPDATE SET sealed = excluded.sealed",
            (board_id, link, sealed),
        )

    def set_sealed(self, board_id: str, sealed: dict[str, str]) -> None:
        with self._durable() as conn:
            conn.execute("DELETE FROM sealed_links WHERE board_id = %s", (board_id,))
            for link, value in sealed.items():
                self._seal(conn, board_id, link, value)

    def sealed_links(self, board_id: str) -> dict[str, str]:
        return dict(self._all(
            "SELECT link, sealed FROM sealed_links WHERE board_id = %s", (board_id,)
        ))

    def set_partners(self, board_id: str, partners: list[dict[str, Any]]) -> None:
        with self._durable() as conn:
            conn.execute("UPDATE boards SET partners = %s WHERE id = %s",
                         (json.dumps(partners), board_id))

    def add_seat(self, board_id: str, seat: dict[str, Any]) -> None:
        with self._durable() as conn:
            conn.execute(
                "INSERT INTO seats (board_id, id, link, name, org, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (board_id, seat["id"], seat["link"], seat["name"], seat["org"],
                 seat["created_at"]),
            )

    def seats(self, board_id: str) -> list[dict[str, Any]]:
        rows = self._all(
            "SELECT id, link, name, org, created_at FROM seats WHERE board_id = %s"
            " ORDER BY created_at, id",
            (board_id,),
        )
        return [dict(zip(_SEAT_KEYS, row, strict=True)) for row in rows]

    def seat(self, board_id: str, seat_id: str) -> dict[str, Any] | None:
        row = self._one(
            "SELECT id, link, name, org, created_at FROM seats WHERE board_id = %s AND id = %s",
            (board_id, seat_id),
        )
        return dict(zip(_SEAT_KEYS, row, strict=True)) if row else None

    def seat_count(self, board_id: str, link: str) -> int:
        row = self._one("SELECT count(*) FROM seats WHERE board_id = %s AND link = %s",
                        (board_id, link))
        return int(row[0]) if row else 0

    def remove_seat(self, board_id: str, seat_id: str) -> bool:
        """Remove a seat and every vote it cast."""
        with self._durable() as conn:
            row = conn.execute("DELETE FROM seats WHERE board_id = %s AND id = %s RETURNING 1",
                               (board_id, seat_id)).fetchone()
            conn.execute("DELETE FROM votes WHERE board_id = %s AND voter = %s",
                         (board_id, seat_id))
        return row is not None

    def votes_by_voter(self, board_id: str, round_: int) -> dict[str, int]:
        return {voter: int(n) for voter, n in self._all(
            "SELECT voter, count(*) FROM votes WHERE board_id = %s AND round = %s GROUP BY voter",
            (board_id, round_),
        )}

    def add_party_signature(self, board_id: str, signature: dict[str, str]) -> str | None:
        """Record a signature; None when done, else what is already there ("party"/"name")."""
        with self._durable() as conn:
            clash = conn.execute(
                "SELECT party_id = %s FROM party_signatures WHERE board_id = %s"
                " AND covenant_sha256 = %s AND (party_id = %s OR name_key = %s) LIMIT 1",
                (signature["party_id"], board_id, signature["covenant_sha256"],
                 signature["party_id"], signature["name_key"]),
            ).fetchone()
            if clash is not None:
                return "party" if clash[0] else "name"
            row = conn.execute(
                "INSERT INTO party_signatures (board_id, party_id, party_name, name, name_key,"
                " signed_at, covenant_sha256) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING RETURNING 1",
                (board_id, signature["party_id"], signature["party_name"], signature["name"],
                 signature["name_key"], signature["signed_at"], signature["covenant_sha256"]),
            ).fetchone()
            if row is None:
                return "party"  # signed at this very moment through another node
        return None

    def party_signatures(self, board_id: str) -> list[dict[str, str]]:
        rows = self._all(
            "SELECT party_id, party_name, name, signed_at, covenant_sha256 FROM party_signatures"
            " WHERE board_id = %s ORDER BY signed_at, party_id",
            (board_id,),
        )
        return [dict(zip(_SIGNATURE_KEYS, row, strict=True)) for row in rows]
