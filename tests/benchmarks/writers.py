"""Writers: clients that send pre-generated edits at a fixed rate and note each send time."""

from __future__ import annotations

import asyncio
import time

from edits import WRITER_SPAN, EditSource
from rawsocket import RawClient, masked_frame, open_raw
from wire import Compression

__all__ = ["Writers"]


class Writers:
    """``count`` writer connections to one board, used round-robin.

    ``urls`` are the board's address on each node; the writers alternate between them. Each
    is a lean client (rawsocket.py): its frames are masked before the clock starts, and what
    the server sends it is read off the socket and dropped, so a writer that stopped reading
    is never what a server sees.
    """

    def __init__(self, urls: list[str], count: int, compression: Compression) -> None:
        self.urls = urls
        self.count = count
        self.compression = compression
        self.clients: list[RawClient] = []
        self.sources = [EditSource(writer) for writer in range(count)]

    async def open(self) -> Writers:
        for index in range(self.count):
            self.clients.append(
                await open_raw(self.urls[index % len(self.urls)], self.compression, None))
        return self

    def plan(self, rate: float, duration: float) -> list[tuple[RawClient, int, bytes]]:
        """The ``rate * duration`` edits of one round, generated and framed now, before the
        clock starts: (writer, sequence number, frame) in sending order."""
        total = max(1, round(rate * duration))
        # Exactly the edits that will be sent: a skipped update would leave the writer's later
        # updates with a missing dependency, which a server holds back instead of applying.
        per_writer = [
            self.sources[w].take((total - w + self.count - 1) // self.count)
            for w in range(self.count)
        ]
        return [
            (self.clients[i % self.count], seq, masked_frame(0x2, message))
            for i in range(total)
            for seq, message in [per_writer[i % self.count][i // self.count]]
        ]

    @staticmethod
    async def send(plan: list[tuple[RawClient, int, bytes]], rate: float
                   ) -> tuple[dict[int, float], dict[int, int]]:
        """Send a :meth:`plan` spread evenly at ``rate``; return send times and each writer's
        last sequence number. Raises rawsocket.Closed when the server closed a writer."""
        sent: dict[int, float] = {}
        finals: dict[int, int] = {}
        start = time.monotonic() + 0.001
        for i, (client, seq, frame) in enumerate(plan):
            delay = start + i / rate - time.monotonic()
            if delay > 0 or i % 8 == 0:
                # Yield even when behind schedule, so what the server sends is read.
                await asyncio.sleep(max(0.0, delay))
            if not client.writable.is_set():
                await client.drain()
            sent[seq] = time.monotonic()
            client.write(frame)
            finals[seq // WRITER_SPAN] = seq
        return sent, finals

    async def close(self) -> None:
        await asyncio.gather(*(client.close() for client in self.clients),
                             return_exceptions=True)
