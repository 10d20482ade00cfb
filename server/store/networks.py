"""Networks and their boards, for both engines (mixed into each store, like the drafts).

The tables come from migrations ``0007_networks.sql`` and ``0009_network_home.sql``. Members,
tables and the review schedule are kept as JSON per network, since each is read and changed
as a whole; the network's covenant versions are rows of their own, changed only when people's
names in them are redacted (:mod:`..privacy_covenants`).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["NetworkTables"]


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


class NetworkTables:
    """Store methods for networks: create, read, change, their boards and covenant versions."""

    def _run(self, query: str, args: tuple[Any, ...]) -> int: ...
    def _fetch(self, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]: ...

    def create_network(self, network: dict[str, Any], key_hash: str) -> None:
        self._run(
            "INSERT INTO networks (id, name, key_hash, members, created_at) VALUES (?, ?, ?, ?, ?)",
            (network["id"], network["name"], key_hash, json.dumps(network["members"]),
             network["created_at"]),
        )

    def network(self, network_id: str) -> tuple[dict[str, Any], str] | None:
        """(the network, its key's hash), or None."""
        rows = self._fetch(
            "SELECT id, name, members, created_at, key_hash, tables, review FROM networks"
            " WHERE id = ?",
            (network_id,),
        )
        if not rows:
            return None
        found, name, members, created_at, key_hash, tables, review = rows[0]
        return ({"id": found, "name": name, "members": json.loads(members),
                 "created_at": created_at, "tables": json.loads(tables) if tables else {},
                 "review": json.loads(review) if review else None}, key_hash)

    def set_network_members(self, network_id: str, members: list[dict[str, Any]],
                            before: list[dict[str, Any]]) -> bool:
        """Replace the members, only if they are still ``before`` (as read): False when
        another request (another node) changed them meanwhile, so no change is lost."""
        return self._run("UPDATE networks SET members = ? WHERE id = ? AND members = ?",
                         (json.dumps(members), network_id, json.dumps(before))) == 1

    def set_network_tables(self, network_id: str, tables: dict[str, Any],
                           before: dict[str, Any]) -> bool:
        """Replace the tables, only if they are still ``before`` (as read): False when another
        request (another node) changed one meanwhile, so its change is not lost."""
        return self._run(
            "UPDATE networks SET tables = ? WHERE id = ? AND COALESCE(tables, '{}') = ?",
            (json.dumps(tables), network_id, json.dumps(before))) == 1

    def set_network_review(self, network_id: str, review: dict[str, Any] | None) -> None:
        self._run("UPDATE networks SET review = ? WHERE id = ?", (_json(review), network_id))

    def add_network_board(
        self, network_id: str, board_id: str, sealed: str, *,
        partners: dict[str, str] | None = None, delegation: str | None = None,
        sealed_with: str | None = None,
    ) -> None:
        """List a board as the network's: ``sealed`` is its facilitator token sealed for the
        network's key, or (``sealed_with`` a board id) for that board's facilitator token;
        ``partners`` maps its partner ids to member ids; ``delegation`` names its table."""
        self._run(
            "INSERT INTO network_boards (network_id, board_id, sealed, partners, delegation,"
            " sealed_with) VALUES (?, ?, ?, ?, ?, ?)",
            (network_id, board_id, sealed, _json(partners), delegation, sealed_with),
        )

    def network_boards(self, network_id: str) -> list[dict[str, Any]]:
        """Every board of the network: ``board_id``, ``sealed``, ``sealed_with``, ``partners``
        (None for boards made before migration 0009) and ``delegation``."""
        return [self._board_row(row) for row in self._fetch(
            "SELECT network_id, board_id, sealed, sealed_with, partners, delegation"
            " FROM network_boards WHERE network_id = ?", (network_id,))]

    def network_of_board(self, board_id: str) -> dict[str, Any] | None:
        """The board's row (with its ``network_id``) when it belongs to a network."""
        rows = self._fetch(
            "SELECT network_id, board_id, sealed, sealed_with, partners, delegation"
            " FROM network_boards WHERE board_id = ?", (board_id,))
        return self._board_row(rows[0]) if rows else None

    @staticmethod
    def _board_row(row: tuple[Any, ...]) -> dict[str, Any]:
        network_id, board_id, sealed, sealed_with, partners, delegation = row
        return {"network_id": network_id, "board_id": board_id, "sealed": sealed,
                "sealed_with": sealed_with, "partners": json.loads(partners) if partners else None,
                "delegation": delegation}

    def add_network_covenant(
        self, network_id: str, made_at: float, boards: list[dict[str, Any]], body: bytes,
        sha256: str,
    ) -> int | None:
        """Keep the next version of the network's covenant; return its number, or None when
        another node made that version at the same moment (the caller answers 409)."""
        added = self._fetch(
            "INSERT INTO network_covenants (network_id, version, made_at, boards, body, sha256)"
            " SELECT ?, COALESCE(MAX(version), 0) + 1, ?, ?, ?, ? FROM network_covenants"
            " WHERE network_id = ? ON CONFLICT DO NOTHING RETURNING version",
            (network_id, made_at, json.dumps(boards), body, sha256, network_id),
        )
        return int(added[0][0]) if added else None

    def replace_network_covenant(self, network_id: str, version: int, body: bytes,
                                 sha256: str, before: str) -> bool:
        """Replace a version by its redacted body, only if it is still the one hashed
        ``before`` (False: another node redacted it meanwhile)."""
        return self._run(
            "UPDATE network_covenants SET body = ?, sha256 = ? WHERE network_id = ?"
            " AND version = ? AND sha256 = ?", (body, sha256, network_id, version, before)) == 1

    def network_covenants(self, network_id: str) -> list[dict[str, Any]]:
        """Every version of the network's covenant, oldest first."""
        return [
            {"version": version, "made_at": made_at, "boards": json.loads(boards),
             "body": bytes(body), "sha256": sha256}
            for version, made_at, boards, body, sha256 in self._fetch(
                "SELECT version, made_at, boards, body, sha256 FROM network_covenants"
                " WHERE network_id = ? ORDER BY version", (network_id,))
        ]
