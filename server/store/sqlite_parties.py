"""The SQLite tables of party links, sealed links, seats and party signatures.

Kept apart from :mod:`.sqlite` so the core store stays about documents; :class:`SQLiteStore`
mixes this in. The tables come from migration ``0002_parties.sql``.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

__all__ = ["PartyTables"]


_SIGNATURE_KEYS = ("party_id", "party_name", "name", "signed_at", "covenant_sha256")


class PartyTables:
    """Store methods for who speaks for whom (mixed into the SQLite store)."""

    db: sqlite3.Connection

    # -- links -------------------------------------------------------------------------------

    def party_token_hashes(self, board_id: str) -> dict[str, str]:
        """Party id -> hash of its current link's token."""
        return dict(self.db.execute(
            "SELECT party_id, token_hash FROM party_links WHERE board_id = ?", (board_id,)
        ).fetchall())

    def set_link(
        self, board_id: str, link: str, token_hash: str, sealed: str | None
    ) -> None:
        """Issue (or re-issue) a link: the old token, if any, stops matching at once."""
        with self.db:
            self.db.execute("BEGIN")
            if link.startswith("party:"):
                self.db.execute(
                    "INSERT INTO party_links (board_id, party_id, token_hash) VALUES (?, ?, ?)"
                    " ON CONFLICT (board_id, party_id) DO UPDATE"
                    " SET token_hash = excluded.token_hash",
                    (board_id, link.removeprefix("party:"), token_hash),
                )
            else:
                self.db.execute(
                    "INSERT INTO tokens (board_id, role, token_hash) VALUES (?, ?, ?)"
                    " ON CONFLICT (board_id, role) DO UPDATE SET token_hash = excluded.token_hash",
                    (board_id, link, token_hash),
                )
            if sealed is None:
                self.db.execute(
                    "DELETE FROM sealed_links WHERE board_id = ? AND link = ?", (board_id, link)
                )
            else:
                self._seal(board_id, link, sealed)

    def _seal(self, board_id: str, link: str, sealed: str) -> None:
        self.db.execute(
            "INSERT INTO sealed_links (board_id, link, sealed) VALUES (?, ?, ?)"
            " ON CONFLICT (board_id, link) DO UPDATE SET sealed = excluded.sealed",
            (board_id, link, sealed),
        )

    def set_sealed(self, board_id: str, sealed: dict[str, str]) -> None:
        """Replace the sealed copies of a board's links (after the facilitator's changed)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM sealed_links WHERE board_id = ?", (board_id,))
            for link, value in sealed.items():
                self._seal(board_id, link, value)

    def sealed_links(self, board_id: str) -> dict[str, str]:
        return dict(self.db.execute(
            "SELECT link, sealed FROM sealed_links WHERE board_id = ?", (board_id,)
        ).fetchall())

    def set_partners(self, board_id: str, partners: list[dict[str, Any]]) -> None:
        self.db.execute(
            "UPDATE boards SET partners = ? WHERE id = ?", (json.dumps(partners), board_id)
        )

    # -- seats -------------------------------------------------------------------------------

    def add_seat(self, board_id: str, seat: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO seats (board_id, id, link, name, org, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (board_id, seat["id"], seat["link"], seat["name"], seat["org"], seat["created_at"]),
        )

    def seats(self, board_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT id, link, name, org, created_at FROM seats WHERE board_id = ?"
            " ORDER BY created_at, id",
            (board_id,),
        ).fetchall()
        keys = ("id", "link", "name", "org", "created_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def seat(self, board_id: str, seat_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT id, link, name, org, created_at FROM seats WHERE board_id = ? AND id = ?",
            (board_id, seat_id),
        ).fetchone()
        keys = ("id", "link", "name", "org", "created_at")
        return dict(zip(keys, row, strict=True)) if row else None

    def seat_count(self, board_id: str, link: str) -> int:
        return int(self.db.execute(
            "SELECT count(*) FROM seats WHERE board_id = ? AND link = ?", (board_id, link)
        ).fetchone()[0])

    def remove_seat(self, board_id: str, seat_id: str) -> bool:
        """Remove a seat and every vote it cast."""
        with self.db:
            self.db.execute("BEGIN")
            cursor = self.db.execute(
                "DELETE FROM seats WHERE board_id = ? AND id = ?", (board_id, seat_id)
            )
            self.db.execute(
                "DELETE FROM votes WHERE board_id = ? AND voter = ?", (board_id, seat_id)
            )
        return cursor.rowcount == 1

    def votes_by_voter(self, board_id: str, round_: int) -> dict[str, int]:
        """Votes cast per voter in a round."""
        return dict(self.db.execute(
            "SELECT voter, count(*) FROM votes WHERE board_id = ? AND round = ? GROUP BY voter",
            (board_id, round_),
        ).fetchall())

    # -- signatures --------------------------------------------------------------------------

    def add_party_signature(self, board_id: str, signature: dict[str, str]) -> str | None:
        """Record a signature; None when done, else what is already there ("party"/"name")."""
        try:
            self.db.execute(
                "INSERT INTO party_signatures (board_id, party_id, party_name, name, name_key,"
                " signed_at, covenant_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (board_id, signature["party_id"], signature["party_name"], signature["name"],
                 signature["name_key"], signature["signed_at"], signature["covenant_sha256"]),
            )
        except sqlite3.IntegrityError as error:
            return "name" if "name_key" in str(error) else "party"
        return None

    def party_signatures(self, board_id: str) -> list[dict[str, str]]:
        rows = self.db.execute(
            "SELECT party_id, party_name, name, signed_at, covenant_sha256 FROM party_signatures"
            " WHERE board_id = ? ORDER BY signed_at, party_id",
            (board_id,),
        ).fetchall()
        return [dict(zip(_SIGNATURE_KEYS, row, strict=True)) for row in rows]
