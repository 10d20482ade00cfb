"""The state of each board's latest voting round, for both engines (mixed into each store).

The table comes from migration ``0013_voting_rounds.sql``; the engine gives :meth:`_run` and
:meth:`_fetch` (SQLite's ``?`` placeholders). The round itself lives in the board document
(``meta.voting``); the server writes this row with it, under the board's lock (on PostgreSQL
in the same transaction), so that a vote on any node can check the round under that lock by
reading one row instead of loading the whole document again from the store (see
server/voting.py).
"""

from __future__ import annotations

from typing import Any

__all__ = ["VotingRounds"]


class VotingRounds:
    """Store methods for the board's latest voting round: its number, open or closed."""

    def _run(self, query: str, args: tuple[Any, ...]) -> int: ...  # rows changed
    def _fetch(self, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]: ...

    def set_voting_round(self, board_id: str, round_: int, open_: bool) -> None:
        """Note that the board's latest round is ``round_``, now open or closed."""
        self._run(
            "INSERT INTO voting_rounds (board_id, round, open) VALUES (?, ?, ?)"
            " ON CONFLICT (board_id) DO UPDATE SET round = excluded.round, open = excluded.open",
            (board_id, round_, int(open_)),
        )

    def voting_round(self, board_id: str) -> tuple[int, bool] | None:
        """(number, open) of the board's latest round, or None when none was noted (its rounds
        predate the table, or it came from a board file)."""
        rows = self._fetch("SELECT round, open FROM voting_rounds WHERE board_id = ?",
                           (board_id,))
        return (int(rows[0][0]), bool(rows[0][1])) if rows else None
