"""Limits on what one client, address or board may take of the server.

Each limit has an option in ``partnerboard serve --help`` (server/settings.py) and a clear
error: a WebSocket close code with a reason, and a log line naming the board. The defaults are
far above a real session (500 people on one board behind one proxy address, the benchmarks'
5,000-note board) and only stop what no session does.

A board's size limits hold on every path that fills a board, not only on WebSocket updates:
the HTTP paths that make or fill a board (merge, import, a brainstorm's reveal) ask
:func:`board_limit_problem` before they store anything.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map

from .yupdate import read_update

__all__ = ["RoomLimits", "ConnectionCounter", "board_limit_problem", "document_limit_problem"]


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


def board_limit_problem(limits: RoomLimits, *, elements: int, size: int = 0) -> str | None:
    """What a board of ``elements`` elements and ``size`` stored bytes would be over, or None.

    The answer completes "the board would hold …" and names the option that sets the limit,
    so whoever is refused knows what to shrink, or what the operator could raise.
    """
    if elements > limits.board_elements:
        return (f"{elements} elements, more than the {limits.board_elements} a board may hold "
                "on this server (--max-board-elements)")
    if size > limits.board_bytes:
        return (f"{size} bytes, more than the {limits.board_bytes} a board may hold on this "
                "server (--max-board-bytes)")
    return None


def document_limit_problem(limits: RoomLimits, document: bytes) -> str | None:
    """:func:`board_limit_problem` of an encoded board document from outside (a board file).

    Its size is checked first, so an oversized document is never decoded; then the bounded
    reader walks it before pycrdt does (raising :class:`~.yupdate.UpdateRejected` when it
    does not parse), and its elements are counted as the room counts them: live keys only.
    """
    problem = board_limit_problem(limits, elements=0, size=len(document))
    if problem:
        return problem
    read_update(document, max_string=limits.board_bytes)
    doc = Doc()
    doc.apply_update(document)
    return board_limit_problem(limits, elements=len(doc.get("elements", type=Map)),
                               size=len(document))


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
