"""uvicorn's sans-I/O WebSocket protocol, reading ahead a few messages instead of one, and
lighter while the connection is idle.

uvicorn pauses reading a connection's socket after every message it hands to the app and
resumes when the app has taken it: two ``epoll_ctl`` system calls per message (measured in the
soak, 1,000 clients sending 1 edit/s: 5.3% of the server's CPU). This protocol pauses only once
:attr:`BoardWebSocketProtocol.READ_AHEAD` messages wait for the app, and resumes, as uvicorn
does, when the app has taken them all. A client that sends faster than the server handles is
still held back by TCP, only 16 messages (or 256 KiB) later.

uvicorn keeps the parsed handshake request and response, with their headers, for as long as
the connection is open, and reads neither once the response is written: dropping them saved
about 3 KiB of memory per idle connection (55.9 -> 52.5 KiB per idle room, one connection
each), and emptying the request's headers, which websockets' parser holds too, 1.4 KiB more.

It also holds what a client may make the server keep (found in an attack review):

* a pong is not queued while the write buffer is over its high-water mark: only the latest
  ping is answered once the buffer drained (RFC 6455 5.5.3 allows that). uvicorn queued one
  for every ping, and a client sending pings without reading grew the server by 32 MiB a
  second;
* when the keepalive ping goes unanswered the connection is aborted, not closed: a close
  waits for the write buffer to drain, which it never does when the client stopped reading,
  so what it held stayed in memory;
* a read of the socket (up to 256 KiB) is parsed :attr:`BoardWebSocketProtocol.PARSE_SLICE`
  bytes at a time, and parsing stops where reading pauses; the rest of the read waits as
  bytes. uvicorn parsed a whole read at once, and a read of 7-byte frames became 37,000 queued
  messages of a few hundred bytes each before reading could pause (9,362 for a 64 KiB read);
* a message is at most :attr:`BoardWebSocketProtocol.MAX_FRAGMENTS` frames (1009 beyond):
  empty continuation frames count nothing against the size limit, and uvicorn keeps one list
  entry for each (a 7 MiB stream of one-byte frames took 56 MiB);
* a text frame closes the connection (1003) without being decoded: text is not part of the
  protocol, and uvicorn logged a traceback for one that was not UTF-8;
* once uvicorn's ``limit_concurrency`` connections are open, an upgrade is answered 503 as
  uvicorn answers a plain request then (it lets upgrades through).

Its ``asyncio.Queue`` (three deques of a 64-slot block each, even when empty, and an event with
a fourth) and its ``asyncio.Event`` for "writable" (a fifth) are replaced by the few operations
uvicorn uses of them (:class:`MessageQueue`, :class:`Flag`): about 6 KiB per connection. Measured
twice: 55.9 -> 55.2 KiB per idle room when first tried (within noise, not kept then), 50.7 ->
46.7 once the rest was done (the process's memory depends on where freed blocks lie as much as
on what is freed).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame
from websockets.http11 import Request

from .metrics import count_rejected
from .transport import CloseCode

__all__ = ["BoardWebSocketProtocol", "MessageQueue", "Flag"]

log = logging.getLogger("partnerboard.websocket")

#: The first byte of a pong frame as the websockets library writes it (FIN, opcode 0xA).
_PONG = 0x8A


def _size(message: Any) -> int:
    """The payload bytes of an ASGI receive message (0 for any other item)."""
    if not isinstance(message, dict):
        return 0
    payload = message.get("bytes") or message.get("text")
    return len(payload) if payload else 0


class MessageQueue:
    """What uvicorn uses of ``asyncio.Queue`` (``put_nowait``, ``get``, ``empty``, ``qsize``)
    for its one reader, the app's ``receive``, and a look at what is already here (the room
    takes messages that arrived together at once: see ``take_ready_bytes``)."""

    __slots__ = ("_items", "_waiter", "bytes")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None
        #: The payload bytes of the messages waiting (what reading ahead holds in memory).
        self.bytes = 0

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        self.bytes += _size(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        return self._take()

    def _take(self) -> Any:
        item = self._items.pop(0)  # at most READ_AHEAD and a disconnect wait
        self.bytes -= _size(item)
        return item

    def empty(self) -> bool:
        return not self._items

    def first(self) -> Any:
        """The message ``get`` would return next without waiting, or None."""
        return self._items[0] if self._items else None

    def get_nowait(self) -> Any:
        return self._take()

    def qsize(self) -> int:
        return len(self._items)


class Flag:
    """What uvicorn uses of ``asyncio.Event`` (``set``, ``clear``, ``is_set``, ``wait``), with no
    waiter list until somebody waits. ``wait`` does not suspend while set: the room's direct
    send relies on it (see StarletteTransport.send_now)."""

    __slots__ = ("_value", "_waiters")

    def __init__(self, value: bool = False) -> None:
        self._value = value
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        if self._value:
            return
        self._value = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)
        return True


class BoardWebSocketProtocol(WebSocketsSansIOProtocol):
    #: Messages, and their bytes, waiting for the app before reading the socket pauses. The
    #: count alone let one connection make the server hold 16 frames of the largest size
    #: allowed (16 MiB by default) whenever the room fell behind; the bytes keep that near
    #: 256 KiB plus one read. (64 messages instead of 16, for larger merged runs under a
    #: sustained load, measured 7,596 / 9,596 against 9,596 / 9,595 edits/s: not kept.)
    READ_AHEAD = 16
    READ_AHEAD_BYTES = 256 * 1024
    #: Frames one message may come in (a client's are one frame each, or a few).
    MAX_FRAGMENTS = 1024
    #: Bytes of a read handed to the frame parser at a time: at most 585 frames of the
    #: smallest size (7 bytes) are queued past the read-ahead limits.
    PARSE_SLICE = 4096
    #: What is left of the last read once reading paused (class default: nothing), and how
    #: far into it parsing got.
    unparsed = b""
    unparsed_at = 0
    #: The pong for the latest ping, while the write buffer is full (class default: none).
    pending_pong: bytes | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = MessageQueue()  # type: ignore[assignment]
        self.writable = Flag(True)  # type: ignore[assignment]

    def start_keepalive(self) -> None:
        # Called once the handshake's response was written, the last use of both. websockets'
        # parser keeps the request as well (a local of its suspended generator): its headers
        # are emptied.
        self.request.headers.clear()
        self.request = self.response = None  # type: ignore[assignment]
        super().start_keepalive()

    def take_ready_bytes(self, max_bytes: int) -> bytes | None:
        """The next binary message of at most ``max_bytes`` when it is already here, taken as
        the app's ``receive`` would take it; None when the next one is anything else or has
        not arrived (the app's ``receive`` then takes it, and says what is wrong with it)."""
        message = self.queue.first()
        if message is None or message["type"] != "websocket.receive":
            return None
        data = message.get("bytes")
        if data is None or len(data) > max_bytes:
            return None
        self.queue.get_nowait()
        if self.read_paused and self.queue.empty():
            self.resume()
        return data

    def data_received(self, data: bytes) -> None:
        if self.unparsed:  # not while paused, but a read may already be on its way
            self.unparsed, self.unparsed_at = self.unparsed[self.unparsed_at:] + data, 0
        else:
            self.unparsed, self.unparsed_at = data, 0
        self.parse_unparsed()

    def parse_unparsed(self) -> None:
        """Hand what is left of the reads to the parser a slice at a time, until reading
        pauses (the messages waiting are over the read-ahead limits) or the connection ends."""
        data, at = self.unparsed, self.unparsed_at
        end, step = len(data), self.PARSE_SLICE
        parse = super().data_received
        while at < end and not self.read_paused and not self.transport.is_closing():
            parse(data[at:at + step] if at or end > step else data)
            at += step
        if at < end and not self.transport.is_closing():
            self.unparsed_at = at
        else:
            self.unparsed, self.unparsed_at = b"", 0

    def resume(self) -> None:
        """The app took every waiting message: parse the rest of the last read, and read the
        socket again unless that filled the queue again."""
        self.read_paused = False
        if self.unparsed:
            self.parse_unparsed()
        if not self.read_paused:
            self.transport.resume_reading()

    async def receive(self) -> Any:
        message = await self.queue.get()
        if self.read_paused and self.queue.empty():
            self.resume()
        return message

    async def send(self, message: Any) -> None:
        await super().send(message)
        # uvicorn reads again once the app closed (for the client's answer to the close).
        if self.unparsed and not self.read_paused:
            self.parse_unparsed()

    def send_receive_event_to_app(self) -> None:
        paused = self.read_paused
        self.read_paused = True  # uvicorn's own method pauses unless already paused
        try:
            super().send_receive_event_to_app()
        finally:
            self.read_paused = paused
        queue = self.queue
        # Once the close went out, uvicorn reads on (and drops what comes) until the client's
        # answer to the close: pausing then, for what the app left unread, held that answer
        # unparsed until the close timeout (10 s) and ended the connection with a reset.
        if not self.read_paused and not self.close_sent and (
                queue.qsize() >= self.READ_AHEAD or queue.bytes >= self.READ_AHEAD_BYTES):
            self.read_paused = True
            self.transport.pause_reading()

    def handle_connect(self, event: Request) -> None:
        limit = self.config.limit_concurrency
        if limit is not None and len(self.connections) > limit:
            log.warning("refused a WebSocket upgrade with 503: %d connections are open "
                        "(--max-connections)", limit)
            self.handshake_initiated = self.handshake_complete = self.close_sent = True
            self.conn.send_response(self.conn.reject(503, "Too many connections; try again "
                                                          "later.\n"))
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.transport.close()
            return
        super().handle_connect(event)

    def handle_ping(self) -> None:
        # websockets queued a pong for each ping it parsed; other frames it queued (a close)
        # are written as they were.
        output = self.conn.data_to_send()
        if not self.writable.is_set():
            pongs = [frame for frame in output if frame[0] == _PONG]
            if pongs:
                self.pending_pong = pongs[-1]
                output = [frame for frame in output if frame[0] != _PONG]
        if output:
            self.transport.write(b"".join(output))

    def resume_writing(self) -> None:
        super().resume_writing()
        pong, self.pending_pong = self.pending_pong, None
        if pong is not None and not self.transport.is_closing():
            self.transport.write(pong)

    def keepalive_timeout(self) -> None:
        # Aborted, not closed: see the module's docstring.
        self.pong_timer = None
        self.pending_ping_payload = None
        if self.close_sent or self.transport.is_closing():
            return
        self.close_sent = True
        self.transport.abort()

    def handle_text(self, event: Frame) -> None:
        if not self.close_sent:
            self._refuse(CloseCode.UNSUPPORTED, "unsupported",
                         "text frames are not part of the protocol")

    def handle_cont(self, event: Frame) -> None:
        if self.close_sent:
            return  # the rest of what was read with the frame that closed the connection
        if len(self.frames) >= self.MAX_FRAGMENTS:
            self._refuse(CloseCode.TOO_BIG, "too_big",
                         f"message in more than {self.MAX_FRAGMENTS} frames")
            return
        super().handle_cont(event)

    def _refuse(self, code: int, label: str, reason: str) -> None:
        """Close the connection for what the client sent, with one log line naming the board
        and the rejection counted (``label``), as the room does for what it refuses."""
        board_id = self.scope.get("path_params", {}).get("board_id") or self.scope["path"]
        log.warning("board %s: closing a connection with %s: %s", board_id[:64], code, reason)
        count_rejected(label)
        self.frames = []
        self.conn.fail(code, reason)
        self.handle_parser_exception()
