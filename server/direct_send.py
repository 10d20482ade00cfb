"""Server-to-client frames framed once per broadcast and written once per connection per turn.

Through ASGI, every frame to every receiver costs a message dict, a chain of middleware
coroutines, uvicorn's state checks, the websockets library framing it again (server frames are
not masked, so the bytes are the same for every receiver) and one ``send()`` system call. A
broadcast to 500 receivers did all of that 500 times for identical bytes.

:class:`DirectWriter` writes to the connection's asyncio transport instead:

* a frame is built once per message (:func:`binary_frame`, cached for the last message);
* a room's broadcast is one record for the end of the turn (:func:`defer_broadcast`), not a
  push to each connection: each receiver is judged and written in one pass when the turn's
  frames go out;
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
from typing import Any, NamedTuple

from .group_commit import commit_pending

__all__ = ["DirectWriter", "binary_frame", "defer_broadcast", "direct_writer"]

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


class _Broadcast(NamedTuple):
    """One message for every peer of a room but one, written at the end of the turn."""

    data: bytes
    peers: tuple[Any, ...]  # the room's peers with a DirectWriter, when it was sent
    skip: Any


#: What waits for the end of this turn, in the order it was sent: a connection's frames
#: (the writer and that list of frames) or a room's broadcast.
_waiting: list[tuple[DirectWriter, list[bytes]] | _Broadcast] = []
#: Broadcasts deferred so far: a connection's frames sent after one start a new entry, so
#: they go out after the broadcast (see DirectWriter.offer).
_broadcasts = 0


def _schedule() -> None:
    if not _waiting:
        asyncio.get_running_loop().call_soon(_flush_waiting)


def defer_broadcast(data: bytes, peers: tuple[Any, ...], skip: Any) -> None:
    """Send ``data`` to each of ``peers`` (peers whose transport has a DirectWriter) but
    ``skip``, at the end of this turn, in order with everything else sent in it.

    The room hands over one record instead of offering the message to each connection: with
    hundreds of receivers, that pass over their objects (out of the CPU's caches by then) cost
    as much as taking the frames again when writing. Each peer is judged when the turn's
    frames are written, as a push would have judged it."""
    global _broadcasts
    _schedule()
    _waiting.append(_Broadcast(data, peers, skip))
    _broadcasts += 1


def _flush_waiting() -> None:
    items = _waiting[:]
    _waiting.clear()
    for item in items:
        if not isinstance(item, _Broadcast):
            item[0].chunks = None
            item[0].held = 0
    if not commit_pending():  # not stored: not sent
        return
    batch = _Batch()
    for item in items:
        if isinstance(item, _Broadcast):
            batch.broadcast(item)
        else:
            writer, chunks = item
            batch.add(writer, chunks[0] if len(chunks) == 1 else b"".join(chunks))
    if batch.writers:
        _write_all(batch.writers, batch.fds, batch.datas)
    for writer in batch.held:
        writer.held = 0


class _Batch:
    """This turn's bytes per connection, in the order they were sent; the connections whose
    socket can take them now are written in one pass (the bytecode around each write, not the
    write, was a third of a broadcast's CPU)."""

    __slots__ = ("writers", "fds", "datas", "index", "held")

    def __init__(self) -> None:
        self.writers: list[DirectWriter] = []
        self.fds: list[int] = []
        self.datas: list[bytes] = []
        self.index: dict[DirectWriter, int] = {}
        #: Writers given bytes in this pass (``held`` counts them, as offer counts a turn's).
        self.held: list[DirectWriter] = []

    def add(self, writer: DirectWriter, data: bytes) -> None:
        """Give ``data`` to a connection, after what it has in the batch; nothing when it
        closed meanwhile (its socket may be closed already)."""
        if not writer.open():
            return
        if not writer.held:
            self.held.append(writer)
        writer.held += len(data)
        at = self.index.get(writer)
        if at is not None:  # after what this connection has in the batch already
            self.datas[at] += data
        elif writer.fd < 0 or writer.transport.get_write_buffer_size():
            writer.transport.write(data)  # behind what waits there already, or not a socket
        else:
            self.index[writer] = len(self.writers)
            self.writers.append(writer)
            self.fds.append(writer.fd)
            self.datas.append(data)

    def broadcast(self, item: _Broadcast) -> None:
        data, skip = item.data, item.skip
        frame = binary_frame(data)
        for peer in item.peers:
            if peer is skip or peer.closing:
                continue
            writer = peer.direct
            if (peer.drainer is not None or not writer.writable.is_set()
                    or writer.held >= writer.HOLD_LIMIT):
                peer.push(data)  # behind what waits in its queue (the slow-reader limits)
            else:
                self.add(writer, frame)


def _write_all(batch: list[DirectWriter], fds: list[int], datas: list[bytes]) -> None:
    """``os.write`` each data to its connection's socket (open: see DirectWriter.open). What
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

    __slots__ = ("protocol", "transport", "writable", "fd", "chunks", "since", "held")

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
        #: This turn's frames since the last broadcast (an entry of ``_waiting``), or None.
        self.chunks: list[bytes] | None = None
        #: The number of broadcasts deferred when ``chunks`` began.
        self.since = 0
        self.held = 0

    def offer(self, data: bytes) -> bool:
        """Take a message for this turn's write; False when the socket's buffer is full (the
        caller queues it and sends it with :meth:`flush` then an awaited send)."""
        # Reads only this writer and its flag. What is held for a connection that closed
        # meanwhile is dropped when writing (see open); a gone client is noticed by the
        # receive loop.
        if not self.writable.is_set() or self.held >= self.HOLD_LIMIT:
            return False
        chunks = self.chunks
        if chunks is None or self.since != _broadcasts:
            _schedule()
            chunks = self.chunks = []
            self.since = _broadcasts
            _waiting.append((self, chunks))
        last_payload, frame = _last
        if data is not last_payload:
            frame = binary_frame(data)
        chunks.append(frame)
        self.held += len(frame)
        return True

    def flush(self) -> None:
        """Write what this turn collected, for every connection (before anything else is
        sent on this one: its frames may wait in several entries, between broadcasts)."""
        if _waiting:
            _flush_waiting()

    def open(self) -> bool:
        """Whether the connection may still be written to (its socket is open, and no close
        frame went out)."""
        protocol = self.protocol
        return not (protocol.disconnected or protocol.close_sent or self.transport.is_closing())


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
