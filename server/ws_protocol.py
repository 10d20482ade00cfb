"""uvicorn's sans-I/O WebSocket protocol, reading ahead a few messages instead of one, and
lighter while the connection is idle.

uvicorn pauses reading a connection's socket after every message it hands to the app and
resumes when the app has taken it: two ``epoll_ctl`` system calls per message (measured in the
soak, 1,000 clients sending 1 edit/s: 5.3% of the server's CPU). This protocol pauses only once
:attr:`BoardWebSocketProtocol.READ_AHEAD` messages wait for the app, and resumes, as uvicorn
does, when the app has taken them all. A client that sends faster than the server handles is
still held back by TCP, only 16 messages later.

uvicorn keeps the parsed handshake request and response, with their headers, for as long as
the connection is open, and reads neither once the response is written: dropping them saved
about 3 KiB of memory per idle connection (55.9 -> 52.5 KiB per idle room, one connection
each), and emptying the request's headers, which websockets' parser holds too, 1.4 KiB more.

Its ``asyncio.Queue`` (three deques of a 64-slot block each, even when empty, and an event with
a fourth) and its ``asyncio.Event`` for "writable" (a fifth) are replaced by the few operations
uvicorn uses of them (:class:`MessageQueue`, :class:`Flag`): about 6 KiB per connection. Measured
twice: 55.9 -> 55.2 KiB per idle room when first tried (within noise, not kept then), 50.7 ->
46.7 once the rest was done (the process's memory depends on where freed blocks lie as much as
on what is freed).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

__all__ = ["BoardWebSocketProtocol", "MessageQueue", "Flag"]


class MessageQueue:
    """What uvicorn uses of ``asyncio.Queue`` (``put_nowait``, ``get``, ``empty``, ``qsize``)
    for its one reader, the app's ``receive``, and a look at what is already here (the room
    takes messages that arrived together at once: see ``take_ready_bytes``)."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
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
        return self._items.pop(0)  # at most READ_AHEAD and a disconnect wait

    def empty(self) -> bool:
        return not self._items

    def first(self) -> Any:
        """The message ``get`` would return next without waiting, or None."""
        return self._items[0] if self._items else None

    def get_nowait(self) -> Any:
        return self._items.pop(0)

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
    #: Messages waiting for the app before reading the socket pauses.
    READ_AHEAD = 16

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
            self.read_paused = False
            self.transport.resume_reading()
        return data

    def send_receive_event_to_app(self) -> None:
        paused = self.read_paused
        self.read_paused = True  # uvicorn's own method pauses unless already paused
        try:
            super().send_receive_event_to_app()
        finally:
            self.read_paused = paused
        if not self.read_paused and self.queue.qsize() >= self.READ_AHEAD:
            self.read_paused = True
            self.transport.pause_reading()
