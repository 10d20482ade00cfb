"""Secrets the nodes of one deployment share, for both engines (mixed into each store).

The table comes from migration ``0012_node_secrets.sql``; the engine gives :meth:`_run` and
:meth:`_fetch` (SQLite's ``?`` placeholders). A secret is made by the first node that asks for
it: nodes starting together each try to store one, the first insert wins, and every node reads
the stored one.
"""

from __future__ import annotations

import secrets
from typing import Any

__all__ = ["NodeSecrets"]


class NodeSecrets:
    """Store method for the deployment's shared secrets."""

    def _run(self, query: str, args: tuple[Any, ...]) -> int: ...  # rows changed
    def _fetch(self, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]: ...

    def node_secret(self, name: str) -> bytes:
        """The deployment's secret called ``name`` (32 random bytes, made once)."""
        self._run("INSERT INTO node_secrets (name, value) VALUES (?, ?)"
                  " ON CONFLICT (name) DO NOTHING", (name, secrets.token_bytes(32)))
        return bytes(self._fetch("SELECT value FROM node_secrets WHERE name = ?", (name,))[0][0])
