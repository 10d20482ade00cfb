"""A client that sends a request slowly, or not at all, gets 408 and loses its connection
(an attack review: without a deadline a few thousand such connections held every slot up to
--max-connections, and everybody else got 503).

A real server with ``--request-timeout 0.5`` and raw sockets, as an attacker would use them.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ServerProcess
from pycrdt import Map
from test_ws_limits import log_since, path_of, read_frames, upgrade
from yclient import connected, wait_for

TIMEOUT = 0.5


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data = Path(tmp_path_factory.mktemp("slow")) / "data"
    process = ServerProcess(data, "--request-timeout", str(TIMEOUT)).start()
    try:
        yield process
    finally:
        process.stop()


def raw(server: ServerProcess) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def trickle(sock: socket.socket, parts: list[bytes], pause: float) -> bytes:
    """Send ``parts`` one by one, waiting up to ``pause`` for an answer after each; what the
    server sent (from its first answer until it closed)."""
    sock.settimeout(pause)
    received = b""
    for part in parts:
        try:
            sock.send(part)
            received += sock.recv(65536)
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            break
        if received:
            break
    sock.settimeout(10)
    try:
        received += answer(sock)
    except ConnectionResetError:
        pass
    return received


def answered_head(sock: socket.socket, request_head: bytes) -> bytes:
    """Send ``request_head`` and read the answer's head (the connection stays open)."""
    sock.sendall(request_head)
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(65536)
    return head


def request(path: str, body: bytes, *, keep_alive: bool = False) -> tuple[bytes, bytes]:
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n").encode()
    return head, body


def board_body() -> bytes:
    return json.dumps({"canvas": "partnership-map", "title": "Slow", "language": "en",
                       "partners": [{"name": "Gemeente"}]}).encode()


def test_a_connection_that_sends_nothing_is_answered_408_and_closed(slow_server):
    with log_since(slow_server) as log:
        sock = raw(slow_server)
        started = time.monotonic()
        received = answer(sock)
        waited = time.monotonic() - started
        sock.close()
    assert received.startswith(b"HTTP/1.1 408 "), received[:80]
    assert b"request headers not complete in time" in received
    assert TIMEOUT * 0.8 <= waited < TIMEOUT + 5
    assert "408: request headers not complete within" in log.text


def test_headers_sent_a_byte_at_a_time_do_not_reset_the_deadline(slow_server):
    sock = raw(slow_server)
    head, _ = request("/api/boards", board_body())
    started = time.monotonic()
    # One byte every 0.1 s: the headers would take 10 s and more.
    received = trickle(sock, [bytes([byte]) for byte in head], 0.1)
    sock.close()
    assert received.startswith(b"HTTP/1.1 408 "), received[:80]
    assert time.monotonic() - started < TIMEOUT + 5


def test_the_next_request_on_a_kept_alive_connection_has_the_same_deadline(slow_server):
    sock = raw(slow_server)
    first = answered_head(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200 "), first[:80]
    time.sleep(TIMEOUT * 2)  # longer than the deadline, shorter than uvicorn's keep-alive
    sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # and the rest never comes
    received = answer(sock)
    sock.close()
    assert b"HTTP/1.1 408 " in received, received[-200:]


def test_a_body_that_stops_halfway_is_answered_408_with_a_json_error(slow_server):
    head, body = request("/api/boards", board_body())
    sock = raw(slow_server)
    sock.sendall(head + body[: len(body) // 2])
    received = answer(sock)
    sock.close()
    status, _, rest = received.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 408 "), received[:80]
    assert json.loads(rest.partition(b"\r\n\r\n")[2]) == {
        "error": "request body not complete in time"}


def test_a_body_that_trickles_is_cut_off_after_eight_deadlines(slow_server):
    head, body = request("/api/boards", b" " * 4000 + board_body())
    sock = raw(slow_server)
    sock.sendall(head)
    started = time.monotonic()
    # Each part within the deadline, all of them not.
    received = trickle(sock, [body[start:start + 40] for start in range(0, len(body), 40)],
                       TIMEOUT / 2)
    took = time.monotonic() - started
    sock.close()
    assert received.startswith(b"HTTP/1.1 408 "), received[:80]
    assert 8 * TIMEOUT * 0.8 <= took < 8 * TIMEOUT + 5


def test_the_rest_of_a_body_nobody_reads_does_not_hold_the_connection(slow_server):
    """An answer can go out before its request's body came (a handler that does not read it, a
    refusal while it came): the connection then waited for the rest for good, once one more
    byte had stopped uvicorn's keep-alive timer (found in a review)."""
    sock = raw(slow_server)
    first = answered_head(
        sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200 "), first[:80]
    sock.sendall(b"x")
    started = time.monotonic()
    answer(sock)  # until the server closes (the socket's own timeout is 10 s)
    sock.close()
    assert time.monotonic() - started < TIMEOUT + 5


def test_a_large_body_over_a_slow_line_is_not_cut_off(slow_server):
    """A steady upload may take longer than eight deadlines when it is large: a second more
    for every 4 KiB (a fixed total cut off a 1 MiB board file sent at 70 kbit/s)."""
    head, body = request("/api/boards", b" " * 60_000 + board_body())
    sock = raw(slow_server)
    sock.sendall(head)
    started = time.monotonic()
    for start in range(0, len(body), 1024):  # 1 KiB every 0.1 s: 6 s, past 8 deadlines
        sock.sendall(body[start:start + 1024])
        time.sleep(0.1)
    received = answer(sock)
    sock.close()
    assert time.monotonic() - started > 8 * TIMEOUT
    assert received.startswith(b"HTTP/1.1 201 "), received[:80]


def test_an_idle_kept_alive_connection_is_closed_without_a_stray_408(slow_server):
    """After an answer, a connection that sends nothing more is closed without a word: a 408
    there could cross the client's next request and be taken for its answer."""
    sock = raw(slow_server)
    first = answered_head(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200 "), first[:80]
    rest = first.partition(b"\r\n\r\n")[2] + answer(sock)  # the body, then the close
    sock.close()
    assert b"408" not in rest, rest


def test_prompt_clients_and_open_websockets_are_not_cut_off(slow_server):
    """Requests in one piece, a body in parts inside the deadlines, and a WebSocket that stays
    open (and quiet) far longer than the deadline: the deadline is for headers and bodies."""
    board = slow_server.create_board()
    head, body = request("/api/boards", board_body())
    sock = raw(slow_server)
    sock.sendall(head)
    for start in range(0, len(body), len(body) // 3 + 1):
        time.sleep(TIMEOUT / 3)
        sock.sendall(body[start:start + len(body) // 3 + 1])
    created = answer(sock)
    sock.close()
    assert created.startswith(b"HTTP/1.1 201 "), created[:80]

    quiet = upgrade(slow_server.url, path_of(board, "observer"))
    time.sleep(TIMEOUT * 4)

    async def scenario() -> None:
        async with connected(slow_server.board_ws(board)) as writer:
            writer.add_note("late", "still here", x=10, y=10)
            await wait_for(lambda: "late" in writer.doc.get("elements", type=Map).keys(),
                           what="the note stored")

    try:
        asyncio.run(scenario())
        payloads = [payload for _opcode, payload in read_frames(quiet, 3)
                    if b"still here" in payload]
    finally:
        quiet.close()
    assert payloads, "the WebSocket opened before the deadline was not sent the new note"
