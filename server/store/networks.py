"""Networks and their boards, for both engines (mixed into each store, like the drafts).

The tables come from migration ``0007_networks.sql``; members are kept as one JSON list per
network, since they are read and changed together.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["NetworkTables"]


class NetworkTables:
    """Store methods for networks: create, read, and the boards made for them."""

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
            "SELECT id, name, members, created_at, key_hash FROM networks WHERE id = ?",
            (network_id,),
        )
        if not rows:
            return None
        found, name, members, created_at, key_hash = rows[0]
        return ({"id": found, "name": name, "members": json.loads(members),
                 "created_at": created_at}, key_hash)

    def add_network_board(self, network_id: str, board_id: str, sealed: str) -> None:
        self._run("INSERT INTO network_boards (network_id, board_id, sealed) VALUES (?, ?, ?)",
                  (network_id, board_id, sealed))

    def network_boards(self, network_id: str) -> list[tuple[str, str]]:
        """(board id, its facilitator token sealed for the network's key) of every board."""
        return [(board, sealed) for board, sealed in self._fetch(
            "SELECT board_id, sealed FROM network_boards WHERE network_id = ?", (network_id,))]
