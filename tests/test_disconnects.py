"""Abrupt disconnects are normal: they end a connection quietly, without a traceback."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct

import pytest
from yclient import connected, wait_for


def abrupt(server, board: dict, *, wait_for_accept: bool, partial_frame: bool) -> None:  # noqa: ANN001
    """Open a WebSocket by hand, then reset the TCP connection (SO_LINGER 0: an RST)."""
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    path = f"/ws/{board['id']}?token={board['tokens']['participant']}"
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    if wait_for_accept:
        assert b"101" in sock.recv(65536).split(b"\r\n")[0]
    if partial_frame:
        sock.sendall(b"\x82\xfe\x10\x00")  # a frame header promising 4 KB that never come
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.mark.parametrize(("wait_for_accept", "partial_frame"),
                         [(True, False), (False, False), (True, True)],
                         ids=["after-accept", "during-handshake", "mid-frame"])
def test_an_abrupt_tcp_reset_ends_the_connection_quietly(own_server, wait_for_accept,
                                                         partial_frame):
    server = own_server.start()
    board = server.create_board()
    for _ in range(3):
        abrupt(server, board, wait_for_accept=wait_for_accept, partial_frame=partial_frame)

    async def still_serving() -> None:
        async with connected(server.board_ws(board)) as client, \
                connected(server.board_ws(board, "observer")) as reader:
            client.add_note("n", "after the resets")
            await wait_for(lambda: "n" in reader.elements, what="sync after resets")

    asyncio.run(still_serving())
    server.stop()  # every connection's handler has ended and logged whatever it had to say
    log = server.log_path.read_text()
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log
