"""A connection's outgoing frames: written at once while the socket takes them, queued in order
behind a sender task started only when one has to wait, and the close frame last."""

from __future__ import annotations

import asyncio

from partnerboard.server.limits import RoomLimits
from partnerboard.server.peer import Peer
from partnerboard.server.tokens import Role
from partnerboard.server.transport import TransportClosed


class SlowSocket:
    """A transport whose buffer is full while ``full`` is set; awaited sends take a turn."""

    def __init__(self) -> None:
        self.full = False
        self.written: list[bytes] = []
        self.closed: tuple[int, str] | None = None
        self.fail = False
        self.awaited = 0

    def send_now(self, data: bytes) -> bool:
        if self.full:
            return False
        self.written.append(data)
        return True

    async def send(self, data: bytes) -> None:
        self.awaited += 1
        await asyncio.sleep(0)
        if self.fail:
            raise TransportClosed()
        self.written.append(data)

    async def receive(self) -> bytes:  # pragma: no cover - not used here
        raise TransportClosed()

    def receive_ready(self) -> bytes | None:  # pragma: no cover - not used here
        return None

    async def close(self, code: int, reason: str = "") -> None:
        self.closed = (code, reason)


async def drained(peer: Peer) -> None:
    """Until the sender task has sent what waits, and ended."""
    if peer.drainer is not None:
        await peer.drainer
    assert peer.drainer is None


def peer_on(socket: SlowSocket, **limits: int) -> Peer:
    return Peer(socket, Role.PARTICIPANT, RoomLimits(**limits), "link")


def test_frames_go_out_at_once_without_a_sender_task() -> None:
    async def scenario() -> None:
        socket = SlowSocket()
        peer = peer_on(socket)
        for index in range(3):
            peer.push(b"%d" % index)
        assert socket.written == [b"0", b"1", b"2"]
        assert peer.drainer is None and peer.queue is None

    asyncio.run(scenario())


def test_frames_that_wait_go_out_in_order_and_the_connection_goes_back_to_direct_sends() -> None:
    async def scenario() -> None:
        socket = SlowSocket()
        peer = peer_on(socket)
        peer.push(b"a")
        socket.full = True
        peer.push(b"b")  # the socket is full: queued, a sender task starts
        socket.full = False
        peer.push(b"c")  # the socket takes frames again, but b waits: c goes behind it
        assert peer.drainer is not None
        assert socket.written == [b"a"]
        await drained(peer)
        assert socket.written == [b"a", b"b", b"c"]
        assert peer.queue is None and peer.queued_bytes == 0
        peer.push(b"d")
        assert socket.written[-1] == b"d" and peer.drainer is None

    asyncio.run(scenario())


def test_a_closing_connection_without_a_sender_task_gets_its_close_frame() -> None:
    async def scenario() -> None:
        socket = SlowSocket()
        peer = peer_on(socket)
        peer.push(b"a")
        peer.close(1001, "server stopping")
        peer.push(b"late")  # nothing after the close
        await peer.finish()
        assert socket.written == [b"a"]
        assert socket.closed == (1001, "server stopping")
        assert peer.drainer is None

    asyncio.run(scenario())


def test_queued_frames_then_the_close_frame_when_the_sender_was_started_by_a_full_socket() -> None:
    async def scenario() -> None:
        socket = SlowSocket()
        peer = peer_on(socket)
        socket.full = True
        for index in range(3):
            peer.push(b"%d" % index)
        await drained(peer)
        assert socket.written == [b"0", b"1", b"2"]
        peer.close(1000, "bye")
        await peer.finish()
        assert socket.closed == (1000, "bye")

    asyncio.run(scenario())


def test_a_peer_too_far_behind_is_closed_with_1013_and_its_queue_dropped() -> None:
    async def scenario() -> None:
        socket = SlowSocket()
        peer = peer_on(socket, queue_frames=2)
        socket.full = True
        for index in range(5):
            peer.push(b"%d" % index)
        await peer.finish()
        assert socket.closed is not None and socket.closed[0] == 1013
        assert b"4" not in socket.written
        assert peer.queued_bytes == 0

    asyncio.run(scenario())


def test_a_frame_that_cannot_be_sent_asks_the_client_to_reconnect() -> None:
    """The awaited send fails (the client went, or the turn's updates could not be stored):
    the frames behind it are dropped and the client is asked to reconnect, so it never goes
    on without a frame it was sent."""
    async def scenario() -> None:
        socket = SlowSocket()
        peer = peer_on(socket)
        socket.full = socket.fail = True
        peer.push(b"a")
        peer.push(b"b")
        await drained(peer)
        assert socket.written == []
        assert socket.closed is not None and socket.closed[0] == 1013

    asyncio.run(scenario())


def test_once_the_socket_takes_frames_again_the_queue_goes_out_without_awaiting_each() -> None:
    """One awaited send (a trip through ASGI) for the first waiting frame; the rest of the
    queue that the socket takes at once is written directly, still in order."""
    async def scenario() -> None:
        socket = SlowSocket()
        peer = peer_on(socket)
        socket.full = True
        for index in range(50):
            peer.push(b"%d" % index)
        socket.full = False
        await drained(peer)
        assert socket.written == [b"%d" % index for index in range(50)]
        assert socket.awaited == 1
        assert peer.queue is None and peer.queued_bytes == 0

    asyncio.run(scenario())
