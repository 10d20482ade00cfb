"""Limits on what one client, address or board may take of the server.

Each limit has an option in ``partnerboard serve --help`` (server/settings.py) and a clear
error: a WebSocket close code with a reason, and a log line naming the board. The defaults are
far above a real session (500 people on one board behind one proxy address, the benchmarks'
5,000-note board) and only stop what no session does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

__all__ = ["RoomLimits", "ConnectionCounter"]


@dataclass(frozen=True)
class RoomLimits:
    """What one room accepts: per reader queue, and the size of its board."""

    #: Frames and bytes queued for a reader that cannot keep up, then 1013.
    queue_frames: int = 2000
    queue_bytes: int = 32 * 1024 * 1024
    #: Elements and stored bytes a board may grow to; an update beyond is refused (1009).
    board_elements: int = 20_000
    board_bytes: int = 64 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Any) -> RoomLimits:
        return cls(
            queue_frames=settings.send_queue_limit,
            queue_bytes=settings.send_queue_bytes,
            board_elements=settings.max_board_elements,
            board_bytes=settings.max_board_bytes,
        )


class ConnectionCounter:
    """Open WebSocket connections per client address and per board."""

    def __init__(self, per_address: int, per_board: int) -> None:
        self.per_address = per_address
        self.per_board = per_board
        self.addresses: Counter[str] = Counter()
        self.boards: Counter[str] = Counter()

    def admit(self, address: str, board_id: str) -> str | None:
        """Count a new connection, or say why it may not open (then nothing is counted)."""
        if self.addresses[address] >= self.per_address:
            return f"too many connections from one address (at most {self.per_address})"
        if self.boards[board_id] >= self.per_board:
            return f"too many connections to this board (at most {self.per_board})"
        self.addresses[address] += 1
        self.boards[board_id] += 1
        return None

    def release(self, address: str, board_id: str) -> None:
        for counter, key in ((self.addresses, address), (self.boards, board_id)):
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]
