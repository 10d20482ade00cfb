"""Frames written straight to connections' sockets (direct_send), on real sockets.

The one-pass write: what a socket does not take, and a write that fails, go to that
connection's transport, and the connections after a failed one are still written. Deferred
broadcasts: each connection still gets its frames in the order they were sent, skipped and
closing peers get nothing, and a slow reader's share waits in its queue."""

from __future__ import annotations

import asyncio
import os
import socket
from types import SimpleNamespace

from partnerboard.server.direct_send import (
    DirectWriter,
    _write_all,
    binary_frame,
    defer_broadcast,
)
from partnerboard.server.limits import RoomLimits
from partnerboard.server.peer import Peer
from partnerboard.server.tokens import Role
from partnerboard.server.ws_protocol import Flag


class Transport:
    """What the one-pass write hands to a connection's asyncio transport."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))


def _pair() -> tuple[socket.socket, socket.socket]:
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    theirs.setblocking(False)
    return ours, theirs


def _fill(sock: socket.socket) -> None:
    """Write until the socket takes no more."""
    try:
        while True:
            sock.send(b"x" * 65536)
    except BlockingIOError:
        pass


def _drain(sock: socket.socket) -> bytes:
    received = b""
    try:
        while chunk := sock.recv(1 << 20):
            received += chunk
    except BlockingIOError:
        pass
    return received


def test_what_a_socket_does_not_take_goes_to_its_transport_and_the_others_are_written() -> None:
    full, full_reader = _pair()
    _fill(full)
    partial, partial_reader = _pair()
    _fill(partial)
    _drain(partial_reader)  # room again, but less than the next message
    gone, gone_reader = _pair()
    gone_reader.close()
    fine, fine_reader = _pair()
    sockets = [full, partial, gone, fine]
    batch = [SimpleNamespace(transport=Transport()) for _ in sockets]
    big = bytes(range(256)) * 40_000  # 10 MB: more than any socket buffer
    datas = [b"to full", big, b"to a closed one", b"to the last"]

    _write_all(batch, [s.fileno() for s in sockets], datas)  # type: ignore[arg-type]

    # Nothing fit: the whole message waits in the transport, in order behind nothing.
    assert batch[0].transport.written == [b"to full"]
    # Part fit: the socket has the start, the transport the rest, nothing lost or doubled.
    started = _drain(partial_reader)
    assert 0 < len(started) < len(big)
    assert batch[1].transport.written == [big[len(started):]]
    # The write failed: the transport meets the error itself (and closes the connection).
    assert batch[2].transport.written == [b"to a closed one"]
    # The connection after the failed one is still written, straight to its socket.
    assert fine_reader.recv(100) == b"to the last"
    assert batch[3].transport.written == []
    for sock in (full, full_reader, partial, partial_reader, gone, fine, fine_reader):
        sock.close()


class Connection:
    """A server-side connection on a real asyncio transport over a socket pair, with the
    parts of uvicorn's protocol a DirectWriter reads, and the client's end to read from."""

    def __init__(self, transport: asyncio.Transport, client: socket.socket) -> None:
        self.transport = transport
        self.writable = Flag(True)
        self.close_sent = False
        self.disconnected = False
        self.client = client
        self.writer = DirectWriter(self)
        self.send_now = self.writer.offer
        self.direct = self.writer
        self.peer = Peer(self, Role.PARTICIPANT, RoomLimits(), "link")

    def received(self) -> bytes:
        return _drain(self.client)

    async def send(self, data: bytes) -> None:
        """An awaited send (a slow reader's queue): waits until the socket takes bytes."""
        await self.writable.wait()
        self.writer.flush()
        self.transport.write(binary_frame(data))

    async def close(self, code: int, reason: str = "") -> None:
        self.writer.flush()
        self.close_sent = True


async def _connections(count: int) -> list[Connection]:
    loop = asyncio.get_running_loop()
    made = []
    for _ in range(count):
        server_end, client_end = socket.socketpair()
        client_end.setblocking(False)
        transport, _protocol = await loop.connect_accepted_socket(asyncio.Protocol, server_end)
        made.append(Connection(transport, client_end))  # type: ignore[arg-type]
    return made


async def _close_all(connections: list[Connection]) -> None:
    for connection in connections:
        connection.transport.close()
        connection.client.close()
    await _next_turns()


async def _next_turns() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


def test_a_connection_gets_its_frames_and_the_broadcasts_in_the_order_they_were_sent() -> None:
    async def scenario() -> None:
        first, second, sender = await _connections(3)
        peers = (first.peer, second.peer, sender.peer)
        first.peer.push(b"x")  # e.g. the answer to its sync step
        defer_broadcast(b"b1", peers, sender.peer)
        first.peer.push(b"y")  # after the first broadcast, before the second
        defer_broadcast(b"b2", peers, sender.peer)
        assert first.received() == b""  # nothing before the turn's end (the commit)
        await _next_turns()
        framed = b"".join(binary_frame(data) for data in (b"x", b"b1", b"y", b"b2"))
        assert first.received() == framed
        assert second.received() == binary_frame(b"b1") + binary_frame(b"b2")
        assert sender.received() == b""  # its own edits are not sent back
        await _close_all([first, second, sender])

    asyncio.run(scenario())


def test_a_broadcast_skips_closing_peers_and_queues_behind_a_slow_readers_frames() -> None:
    async def scenario() -> None:
        closing, closed, paused, draining, fine = await _connections(5)
        closing.peer.close(1001, "going away")
        closed.close_sent = True  # its close frame went out: nothing may follow it
        paused.writable.clear()  # its socket's buffer is over the high-water mark
        draining.writable.clear()
        draining.peer.push(b"waiting")  # its sender task waits for the socket
        await _next_turns()
        draining.writable.set()  # the socket takes bytes again; its sender has not run yet
        peers = (closing.peer, closed.peer, paused.peer, draining.peer, fine.peer)
        defer_broadcast(b"edit", peers, None)
        await _next_turns()
        assert fine.received() == binary_frame(b"edit")
        assert closed.received() == b""
        assert b"edit" not in closing.received()
        # Behind the frame that waited, not before it.
        assert draining.received() == binary_frame(b"waiting") + binary_frame(b"edit")
        assert paused.received() == b""  # in its queue until the socket takes bytes
        paused.writable.set()
        await _next_turns()
        assert paused.received() == binary_frame(b"edit")
        await _close_all([closing, closed, paused, draining, fine])

    asyncio.run(scenario())


def test_a_turn_of_broadcasts_gives_a_connection_no_more_than_the_hold_limit_at_once() -> None:
    """Beyond it a reader that does not read is held to its queue's limits, as with pushes."""
    async def scenario() -> None:
        (stalled,) = await _connections(1)
        fd = stalled.transport.get_extra_info("socket").fileno()
        try:
            while True:
                os.write(fd, b"x" * 65536)  # the reader never reads: its socket is full
        except BlockingIOError:
            pass
        note = b"n" * 40_000
        for _ in range(3):
            defer_broadcast(note, (stalled.peer,), None)
        await asyncio.sleep(0)  # the turn's frames were written; the queue's sender not yet
        framed = len(binary_frame(note))
        assert stalled.transport.get_write_buffer_size() == 2 * framed  # 80 KB > 64 KiB
        assert list(stalled.peer.queue or ()) == [note]
        await _close_all([stalled])

    asyncio.run(scenario())
