"""The broadcast's one-pass write (direct_send._write_all) on real sockets: what a socket does
not take, and a write that fails, go to that connection's transport, and the connections after
a failed one are still written."""

from __future__ import annotations

import socket
from types import SimpleNamespace

from partnerboard.server.direct_send import _write_all


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
