"""One fuzz connection: sends inputs one at a time and learns what became of each.

After each input it sends a probe, a SyncStep1 with the witness's state vector; the server
answers frames in order, and only a SyncStep1 gets a SyncStep2 back, so when the probe's answer
arrives the input has been fully handled (and the answer is small: the witness already holds
almost everything). If the connection closes instead, the input closed it: the close code is
counted and a new connection takes over (closing on a bad frame is the expected answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from wsfuzz.frames import Input, InputSource

from partnerboard.server import yprotocol as yp

__all__ = ["FuzzConnection", "Stats", "Stalled"]


class Stalled(Exception):
    """The server neither answered nor closed in time (alive but stuck, or dead)."""

    def __init__(self, last: Input) -> None:
        super().__init__(last.kind)
        self.last = last


@dataclass
class Stats:
    inputs: Counter[str] = field(default_factory=Counter)
    closes: Counter[str] = field(default_factory=Counter)
    closes_by_kind: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def total(self) -> int:
        return sum(self.inputs.values())


def _answers(frame: bytes | str, max_bytes: int) -> int | None:
    """How many SyncStep2 answers the server owes for this input (1 for a step1), or None when
    the frame cannot be parsed at all, so the server must close (no probe is needed then)."""
    if isinstance(frame, str) or len(frame) > max_bytes:
        return None
    try:
        message = yp.parse_message(frame)
    except yp.ProtocolError:
        return None
    return int(message.type is yp.MessageType.SYNC and message.sync_type is yp.SyncType.STEP1)


class FuzzConnection:
    def __init__(
        self,
        url: str,
        source: InputSource,
        stats: Stats,
        probe_state: Callable[[], bytes],
        server_state: Callable[[], dict[int, int]],
        alive: Callable[[], bool],
        history: list[Input] | None = None,
        timeout: float = 20,
    ) -> None:
        """``history``: a list every sent input is appended to (the round's, to replay)."""
        self.url = url
        self.source = source
        self.stats = stats
        self.probe_state = probe_state
        self.server_state = server_state
        self.alive = alive
        self.history = history
        self.timeout = timeout
        self.ws: websockets.ClientConnection | None = None
        self.answers = 0
        self.expected = 0
        self.answered = asyncio.Event()
        self.reader: asyncio.Task[None] | None = None
        #: The input being handled now: the suspect when the server dies.
        self.current: Input | None = None
        self.recent: list[Input] = []

    async def _connect(self) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self.ws = await websockets.connect(
                    self.url, max_size=None, compression=None, ping_interval=None,
                    open_timeout=self.timeout)
                break
            except (OSError, InvalidHandshake, TimeoutError):
                if time.monotonic() > deadline or not self.alive():
                    raise
                await asyncio.sleep(0.05)  # a refused connection (limits): back off and retry
        self.stats.connections += 1
        self.answers = self.expected = 0
        self.answered = asyncio.Event()
        self.reader = asyncio.create_task(self._read(self.ws))
        self.source.reset_clocks(self.server_state())

    async def _read(self, ws: websockets.ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for frame in ws:
                if isinstance(frame, bytes) and frame[:2] == b"\x00\x01":
                    self.answers += 1
                    if self.answers >= self.expected:
                        self.answered.set()
        self.answered.set()

    async def send(self, count: int) -> None:
        """Send ``count`` inputs (reconnecting as the server closes connections)."""
        for _ in range(count):
            if self.ws is None:
                await self._connect()
            assert self.ws is not None
            item = self.current = self.source.next()
            self.recent = (self.recent + [item])[-20:]
            if self.history is not None:
                self.history.append(item)
            self.stats.inputs[item.family] += 1
            owed = _answers(item.frame, self.source.max_bytes)
            self.expected += 1 + (owed or 0)
            self.answered.clear()
            try:
                await self.ws.send(item.frame)
                if owed is not None:
                    await self.ws.send(yp.sync_step1(self.probe_state()))
            except ConnectionClosed:
                pass
            try:
                await asyncio.wait_for(self.answered.wait(), self.timeout)
            except TimeoutError:
                raise Stalled(item) from None
            if self.answers < self.expected:  # closed before the probe's answer
                await self._closed(item)
        self.current = None

    async def _closed(self, item: Input) -> None:
        assert self.ws is not None and self.reader is not None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.reader, self.timeout)
        code = self.ws.close_code
        self.stats.closes[str(code)] += 1
        self.stats.closes_by_kind[f"{item.family} {code}"] += 1
        self.ws = None

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
            if self.reader is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.reader, 5)
            self.ws = None
