"""Keep-alive HTTP requests are answered without Nagle stalls.

Before the listening socket was created with ``IPPROTO_TCP``, asyncio never set TCP_NODELAY on
accepted connections. uvicorn writes a response's head and its body in two sends; on a
kept-alive connection the body then waited in the kernel for the client's delayed ACK of the
head: about 40 ms per request instead of well under one.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from urllib.parse import urlsplit

from partnerboard.server.cli import listening_socket


def test_connections_accepted_on_the_serve_socket_have_tcp_nodelay():
    async def accept_one() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        sock = listening_socket("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        async with server:
            host, port = sock.getsockname()[:2]
            _reader, writer = await asyncio.open_connection(host, port)
            try:
                return await asyncio.wait_for(accepted, 5)
            finally:
                writer.close()

    assert asyncio.run(accept_one()) != 0


def _read_response(conn: socket.socket) -> tuple[float, float]:
    """Read one HTTP response with a Content-Length; when its first and its last byte came."""
    data = conn.recv(65536)
    first = time.perf_counter()
    head, _, body = data.partition(b"\r\n\r\n")
    while not _:
        data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += conn.recv(65536)
    return first, time.perf_counter()


def test_keep_alive_responses_arrive_whole_without_a_delayed_ack_wait(server):
    # The time from a response's first byte to its last is what Nagle stretched to ~40 ms; it
    # does not grow with the load of a shared test machine the way the round trip does.
    address = urlsplit(server.url)
    request = f"GET /api/canvases HTTP/1.1\r\nHost: {address.netloc}\r\n\r\n".encode()
    gaps = []
    with socket.create_connection((address.hostname, address.port), timeout=5) as conn:
        for _ in range(50):
            conn.sendall(request)
            first, last = _read_response(conn)
            gaps.append(last - first)
    median_ms = statistics.median(gaps) * 1000
    assert median_ms < 5, f"median {median_ms:.1f} ms from head to body (a Nagle stall?)"
