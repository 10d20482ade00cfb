"""The hidden notes of a private brainstorm, for both engines (mixed into each store).

A draft is written by a seat and seen by that seat only until the facilitator reveals the
round: then the notes enter the board document together and the drafts are gone. The table
comes from migration ``0006_drafts.sql``; the engine gives :meth:`_run` and :meth:`_fetch`
(SQLite's ``?`` placeholders; the PostgreSQL store turns them into ``%s``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DraftTables"]

_KEYS = ("id", "seat", "org", "author", "guest", "text", "created_at")


class DraftTables:
    """Store methods for drafts: add, change and delete one's own, list, count, reveal all."""

    def _run(self, query: str, args: tuple[Any, ...]) -> int: ...  # rows changed
    def _fetch(self, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]: ...

    def add_draft(self, board_id: str, draft: dict[str, Any]) -> None:
        self._run(
            "INSERT INTO drafts (board_id, id, seat, org, author, guest, text, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (board_id, *(draft[key] for key in _KEYS)),
        )

    def update_draft(self, board_id: str, draft_id: str, seat: str, text: str) -> bool:
        """Change a draft's text; False unless it exists and is this seat's."""
        return self._run(
            "UPDATE drafts SET text = ? WHERE board_id = ? AND id = ? AND seat = ?",
            (text, board_id, draft_id, seat),
        ) == 1

    def delete_draft(self, board_id: str, draft_id: str, seat: str) -> bool:
        return self._run(
            "DELETE FROM drafts WHERE board_id = ? AND id = ? AND seat = ?",
            (board_id, draft_id, seat),
        ) == 1

    def drafts(self, board_id: str, seat: str | None = None) -> list[dict[str, Any]]:
        """The board's drafts (or one seat's), oldest first."""
        query = ("SELECT id, seat, org, author, guest, text, created_at FROM drafts"
                 " WHERE board_id = ?")
        args: tuple[Any, ...] = (board_id,)
        if seat is not None:
            query += " AND seat = ?"
            args += (seat,)
        rows = self._fetch(query + " ORDER BY created_at, id", args)
        return [{**dict(zip(_KEYS, row, strict=True)), "guest": bool(row[4])} for row in rows]

    def draft_count(self, board_id: str) -> int:
        """How many drafts the board holds, all seats together (a board's drafts are capped)."""
        return int(self._fetch("SELECT count(*) FROM drafts WHERE board_id = ?", (board_id,))
                   [0][0])

    def draft_chars(self, board_id: str) -> int:
        """The characters of the board's drafts' texts, authors and organisations together
        (what revealing them adds, besides the notes themselves: see brainstorm)."""
        return int(self._fetch(
            "SELECT coalesce(sum(length(text) + length(author) + length(org)), 0) FROM drafts"
            " WHERE board_id = ?", (board_id,))[0][0])

    def clear_drafts(self, board_id: str) -> None:
        self._run("DELETE FROM drafts WHERE board_id = ?", (board_id,))
