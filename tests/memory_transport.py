"""An in-memory connection for driving a room without a server: frames in through
``incoming`` (None ends it), frames out into ``sent``."""

from __future__ import annotations

import asyncio

from partnerboard.server.transport import TransportClosed


class MemoryTransport:
    """One end of an in-memory connection."""

    def __init__(self) -> None:
        self.incoming: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.sent: list[bytes] = []
        self.closed: tuple[int, str] | None = None

    async def receive(self) -> bytes:
        frame = await self.incoming.get()
        if frame is None:
            raise TransportClosed()
        return frame

    def receive_ready(self) -> bytes | None:
        """Frames put in before the room reads are taken together, as over a socket."""
        if self.incoming.empty():
            return None
        frame = self.incoming.get_nowait()
        if frame is None:  # the end: left for receive
            self.incoming.put_nowait(None)
        return frame

    async def send(self, data: bytes) -> None:
        self.sent.append(data)

    def send_now(self, data: bytes) -> bool:
        self.sent.append(data)
        return True

    async def close(self, code: int, reason: str = "") -> None:
        self.closed = (code, reason)
        self.incoming.put_nowait(None)
