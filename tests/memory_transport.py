"""An in-memory connection for driving a room without a server: frames in through
``incoming`` (None ends it), frames out into ``sent``."""

from __future__ import annotations

import asyncio

from partnerboard.server.room import Room
from partnerboard.server.tokens import Role
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


def serve_frames(room: Room, frames: list[bytes], role: Role = Role.PARTICIPANT,
                 link: str = "p", *, watcher: MemoryTransport | None = None,
                 timeout: float = 10) -> tuple[int, str] | None:
    """One connection to ``room`` that sends ``frames`` (read together, as from a socket)
    and ends; how the room closed it (None: it did not). ``watcher``, when given, is an
    observer connected meanwhile; its ``sent`` holds what the room sent it."""

    async def scenario() -> tuple[int, str] | None:
        watching = None
        if watcher is not None:
            watching = asyncio.create_task(room.serve(watcher, Role.OBSERVER, "o"))
            await asyncio.sleep(0)
        transport = MemoryTransport()
        for frame in [*frames, None]:
            transport.incoming.put_nowait(frame)
        await asyncio.wait_for(room.serve(transport, role, link), timeout)
        if watching is not None:
            watcher.incoming.put_nowait(None)
            await asyncio.wait_for(watching, timeout)
        return transport.closed

    return asyncio.run(scenario())
