"""A lean WebSocket client for the load generator: frames read straight off the socket.

The receivers of a fan-out share the benchmark machine's two cores with the server under
test. Through the ``websockets`` library every arriving frame costs a trip through its
protocol, its queue and an ``async for`` (about 45 us of CPU): at N=500 the receivers used
about half a core and their own queueing, not the server, made most of the p99. This client
parses frames in ``data_received`` and notes the arrival time there, before any other work;
it costs a few microseconds per frame, the same for every server measured.

Writers use it too: their frames are masked before the clock starts (:func:`masked_frame`),
so a send is one write, and what the server sends them (the other writers' edits, or their
own echoed) is discarded without being parsed into messages.

It speaks just what the benchmark needs (RFC 6455): the opening handshake (offering
permessage-deflate when asked, as browsers do, and inflating when a server accepts it; what it
sends is never compressed, which the extension allows), the y-websocket sync handshake (answer
the server's SyncStep1 with an empty SyncStep2, wait for its SyncStep2), pongs for pings, and
a close.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
import zlib
from collections.abc import Callable
from urllib.parse import urlsplit

from wire import EMPTY_STATE_VECTOR, EMPTY_UPDATE, Compression, sync_step1, sync_step2

__all__ = ["RawClient", "Closed", "masked_frame", "open_raw"]

#: Called with (arrival time, message) for every sync Update message.
OnUpdate = Callable[[float, bytes], None]


class Closed(ConnectionError):
    """The server closed the connection (``code`` and ``reason`` from its close frame)."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed by the server: {code} {reason}".strip())
        self.code = code

_DEFLATE_TAIL = b"\x00\x00\xff\xff"


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """One masked, final client frame (RFC 6455 5.3): clients must mask what they send."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    masked = (int.from_bytes(payload, "little")
              ^ int.from_bytes(mask * (size // 4 + 1), "little") & ((1 << (8 * size)) - 1))
    return header + mask + masked.to_bytes(size, "little")


class RawClient(asyncio.Protocol):
    """One connection; ``synced`` resolves when the server's SyncStep2 arrived. Update
    messages go to ``on_update``, or nowhere when it is None."""

    def __init__(self, request: bytes, on_update: OnUpdate | None) -> None:
        self.request = request
        self.on_update = on_update
        self.close_code: int | None = None
        self.close_reason = ""
        self.writable = asyncio.Event()
        self.writable.set()
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.upgraded = False
        self.inflater: zlib._Decompress | None = None
        self.fragments: list[bytes] = []
        self.fragments_compressed = False
        loop = asyncio.get_running_loop()
        self.synced: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buffer = self.buffer + data if self.buffer else data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            if not self._upgrade(buffer[:end].decode("latin-1")):
                return
            buffer = buffer[end + 4:]
        position, size = 0, len(buffer)
        while size - position >= 2:
            first, second = buffer[position], buffer[position + 1]
            length, start = second & 0x7F, position + 2
            if length == 126:
                if size - start < 2:
                    break
                length, start = int.from_bytes(buffer[start:start + 2], "big"), start + 2
            elif length == 127:
                if size - start < 8:
                    break
                length, start = int.from_bytes(buffer[start:start + 8], "big"), start + 8
            if size - start < length:
                break
            position = start + length
            self._frame(now, first, buffer[start:position])
        self.buffer = buffer[position:]

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.writable.set()
        self._fail("connection closed before the board was synced")
        if not self.closed.done():
            self.closed.set_result(None)

    def _fail(self, reason: str) -> None:
        if not self.synced.done():
            self.synced.set_exception(ConnectionError(reason))

    # frames

    def _upgrade(self, head: str) -> bool:
        status, *lines = head.split("\r\n")
        if status.split(" ")[1:2] != ["101"]:
            self._fail(f"handshake refused: {status}")
            if self.transport is not None:
                self.transport.close()
            return False
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":")
                                                                for line in lines)}
        if "permessage-deflate" in headers.get("sec-websocket-extensions", ""):
            self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        self.upgraded = True
        self.send(0x2, sync_step1(EMPTY_STATE_VECTOR))
        return True

    def _frame(self, now: float, first: int, payload: bytes) -> None:
        opcode = first & 0x0F
        if opcode >= 0x8:  # control frames are never fragmented or compressed
            if opcode == 0x9:
                self.send(0xA, payload)
            elif opcode == 0x8:
                if len(payload) >= 2:
                    self.close_code = int.from_bytes(payload[:2], "big")
                    self.close_reason = payload[2:].decode("utf-8", "replace")
                if self.transport is not None:
                    self.transport.close()
            return
        if self.on_update is None and self.synced.done():
            return  # a writer: what the others write is not read
        if opcode != 0x0:
            self.fragments_compressed = bool(first & 0x40)
        self.fragments.append(payload)
        if not first & 0x80:
            return
        message = self.fragments[0] if len(self.fragments) == 1 else b"".join(self.fragments)
        self.fragments = []
        if self.fragments_compressed and self.inflater is not None:
            message = self.inflater.decompress(message + _DEFLATE_TAIL)
        if len(message) < 2 or message[0] != 0:
            return  # presence and other messages: not measured
        kind = message[1]
        if kind == 2:
            if self.on_update is not None:
                self.on_update(now, message)
        elif kind == 0:
            self.send(0x2, sync_step2(EMPTY_UPDATE))
        elif kind == 1 and not self.synced.done():
            self.synced.set_result(None)

    def send(self, opcode: int, payload: bytes) -> None:
        self.write(masked_frame(opcode, payload))

    def write(self, frame: bytes) -> None:
        """Write a frame made with :func:`masked_frame` (raises Closed once closed)."""
        if self.closed.done() or self.transport is None or self.transport.is_closing():
            raise Closed(self.close_code, self.close_reason)
        self.transport.write(frame)

    async def drain(self) -> None:
        """Wait while the socket's buffer is full (the server is not reading)."""
        await self.writable.wait()

    async def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.send(0x8, struct.pack("!H", 1000))  # not closed yet: cannot raise
        try:
            async with asyncio.timeout(2):
                await self.closed
        except TimeoutError:
            self.transport.abort()


async def open_raw(url: str, compression: Compression, on_update: OnUpdate | None,
                   handshake_seconds: float = 30) -> RawClient:
    """Connect to ``url`` (ws://host:port/path?query) and wait until the board is synced."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    key = base64.b64encode(os.urandom(16)).decode()
    extensions = ("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                  if compression == "deflate" else "")
    request = (f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\n{extensions}\r\n").encode()
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(handshake_seconds):
        _transport, receiver = await loop.create_connection(
            lambda: RawClient(request, on_update), parts.hostname, parts.port)
        await receiver.synced
    return receiver
