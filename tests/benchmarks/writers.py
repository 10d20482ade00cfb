"""Writers: clients that send pre-generated edits at a fixed rate and note each send time."""

from __future__ import annotations

import asyncio
import contextlib
import time

import websockets
from edits import WRITER_SPAN, EditSource
from websockets.exceptions import ConnectionClosed
from wire import Compression, connect_synced

__all__ = ["Writers"]


class Writers:
    """``count`` writer connections to one board, used round-robin.

    ``urls`` are the board's address on each node; the writers alternate between them.
    """

    def __init__(self, urls: list[str], count: int, compression: Compression) -> None:
        self.urls = urls
        self.count = count
        self.compression = compression
        self.sockets: list[websockets.ClientConnection] = []
        self.sources = [EditSource(writer) for writer in range(count)]
        self._drains: list[asyncio.Task[None]] = []

    async def open(self) -> Writers:
        for index in range(self.count):
            ws, _state = await connect_synced(self.urls[index % len(self.urls)],
                                              self.compression)
            self.sockets.append(ws)
            # Servers echo edits (y-websocket) or forward the other writers' edits; read them so
            # the server never sees a writer as a slow peer.
            self._drains.append(asyncio.create_task(self._drain(ws)))
        return self

    @staticmethod
    async def _drain(ws: websockets.ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for _frame in ws:
                pass

    async def send(self, rate: float, duration: float) -> tuple[dict[int, float], dict[int, int]]:
        """Send ``rate * duration`` edits spread evenly; return send times and each writer's last
        sequence number. Edits are generated before the clock starts."""
        total = max(1, round(rate * duration))
        # Exactly the edits that will be sent: a skipped update would leave the writer's later
        # updates with a missing dependency, which a server holds back instead of applying.
        per_writer = [
            self.sources[w].take((total - w + self.count - 1) // self.count)
            for w in range(self.count)
        ]
        plan = [
            (self.sockets[i % self.count], *per_writer[i % self.count][i // self.count])
            for i in range(total)
        ]
        sent: dict[int, float] = {}
        finals: dict[int, int] = {}
        start = time.monotonic() + 0.01
        for i, (ws, seq, frame) in enumerate(plan):
            delay = start + i / rate - time.monotonic()
            if delay > 0 or i % 8 == 0:
                # Yield even when behind schedule: the drain tasks must keep reading, or the
                # server rightly drops a writer that stopped reading (partnerboard: 1013).
                await asyncio.sleep(max(0.0, delay))
            sent[seq] = time.monotonic()
            await ws.send(frame)
            finals[seq // WRITER_SPAN] = seq
        return sent, finals

    async def close(self) -> None:
        for task in self._drains:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
