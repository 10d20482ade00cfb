"""Server-to-client frames framed once per broadcast and written once per connection per turn.

Through ASGI, every frame to every receiver costs a message dict, a chain of middleware
coroutines, uvicorn's state checks, the websockets library framing it again (server frames are
not masked, so the bytes are the same for every receiver) and one ``send()`` system call. A
broadcast to 500 receivers did all of that 500 times for identical bytes.

:class:`DirectWriter` writes to the connection's asyncio transport instead:

* a frame is built once per message (:func:`binary_frame`, cached for the last message, so a
  broadcast's loop of pushes frames it once);
* frames are not written at once but collected per connection and written together at the end
  of the event loop's turn, one ``write`` per connection: when several updates reach a board in
  the same turn (a busy board, or an update and the server's correction of it), each receiver
  gets them in one system call. Everything is still written in the order it was pushed, and
  only after the turn's updates were committed (:mod:`.group_commit`);
* the sockets that can take their bytes at once (nothing waits in the transport's buffer) are
  written in one pass of ``os.write`` in C, not one ``transport.write`` each: in a broadcast to
  500 receivers the bytecode around each write cost more than a tenth of the server's CPU
  (measured in four alternating runs: 15.1 -> 14.2% of a core at 20 edits/s, p99 12.2 -> 11.7
  ms). Whatever a socket does not take goes through the transport as before.

It is used only under uvicorn's ``websockets-sansio`` implementation without compression (what
``partnerboard serve`` configures); anything else goes through ASGI as before.
"""

from __future__ import annotations

import asyncio
import logging
import os
from itertools import islice
from typing import Any

from .group_commit import commit_pending

__all__ = ["DirectWriter", "binary_frame", "direct_writer"]

log = logging.getLogger("partnerboard.websocket")

#: The scope key under which the outermost middleware keeps the server's own ASGI ``send``.
RAW_SEND = "partnerboard.raw_send"

_last: tuple[bytes, bytes] = (b"", b"\x82\x00")


def binary_frame(payload: bytes) -> bytes:
    """One unmasked, final, binary WebSocket frame (RFC 6455 5.2) holding ``payload``."""
    global _last
    last_payload, last_frame = _last
    if payload is last_payload:
        return last_frame
    size = len(payload)
    if size < 126:
        header = bytes((0x82, size))
    elif size < 65536:
        header = b"\x82\x7e" + size.to_bytes(2, "big")
    else:
        header = b"\x82\x7f" + size.to_bytes(8, "big")
    frame = header + payload
    _last = (payload, frame)
    return frame


#: Writers holding frames for the end of this turn, and whether the flush is scheduled.
_waiting: list[DirectWriter] = []


def _flush_waiting() -> None:
    writers = _waiting[:]
    _waiting.clear()
    if not commit_pending():  # not stored: not sent
        for writer in writers:
            writer.chunks = []
            writer.held = 0
        return
    # Connections whose socket can take the bytes now are written in one pass in C (the
    # bytecode around each write, not the write, was a third of a broadcast's CPU).
    fds: list[int] = []
    datas: list[bytes] = []
    batch: list[DirectWriter] = []
    for writer in writers:
        data = writer.take()
        if data is None:
            continue
        if writer.fd < 0 or writer.transport.get_write_buffer_size():
            writer.transport.write(data)  # behind what waits there already, or not a socket
            continue
        fds.append(writer.fd)
        datas.append(data)
        batch.append(writer)
    if batch:
        _write_all(batch, fds, datas)


def _write_all(batch: list[DirectWriter], fds: list[int], datas: list[bytes]) -> None:
    """``os.write`` each data to its connection's socket (open: see DirectWriter.take). What
    a socket did not take, or a write that failed, goes to the connection's transport, which
    buffers the rest or reports the error and closes the connection, as it always does."""
    written: list[int] = []
    while len(written) < len(fds):
        start = len(written)
        try:
            written.extend(map(os.write, islice(fds, start, None), islice(datas, start, None)))
        except OSError:  # the socket is full (nothing written) or the connection is gone
            failed = len(written)
            written.append(len(datas[failed]))
            batch[failed].transport.write(datas[failed])
    if written != list(map(len, datas)):
        for writer, data, count in zip(batch, datas, written, strict=True):
            if count < len(data):
                writer.transport.write(data[count:])


class DirectWriter:
    """Frames for one connection, written to its transport once per event-loop turn."""

    __slots__ = ("protocol", "transport", "writable", "fd", "chunks", "held")

    #: Bytes held for one turn's write before the connection counts as full, as the
    #: transport's own buffer would (asyncio's high-water mark): beyond it frames queue in the
    #: room, where the slow-reader limits apply.
    HOLD_LIMIT = 64 * 1024

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self.transport = protocol.transport
        #: Cleared while the socket's buffer is over its high-water mark.
        self.writable = protocol.writable
        #: The socket, written with ``os.write`` while the transport holds nothing back; -1
        #: where the transport is not a plain socket's (TLS: its bytes are not ours to write).
        self.fd = _plain_socket_fd(self.transport)
        self.chunks: list[bytes] = []
        self.held = 0

    def offer(self, data: bytes) -> bool:
        """Take a message for this turn's write; False when the socket's buffer is full (the
        caller queues it and sends it with :meth:`flush` then an awaited send)."""
        # Runs once per receiver of every broadcast, with 500 receivers' objects out of the
        # CPU's caches: it reads only this writer and its flag. What is held for a connection
        # that closed meanwhile is dropped when writing (see take); a gone client is noticed
        # by the receive loop.
        if not self.writable.is_set() or self.held >= self.HOLD_LIMIT:
            return False
        chunks = self.chunks
        if not chunks:
            if not _waiting:
                asyncio.get_running_loop().call_soon(_flush_waiting)
            _waiting.append(self)
        last_payload, frame = _last
        if data is not last_payload:
            frame = binary_frame(data)
        chunks.append(frame)
        self.held += len(frame)
        return True

    def flush(self) -> None:
        """Write what this turn collected (before anything else is sent on the connection)."""
        if self.chunks and commit_pending():
            self.write()

    def write(self) -> None:
        """Write what this turn collected; the turn's updates are committed already."""
        data = self.take()
        if data is not None:
            self.transport.write(data)

    def take(self) -> bytes | None:
        """What this turn collected, as one write, and forget it; None when there is nothing
        or the connection is closing (its socket may be closed already: never written)."""
        chunks = self.chunks
        if not chunks:
            return None
        self.chunks = []
        self.held = 0
        protocol = self.protocol
        if protocol.disconnected or protocol.close_sent or self.transport.is_closing():
            return None
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _plain_socket_fd(transport: Any) -> int:
    sock = transport.get_extra_info("socket")
    if sock is None or transport.get_extra_info("sslcontext") is not None:
        return -1
    return int(sock.fileno())


def direct_writer(scope: Any) -> DirectWriter | None:
    """A writer for the connection of ``scope``, when the server is one it can write to."""
    raw_send = scope.get(RAW_SEND)
    protocol = getattr(raw_send, "__self__", None)
    if protocol is None:
        return None
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import (
            WebSocketsSansIOProtocol,
        )
    except ImportError:  # pragma: no cover - another uvicorn
        return None
    if not isinstance(protocol, WebSocketsSansIOProtocol) or protocol.conn.extensions:
        return None  # another implementation, or compression: each frame is its own
    return DirectWriter(protocol)
