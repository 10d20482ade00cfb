"""What one WebSocket client may make the server hold, forward or compute (an attack review).

Each test drives a real server with raw frames, as an attacker would, and checks what a user or
the operator notices: the server's memory (VmRSS, with generous margins: the machine may be
busy), what the other clients receive, the close code and the log line.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import resource
import socket
import struct
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import uvicorn
import websockets
from conftest import ServerProcess
from yclient import connected

from partnerboard.server import yprotocol as yp
from partnerboard.server.allowance import answer_allowance
from partnerboard.server.ws_protocol import BoardWebSocketProtocol

MiB = 1024 * 1024
#: The start of a SyncStep2 message.
STEP2 = b"\x00\x01"


# -- a raw client --------------------------------------------------------------------------------

def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """One masked client frame (RFC 6455 5.2)."""
    mask = os.urandom(4)
    size = len(payload)
    first = (0x80 if fin else 0) | opcode
    if size < 126:
        header = struct.pack("!BB", first, 0x80 | size)
    elif size < 65536:
        header = struct.pack("!BBH", first, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, size)
    masked = (int.from_bytes(payload, "little")
              ^ int.from_bytes(mask * (size // 4 + 1), "little") & ((1 << (8 * size)) - 1))
    return header + mask + masked.to_bytes(size, "little")


def upgrade(url: str, path: str, receive_buffer: int = 0) -> socket.socket:
    """A socket that completed the WebSocket handshake on ``path``; with ``receive_buffer``,
    a small one, for a client that does not read."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(10)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16))
    sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key +
                 b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def read_frames(sock: socket.socket, seconds: float) -> Iterator[tuple[int, bytes]]:
    """(opcode, payload) of what the server sends, until it closes or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    buffer = b""
    while True:
        while len(buffer) >= 2:
            size, start = buffer[1] & 0x7F, 2
            if size == 126:
                size, start = struct.unpack("!H", buffer[2:4])[0], 4
            elif size == 127:
                size, start = struct.unpack("!Q", buffer[2:10])[0], 10
            if len(buffer) < start + size:
                break
            yield buffer[0] & 0x0F, buffer[start:start + size]
            buffer = buffer[start + size:]
        left = deadline - time.monotonic()
        if left <= 0:
            return
        sock.settimeout(left)
        try:
            data = sock.recv(1 << 20)
        except (TimeoutError, OSError):
            return
        if not data:
            return
        buffer += data


def close_code(sock: socket.socket, seconds: float = 5) -> int | None:
    for opcode, payload in read_frames(sock, seconds):
        if opcode == 8:
            return struct.unpack("!H", payload[:2])[0]
    return None


def path_of(board: dict, role: str = "participant") -> str:
    return f"/ws/{board['id']}?token={board['tokens'][role]}"


def rss(server: ServerProcess) -> int:
    assert server.proc is not None
    status = Path(f"/proc/{server.proc.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines()
                    if line.startswith("VmRSS"))) * 1024


@contextmanager
def log_since(server: ServerProcess) -> Iterator[SimpleNamespace]:
    """What the server logs inside the block (``.text``, read when the block ends)."""
    offset = server.log_path.stat().st_size
    seen = SimpleNamespace(text="")
    yield seen
    time.sleep(0.2)  # the server writes its line as it closes
    seen.text = server.log_path.read_bytes()[offset:].decode(errors="replace")


def presence(ids: range, clock: int, size: int) -> bytes:
    state = json.dumps({"user": {"name": "x" * size}})
    return yp.awareness_message(yp.encode_awareness(
        [yp.AwarenessEntry(client_id, clock, state) for client_id in ids]))


async def awareness_bytes(url: str, seconds: float, ready: asyncio.Event) -> int:
    """The bytes of presence a bystander receives in ``seconds``."""
    received = 0
    async with websockets.connect(url, max_size=None) as ws:
        ready.set()
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await asyncio.wait_for(ws.recv(), left)
            except TimeoutError:
                break
            if isinstance(message, bytes) and message[:1] == b"\x01":
                received += len(message)
    return received


# -- 1. pings ------------------------------------------------------------------------------------

def test_pings_from_a_client_that_never_reads_do_not_grow_the_server(server):
    # uvicorn queued a pong for every ping: +32 MiB a second, for as long as the client kept on.
    board = server.create_board()
    sock = upgrade(server.url, path_of(board), receive_buffer=4096)
    pings = frame(9, b"p" * 125) * 4000
    before = rss(server)
    # An amount, not a time: a busy machine takes longer, the pongs queued would be as many.
    deadline = time.monotonic() + 60
    sent = 0
    try:
        while sent < 48 * MiB and time.monotonic() < deadline:
            sock.sendall(pings)
            sent += len(pings)
        grown = rss(server) - before
    finally:
        sock.close()
    assert sent >= 48 * MiB, f"only {sent / MiB:.0f} MiB of pings sent: the test proves nothing"
    assert grown < 24 * MiB, f"the server grew by {grown / MiB:.0f} MiB"


def test_an_unanswered_keepalive_ping_aborts_the_connection_instead_of_waiting_to_flush():
    # A close waits for the write buffer to drain, which it never does when the client stopped
    # reading: what the buffer held stayed in memory. (The keepalive gives up after 40 s; the
    # protocol is driven directly here.)
    protocol = BoardWebSocketProtocol.__new__(BoardWebSocketProtocol)
    calls: list[str] = []
    protocol.transport = SimpleNamespace(  # type: ignore[assignment]
        is_closing=lambda: False, abort=lambda: calls.append("abort"),
        close=lambda: calls.append("close"), write=lambda data: calls.append("write"))
    protocol.close_sent = False
    protocol.pong_timer = protocol.pending_ping_payload = None
    protocol.conn = SimpleNamespace(fail=lambda *args: None, data_to_send=lambda: [])
    protocol.logger = SimpleNamespace(level=100)
    protocol.keepalive_timeout()
    assert calls[-1:] == ["abort"]


# -- 2. fragments, and 7. text frames ----------------------------------------------------------

def test_a_message_in_endless_empty_fragments_is_closed_with_1009(server):
    board = server.create_board()
    with log_since(server) as log:
        sock = upgrade(server.url, path_of(board))
        try:
            sock.sendall(frame(2, b"\x00", fin=False) + frame(0, b"", fin=False) * 5000)
            code = close_code(sock)
        finally:
            sock.close()
    assert code == 1009
    assert f"board {board['id']}: closing a connection with 1009" in log.text


def test_a_text_frame_is_closed_with_1003_and_one_line_naming_the_board(server):
    board = server.create_board()
    with log_since(server) as log:
        sock = upgrade(server.url, path_of(board))
        try:
            sock.sendall(frame(1, b"\xff\xfe\xc3("))  # not UTF-8 either
            code = close_code(sock)
        finally:
            sock.close()
    assert code == 1003
    assert f"board {board['id']}: closing a connection with 1003" in log.text
    assert "Traceback" not in log.text and "ERROR" not in log.text


# -- 3. presence and awareness queries -------------------------------------------------------------

def test_a_presence_flood_is_dropped_not_forwarded_and_its_sender_stays(server):
    # Forwarded to everyone, one connection's flood made each bystander receive 185 MiB a second.
    board = server.create_board()

    async def scenario() -> tuple[int, int]:
        ready = asyncio.Event()
        bystander = asyncio.create_task(awareness_bytes(server.board_ws(board), 4, ready))
        await ready.wait()
        async with websockets.connect(server.board_ws(board), max_size=None) as attacker:
            sent = 0
            for clock in range(1, 201):  # 16 ids with 8 KiB states: 25 MiB in all
                message = presence(range(5000, 5016), clock, 8000)
                await attacker.send(message)
                sent += len(message)
            await attacker.send(yp.sync_step1(b"\x00"))  # still answered: not closed
            while (await asyncio.wait_for(attacker.recv(), 10))[:2] != STEP2:
                pass
        return sent, await bystander

    sent, received = asyncio.run(scenario())
    assert sent > 20 * MiB
    assert received < 2 * MiB, f"a bystander received {received / MiB:.1f} MiB of presence"


def test_presence_at_the_rate_of_our_client_is_all_forwarded(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board)) as mover, \
                connected(server.board_ws(board, "observer")) as watcher:
            own = mover.doc.client_id
            for clock in range(1, 81):  # a cursor every 25 ms for 2 s (ours: every 40 ms)
                await mover.set_presence(own, clock, {"user": {"name": "Anna", "org": "A"},
                                                      "cursor": {"x": clock, "y": 2 * clock}})
                await asyncio.sleep(0.025)
            deadline = time.monotonic() + 10
            while json.loads(watcher.awareness.get(own, "{}")).get("cursor", {}).get("x") != 80:
                assert time.monotonic() < deadline, "the last cursor position never arrived"
                await asyncio.sleep(0.02)

    asyncio.run(scenario())


def test_awareness_queries_are_answered_within_an_allowance(server):
    board = server.create_board()

    async def scenario() -> int:
        async with websockets.connect(server.board_ws(board), max_size=None) as shown:
            await shown.send(presence(range(6000, 6001), 1, 4000))
            async with websockets.connect(server.board_ws(board), max_size=None) as asker:
                for _ in range(2000):
                    await asker.send(b"\x03")
                await asker.send(yp.sync_step1(b"\x00"))  # answered after them: not closed
                answers = 0
                with contextlib.suppress(TimeoutError):  # (ignored while answers wait)
                    while (message := await asyncio.wait_for(asker.recv(), 3))[:2] != STEP2:
                        answers += message[:1] == b"\x01"
                assert asker.close_code is None
                return answers

    answers = asyncio.run(scenario())
    assert answers < 200, f"{answers} answers to 2,000 queries"


def test_the_boards_presence_is_sent_to_one_person_within_an_allowance(server):
    """A one-byte awareness query is answered with all of the board's presence (up to 512 KiB),
    and so is every new connection: one observer link asking over a new connection each time,
    each connection with a fresh allowance, was sent 66 MiB in 3 s (twenty connections at once:
    40 MiB). What one person is sent is charged to them (here: the link from one address),
    however many connections they open."""
    board = server.create_board()
    guest = {"Authorization": f"Bearer {board['tokens']['participant']}"}
    seats = [httpx.post(server.url + f"/api/boards/{board['id']}/seats", headers=guest,
                        json={"name": f"Holder {n}"}).json()["id"] for n in range(8)]
    pad = json.dumps({"pad": "x" * 7900})
    allowance = answer_allowance()

    async def asker(until: float) -> int:
        """Bytes of presence sent to connections opened one after another, each asking."""
        received = 0
        while time.monotonic() < until:
            async with websockets.connect(server.board_ws(board, "observer"),
                                          max_size=None) as ws:
                for _ in range(4):
                    await ws.send(b"\x03")
                with contextlib.suppress(TimeoutError):
                    while True:
                        message = await asyncio.wait_for(ws.recv(), 0.05)
                        received += len(message) if message[:1] == b"\x01" else 0
        return received

    async def scenario() -> tuple[int, float]:
        holders = [await websockets.connect(server.board_ws(board) + f"&seat={seat}",
                                            max_size=None) for seat in seats]
        try:
            for number, holder in enumerate(holders):  # 16 KB each, 128 KB together
                await holder.send(yp.awareness_message(yp.encode_awareness(
                    [yp.AwarenessEntry(7000 + 2 * number + n, 1, pad) for n in range(2)])))
                await holder.send(yp.sync_step1(b"\x00"))  # answered once the presence is in
                while (await asyncio.wait_for(holder.recv(), 10))[:2] != STEP2:
                    pass
            started = time.monotonic()
            sent = sum(await asyncio.gather(*(asker(started + 2.0) for _ in range(5))))
            assert all(holder.close_code is None for holder in holders)
            return sent, time.monotonic() - started
        finally:
            for holder in holders:
                await holder.close()

    sent, seconds = asyncio.run(scenario())
    bound = (allowance.byte_burst + allowance.byte_rate * seconds) * 1.05  # frame overhead
    assert 128_000 < sent <= bound, f"one observer was sent {sent / MiB:.1f} MiB, bound " \
        f"{bound / MiB:.1f} MiB"


# -- 4. the presence a board keeps -------------------------------------------------------------

def test_the_presence_a_board_keeps_and_sends_each_newcomer_is_capped(server):
    # 200 connections showing 128 KiB each made every newcomer's first frame 25 MiB, and the
    # server grew by 2.1 GiB (each state sent to each connection that does not read).
    board = server.create_board()
    before = rss(server)
    socks = []
    try:
        for number in range(40):
            sock = upgrade(server.url, path_of(board), receive_buffer=4096)
            sock.sendall(frame(2, presence(range(10_000 + 16 * number, 10_016 + 16 * number),
                                           1, 8000)))
            socks.append(sock)

        async def newcomer() -> int:
            # Someone else than the forty (the guest link from one address: one person, who
            # has been sent all the presence its allowance takes by now).
            async with websockets.connect(server.board_ws(board, "observer"),
                                          max_size=None) as ws:
                while (message := await asyncio.wait_for(ws.recv(), 10))[:1] != b"\x01":
                    pass
                return len(message)

        first = asyncio.run(newcomer())
        grown = rss(server) - before
    finally:
        for sock in socks:
            sock.close()
    assert first < 600 * 1024, f"a newcomer's presence frame was {first / MiB:.1f} MiB"
    assert grown < 100 * MiB, f"the server grew by {grown / MiB:.0f} MiB"


# -- 5. SyncStep1 --------------------------------------------------------------------------------

def test_sync_requests_of_a_client_that_does_not_read_pin_one_answer(server):
    # Each SyncStep1 is answered with the whole document: 30 of them from a client that does
    # not read kept 30 copies of it in the server's memory. Now the next waits for the answer
    # before it to be written.
    board = server.create_board()

    async def seed() -> None:
        async with connected(server.board_ws(board)) as writer:
            for number in range(5):
                writer.add_note(f"big{number}", "x" * 200_000)
                await writer.flush()
                await asyncio.sleep(0.1)

    asyncio.run(seed())
    sock = upgrade(server.url, path_of(board), receive_buffer=4096)
    try:
        before = rss(server)
        sock.sendall(frame(2, yp.sync_step1(b"\x00")) * 30)
        time.sleep(2)
        grown = rss(server) - before
        # Once it reads, the next requests are answered (each after the one before).
        answers = sum(payload[:2] == STEP2 for _opcode, payload in read_frames(sock, 4))
    finally:
        sock.close()
    assert grown < 12 * MiB, f"the server grew by {grown / MiB:.0f} MiB"
    assert answers >= 2


# -- 6. open files and connections --------------------------------------------------------------

def test_serve_raises_its_open_file_limit_to_the_hard_limit(tmp_path):
    # Every half-open request holds a file: at the soft limit (often 1,024) nobody got in.
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard <= 256:
        pytest.skip("the hard open-file limit is too low to tell")
    low = ["sh", "-c", 'ulimit -Sn 256 && exec "$0" "$@"', sys.executable, "-m",
           "partnerboard.server.cli"]
    server = ServerProcess(tmp_path / "data", command=low)
    try:
        server.start()
        assert server.proc is not None
        limits = Path(f"/proc/{server.proc.pid}/limits").read_text()
        soft = next(line.split()[3] for line in limits.splitlines()
                    if line.startswith("Max open files"))
        assert int(soft) == hard
    finally:
        server.stop()


def test_past_max_connections_requests_and_upgrades_get_503(tmp_path):
    server = ServerProcess(tmp_path / "data", "--max-connections", "8").start()
    host, port = server.url.removeprefix("http://").split(":")
    board = server.create_board()
    half_open = []
    try:
        for _ in range(10):  # requests that never finish their headers
            sock = socket.create_connection((host, int(port)))
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            half_open.append(sock)
        time.sleep(0.3)
        assert httpx.get(server.url + "/healthz", timeout=5).status_code == 503

        async def upgrade_refused() -> int:
            try:
                async with websockets.connect(server.board_ws(board), open_timeout=5):
                    return 101
            except websockets.InvalidStatus as refused:
                return refused.response.status_code

        assert asyncio.run(upgrade_refused()) == 503
        for sock in half_open:
            sock.close()
        half_open.clear()
        deadline = time.monotonic() + 5
        while httpx.get(server.url + "/healthz", timeout=5).status_code != 200:
            assert time.monotonic() < deadline, "still 503 after the connections closed"
            time.sleep(0.1)
    finally:
        for sock in half_open:
            sock.close()
        server.stop()


@contextlib.asynccontextmanager
async def board_protocol(app) -> AsyncIterator[tuple[uvicorn.Server, int]]:  # noqa: ANN001
    """Real uvicorn serving ``app`` with the board's WebSocket protocol on a loopback port:
    the server and its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # the client's connect waits for uvicorn to accept it
    config = uvicorn.Config(app, ws=BoardWebSocketProtocol, log_level="warning",
                            ws_max_size=MiB, lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield server, listener.getsockname()[1]
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 15)


def app_taking_nothing(accepted: asyncio.Event, done: asyncio.Event):  # noqa: ANN201
    """An ASGI app that accepts, then takes nothing until ``done``: all the client sends
    waits (a room that is busy)."""
    async def app(scope, receive, send):  # noqa: ANN001 - an ASGI app
        if scope["type"] != "websocket":
            return
        await receive()
        await send({"type": "websocket.accept"})
        accepted.set()
        await done.wait()
        await send({"type": "websocket.close", "code": 1000})
    return app


async def accepted_socket(port: int, accepted: asyncio.Event) -> socket.socket:
    """A non-blocking client socket, upgraded to a WebSocket the app accepted."""
    sock = await asyncio.to_thread(upgrade, f"http://127.0.0.1:{port}", "/ws")
    await asyncio.wait_for(accepted.wait(), 5)
    sock.setblocking(False)
    return sock


def test_reading_ahead_stops_at_its_bytes_not_only_at_its_count():
    """A client whose frames the app has not taken yet (its room busy) makes the server hold
    them: 16 frames of the largest size allowed were 16 MiB for one connection. Reading the
    socket now pauses once 256 KiB wait. Real uvicorn with the board protocol, on a loopback
    socket, and an app that accepts and then takes nothing."""
    accepted, done = asyncio.Event(), asyncio.Event()

    async def scenario() -> None:
        async with board_protocol(app_taking_nothing(accepted, done)) as (server, port):
            try:
                sock = await accepted_socket(port, accepted)
                chunk = frame(0x2, b"\x00" * (MiB - 64))
                loop = asyncio.get_running_loop()
                for _ in range(8):  # 8 MiB in all: far more than is read ahead
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(loop.sock_sendall(sock, chunk), 0.5)
                await asyncio.sleep(0.3)
                (protocol,) = list(server.server_state.connections)
                held = protocol.queue.bytes
                assert protocol.read_paused, "reading did not pause"
                assert protocol.queue.qsize() < BoardWebSocketProtocol.READ_AHEAD
                assert 256 * 1024 <= held <= 2 * MiB, f"{held / MiB:.1f} MiB read ahead"
                sock.close()
            finally:
                done.set()

    asyncio.run(scenario())


def test_reading_ahead_tiny_frames_holds_a_slice_of_a_read_not_all_of_it():
    """Tiny frames: one read of the socket (up to 256 KiB) held 37,000 frames of 7 bytes, and
    each became a queued message of a few hundred bytes before reading could pause, about 4 MiB
    per connection (found in an attack review). A read is now parsed a slice at a time, and
    what is left of it waits as bytes. Real uvicorn with the board protocol, an app that takes
    nothing, and Python's own allocations counted (tracemalloc)."""
    import tracemalloc

    accepted, done = asyncio.Event(), asyncio.Event()

    async def scenario() -> None:
        async with board_protocol(app_taking_nothing(accepted, done)) as (server, port):
            try:
                sock = await accepted_socket(port, accepted)
                tiny = frame(0x2, b"\x00") * (64 * 1024 // 7)  # 64 KiB of 7-byte frames
                loop = asyncio.get_running_loop()
                tracemalloc.start()
                try:
                    before = tracemalloc.get_traced_memory()[0]
                    for _ in range(16):  # 1 MiB in all: ~150,000 frames
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(loop.sock_sendall(sock, tiny), 0.5)
                    await asyncio.sleep(0.3)
                    held = tracemalloc.get_traced_memory()[0] - before
                finally:
                    tracemalloc.stop()
                (protocol,) = list(server.server_state.connections)
                assert protocol.read_paused, "reading did not pause"
                assert protocol.queue.qsize() <= 1024, f"{protocol.queue.qsize()} messages queued"
                assert held < MiB, f"{held / MiB:.1f} MiB held for one connection"
                sock.close()
            finally:
                done.set()

    asyncio.run(scenario())


def test_closing_with_messages_left_unread_ends_the_connection_at_the_client_answer():
    """The app closes (a refused update) while the client's messages wait: uvicorn reads on
    after a close for the client's answer. Pausing for what the app left unread held that
    answer unparsed until the close timeout, 10 s, and then reset the connection (found in an
    attack review of the slice-at-a-time parsing)."""
    closed = asyncio.Event()

    async def app(scope, receive, send):  # noqa: ANN001 - an ASGI app
        if scope["type"] != "websocket":
            return
        await receive()
        await send({"type": "websocket.accept"})
        await receive()  # the first message is refused: the rest waits unread
        await send({"type": "websocket.close", "code": 1002})
        closed.set()

    def answer_the_close(sock: socket.socket) -> tuple[str, float]:
        sock.setblocking(True)
        sock.settimeout(30)
        assert close_code(sock, 10) == 1002
        sock.sendall(frame(8, struct.pack("!H", 1002)))
        started = time.monotonic()
        try:
            while sock.recv(65536):
                pass
            how = "closed"
        except ConnectionResetError:
            how = "reset"
        return how, time.monotonic() - started

    async def scenario() -> None:
        async with board_protocol(app) as (_server, port):
            sock = await asyncio.to_thread(upgrade, f"http://127.0.0.1:{port}", "/ws")
            sock.sendall(frame(2, b"hello") * 2000)  # 22 KB of small frames in one write
            await asyncio.wait_for(closed.wait(), 5)
            how, took = await asyncio.to_thread(answer_the_close, sock)
            sock.close()
            assert (how, took < 2) == ("closed", True), f"{how} after {took:.1f} s"

    asyncio.run(scenario())
