"""One fuzz connection: keeps several inputs in flight and learns what became of each.

After each input it sends a probe, a SyncStep1 with the witness's state vector; the server
answers frames in order, and only a SyncStep1 gets a SyncStep2 back, so when the probe's answer
arrives the input has been fully handled (and the answer is small: the witness already holds
almost everything). Inputs and probes are pipelined, up to ``window`` inputs at a time (but
none after an input of a family that often closes): the answers say, in order, which inputs
are done. If the connection closes instead, the first input
still in flight closed it (closing on a bad frame is the expected answer): its close code is
counted, the inputs sent after it were never read by the server and are not counted (nor kept
in the history), and a spare connection, opened in advance, takes over at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from wsfuzz.frames import Input, InputSource

from partnerboard.server import yprotocol as yp

__all__ = ["FuzzConnection", "Stats", "Stalled"]

STEP2 = b"\x00\x01"


class Stalled(Exception):
    """The server neither answered nor closed in time (alive but stuck, or dead)."""

    def __init__(self, last: Input) -> None:
        super().__init__(last.kind)
        self.last = last


@dataclass
class Stats:
    #: Inputs the server handled (answered, or closed the connection on), by family.
    inputs: Counter[str] = field(default_factory=Counter)
    closes: Counter[str] = field(default_factory=Counter)
    closes_by_kind: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def total(self) -> int:
        return sum(self.inputs.values())

    def often_closes(self, family: str) -> bool:
        """Whether inputs of this family have closed their connection often so far (or too
        few were seen to tell): nothing is sent after one until it is answered, since what
        follows a closing input is never read (generating it was wasted)."""
        seen = self.inputs[family]
        closed = sum(n for kind, n in self.closes_by_kind.items() if kind.split()[0] == family)
        return seen < 50 or closed > seen // 5


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


class _Socket:
    """An open WebSocket and its reader, which counts SyncStep2 answers (and drains the rest:
    every update the room accepts is sent to every connection)."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.answers = 0
        self.changed = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for frame in self.ws:
                if isinstance(frame, bytes) and frame[:2] == STEP2:
                    self.answers += 1
                    self.changed.set()
        self.changed.set()

    @property
    def closed(self) -> bool:
        return self.reader.done()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.reader, 5)


@dataclass
class _Flight:
    item: Input
    #: Done once the socket has this many answers; None: the server must close on it.
    done_at: int | None


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
        window: int = 8,
    ) -> None:
        """``history``: a list every handled input is appended to (the round's, to replay)."""
        self.url = url
        self.source = source
        self.stats = stats
        self.probe_state = probe_state
        self.server_state = server_state
        self.alive = alive
        self.history = history
        self.timeout = timeout
        self.window = window
        self.socket: _Socket | None = None
        self.spare: asyncio.Task[_Socket] | None = None
        #: Answers owed on the current socket so far.
        self.expected = 0
        self.flight: deque[_Flight] = deque()
        self.recent: list[Input] = []

    @property
    def current(self) -> Input | None:
        """The oldest input in flight: the suspect when the server dies."""
        return self.flight[0].item if self.flight else None

    @property
    def in_flight(self) -> list[Input]:
        return [flight.item for flight in self.flight]

    async def _open(self) -> _Socket:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                ws = await websockets.connect(
                    self.url, max_size=None, compression=None, ping_interval=None,
                    open_timeout=self.timeout)
                return _Socket(ws)
            except (OSError, InvalidHandshake, TimeoutError):
                if time.monotonic() > deadline or not self.alive():
                    raise
                await asyncio.sleep(0.05)  # a refused connection (limits): back off and retry

    async def _connect(self) -> None:
        socket = None
        if self.spare is not None:
            spare, self.spare = self.spare, None
            with contextlib.suppress(Exception):
                socket = await spare
            if socket is not None and socket.closed:
                socket = None
        self.socket = socket or await self._open()
        self.spare = asyncio.create_task(self._open())
        self.stats.connections += 1
        self.expected = 0
        self.source.reset_clocks(self.server_state())

    def _handled(self, item: Input) -> None:
        self.stats.inputs[item.family] += 1
        self.recent = (self.recent + [item])[-20:]
        if self.history is not None:
            self.history.append(item)

    async def send(self, count: int) -> None:
        """Have the server handle ``count`` inputs (reconnecting as it closes connections)."""
        left = count
        while left > 0:
            if self.socket is None:
                await self._connect()
            socket = self.socket
            assert socket is not None
            await self._fill(socket, left)
            try:
                await asyncio.wait_for(socket.changed.wait(), self.timeout)
            except TimeoutError:
                raise Stalled(self.flight[0].item) from None
            socket.changed.clear()
            while self.flight and self.flight[0].done_at is not None and (
                    self.flight[0].done_at <= socket.answers):
                self._handled(self.flight.popleft().item)
                left -= 1
            if socket.closed and await self._closed(socket):
                left -= 1

    async def _fill(self, socket: _Socket, left: int) -> None:
        """Send inputs (each with its probe) until the window is full."""
        while len(self.flight) < min(self.window, left) and not socket.closed:
            if self.flight and (self.flight[-1].done_at is None
                                or self.stats.often_closes(self.flight[-1].item.family)):
                return  # the server closes (or likely closes) on the last one
            item = self.source.next()
            owed = _answers(item.frame, self.source.max_bytes)
            if owed is not None:
                self.expected += 1 + owed
            self.flight.append(_Flight(item, None if owed is None else self.expected))
            try:
                await socket.ws.send(item.frame)
                if owed is not None:
                    await socket.ws.send(yp.sync_step1(self.probe_state()))
            except ConnectionClosed:
                return

    async def _closed(self, socket: _Socket) -> bool:
        """The server closed: the oldest input in flight did it (True when there was one);
        the rest were never read."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(socket.reader, self.timeout)
        code = socket.ws.close_code
        item = self.flight.popleft().item if self.flight else None
        if item is not None:
            self._handled(item)
            self.stats.closes_by_kind[f"{item.family} {code}"] += 1
        self.stats.closes[str(code)] += 1
        self.flight.clear()
        self.socket = None
        return item is not None

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
            self.socket = None
        if self.spare is not None:
            spare, self.spare = self.spare, None
            spare.cancel()
            with contextlib.suppress(BaseException):
                await (await spare).close()
        self.flight.clear()
