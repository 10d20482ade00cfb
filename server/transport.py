"""The small protocol the sync core speaks to a connection, and the close codes it uses.

The room depends only on this, so the same code runs under Starlette's WebSocket
(server/websocket.py) or an in-memory pair in tests.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["CloseCode", "TransportClosed", "FrameRejected", "Transport"]


class CloseCode:
    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED = 1003
    POLICY = 1008
    TOO_BIG = 1009
    INTERNAL = 1011
    TRY_AGAIN = 1013


class TransportClosed(Exception):
    """The other side went away."""


class FrameRejected(Exception):
    """The transport received a frame it will not pass on (text, too large)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Transport(Protocol):
    async def receive(self) -> bytes:
        """The next binary frame; raises TransportClosed or FrameRejected."""
        ...

    def receive_ready(self) -> bytes | None:
        """The next binary frame when it has arrived already and is one :meth:`receive` would
        return as it is; None otherwise (then :meth:`receive` takes it). Lets the room handle
        the frames that arrived together at once."""
        ...

    async def send(self, data: bytes) -> None: ...

    def send_now(self, data: bytes) -> bool:
        """Send without waiting, if the connection can take the frame at once.

        False means nothing was sent and the frame must go through :meth:`send`. A broadcast
        then costs one write per receiver instead of one task wake-up per receiver.
        """
        ...

    async def close(self, code: int, reason: str = "") -> None: ...
