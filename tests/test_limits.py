"""Limits on connections, board size and queued bytes: a clear close code, and defaults that
never hurt a real session."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import subprocess
import sys
from urllib.parse import urlparse

import pytest
import websockets
from conftest import ServerProcess
from memory_transport import serve_frames
from pycrdt import Doc, Map, Text
from yclient import connected
from yclient import wait_for as _wait_for

from partnerboard.canvases.partnership_map.spec import SPEC
from partnerboard.server import yprotocol as yp
from partnerboard.server.boards import Boards
from partnerboard.server.limits import RoomLimits
from partnerboard.server.room import Room, load_document
from partnerboard.server.store import Store

#: The machine running the suite may be busy: conditions get a generous deadline.
wait_for = functools.partial(_wait_for, limit=15)


def run(coroutine) -> None:  # noqa: ANN001
    asyncio.run(coroutine)


def test_every_limit_is_an_option_of_serve():
    answer = subprocess.run(
        [sys.executable, "-m", "partnerboard.server.cli", "serve", "--help"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    for option in ("--max-connections-per-address", "--max-connections-per-board",
                   "--max-board-elements", "--max-board-bytes", "--send-queue-bytes",
                   "--send-queue-limit", "--max-message-bytes"):
        assert option in answer.stdout


async def close_code_of(url: str) -> int | None:
    """Open a connection; the close code when the server closes it at once, else None."""
    ws = await websockets.connect(url, max_size=None)
    try:
        first = await asyncio.wait_for(ws.recv(), 5)
        assert yp.parse_message(first).sync_type is yp.SyncType.STEP1
        return None
    except websockets.ConnectionClosed:
        return ws.close_code
    finally:
        await ws.close()


def test_connections_per_address_and_per_board_are_limited(tmp_path):
    server = ServerProcess(tmp_path / "data", "--max-connections-per-address", "4",
                           "--max-connections-per-board", "3").start()
    try:
        board, other = server.create_board(), server.create_board()

        async def scenario() -> None:
            open_ = [await websockets.connect(server.board_ws(board)) for _ in range(3)]
            assert await close_code_of(server.board_ws(board)) == 1013  # board full
            assert await close_code_of(server.board_ws(other)) is None  # another board: fine
            open_.append(await websockets.connect(server.board_ws(other)))
            assert await close_code_of(server.board_ws(other)) == 1013  # address full
            await open_.pop().close()
            async with connected(server.board_ws(other)) as client:
                assert client.close_code is None  # a place came free
            for ws in open_:
                await ws.close()

        run(scenario())
        log = server.log_path.read_text()
        assert f"board {board['id']}: closing a connection with 1013: too many connections" in log
    finally:
        server.stop()


def add_five_notes(writer) -> None:  # noqa: ANN001
    """Notes n0..n4: a board's limit in the element-limit tests."""
    for index in range(5):
        writer.add_note(f"n{index}", "fits", x=100 + index, y=100)


def test_a_board_stops_growing_at_its_element_and_byte_limits(tmp_path):
    server = ServerProcess(tmp_path / "data", "--max-board-elements", "5",
                           "--max-board-bytes", "60000").start()
    try:
        board = server.create_board()

        async def scenario() -> None:
            async with connected(server.board_ws(board)) as writer:
                add_five_notes(writer)
                await writer.flush()
                writer.add_note("n5", "one too many")
                assert await writer.wait_closed(10) == 1009
            async with connected(server.board_ws(board)) as writer:
                assert set(writer.elements.keys()) == {f"n{index}" for index in range(5)}
                writer.elements["n0"]["text"] += "x" * 70_000
                assert await writer.wait_closed(10) == 1009
            async with connected(server.board_ws(board, "observer")) as reader:
                assert str(reader.elements["n0"]["text"]) == "fits"

        run(scenario())
        assert "the board is full" in server.log_path.read_text()
    finally:
        server.stop()



@pytest.mark.parametrize("how", ["deleted", "undone"])
def test_what_was_deleted_does_not_fill_the_board_for_everyone(tmp_path, how):
    """A room keeps the content of deleted items (the guard's undo needs it), and counted it
    against the board's byte limit: a participant who wrote long notes and deleted them again,
    or whose updates the guard undid, made the board refuse every edit from everyone while it
    showed almost nothing (found while reviewing the cost of refused updates). Once the limit
    is reached the room first lets go of deleted content, and counts what is left."""
    server = ServerProcess(tmp_path / "data", "--max-board-bytes", "200000").start()
    try:
        board = server.create_board()

        async def scenario() -> None:
            async with connected(server.board_ws(board)) as writer:
                meta = writer.doc.get("meta", type=Map)
                for cycle in range(12):  # 12 x 40,000 characters: far past 200,000 bytes
                    if how == "deleted":
                        writer.add_note(f"long{cycle}", "x" * 40_000)
                        await writer.flush()
                        del writer.elements[f"long{cycle}"]
                    else:  # the settings are the facilitator's: the guard undoes it
                        meta[f"long{cycle}"] = "x" * 40_000
                        await writer.flush()
                        await wait_for(lambda c=cycle: f"long{c}" not in meta, what="undone")
                    await writer.flush()
                writer.add_note("small", "still room for this")
                await writer.flush()
                assert writer.close_code is None
            async with connected(server.board_ws(board, "observer")) as reader:
                await wait_for(lambda: "small" in reader.elements, what="the small note")
                assert not any(key.startswith("long") for key in reader.elements.keys())

        run(scenario())
    finally:
        server.stop()

def test_a_note_set_again_under_a_deleted_notes_key_counts_against_the_element_limit(tmp_path):
    """Yjs writes the set of a key that held a value before against that old entry, without
    naming the board's map: the check before applying cannot count such an element, so the
    guard counts what the applied update filled. Before, deleting notes and setting their keys
    again grew a board past its limit without end."""
    server = ServerProcess(tmp_path / "data", "--max-board-elements", "5").start()
    try:
        board = server.create_board()

        async def scenario() -> None:
            async with connected(server.board_ws(board)) as writer:
                add_five_notes(writer)
                del writer.elements["n0"]
                writer.add_note("n0", "set again, within the limit")  # 5 elements
                del writer.elements["n1"]
                writer.add_note("n5", "a new key, within the limit")  # 5 elements
                writer.add_note("n1", "set again, one too many")  # would be 6
                await writer.flush()
                await wait_for(lambda: "n1" not in writer.elements, what="the sixth undone")
                text = writer.elements["n2"]["text"]
                text += " (still editing)"
                await writer.flush()
                assert writer.close_code is None
            async with connected(server.board_ws(board, "observer")) as reader:
                await wait_for(lambda: "(still editing)" in str(reader.elements["n2"]["text"]),
                               what="the later edit")
                assert set(reader.elements.keys()) == {"n0", "n2", "n3", "n4", "n5"}
                assert str(reader.elements["n0"]["text"]) == "set again, within the limit"

        run(scenario())
    finally:
        server.stop()


def test_a_reader_that_stops_reading_is_cut_off_by_queued_bytes(tmp_path):
    server = ServerProcess(tmp_path / "data", "--send-queue-limit", "100000",
                           "--send-queue-bytes", "1000000").start()
    try:
        board = server.create_board()

        async def scenario() -> None:
            # A small receive window: the kernel's buffers (tuned up to several MiB on both
            # ends) must not take in everything the server sends, or nothing ever queues.
            address = urlparse(server.url)
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
            sock.connect((address.hostname, address.port))
            stalled = await websockets.connect(server.board_ws(board, "observer"), max_queue=1,
                                               max_size=None, sock=sock)
            async with connected(server.board_ws(board)) as writer, \
                    connected(server.board_ws(board, "observer")) as reader:
                for index in range(120):
                    writer.add_note(f"n{index}", "x" * 90_000)
                    await writer.flush()
                    await asyncio.sleep(0)
                await wait_for(lambda: len(reader.elements) == 120, limit=30, what="reader")
            with contextlib.suppress(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(stalled.recv(), 10)
            assert stalled.close_code == 1013

        run(scenario())
    finally:
        server.stop()


def test_500_clients_on_one_board_from_one_address_work_with_the_defaults(server):
    """A proxy in front of a big session: every connection syncs and edits arrive."""
    board = server.create_board()

    async def scenario() -> None:
        sockets = []
        try:
            for _ in range(500):
                ws = await websockets.connect(server.board_ws(board), max_size=None)
                sockets.append(ws)
            firsts = await asyncio.gather(*(asyncio.wait_for(ws.recv(), 30) for ws in sockets))
            assert all(yp.parse_message(frame).sync_type is yp.SyncType.STEP1
                       for frame in firsts)
            async with connected(server.board_ws(board)) as writer, \
                    connected(server.board_ws(board, "observer")) as reader:
                writer.elements["last"] = Map({
                    "kind": "note", "x": 1, "y": 1, "w": 1, "h": 1, "text": Text("501st"),
                    "author": "", "org": "", "color": "", "created": 0})
                await wait_for(lambda: "last" in reader.elements, limit=30, what="edit")
            assert all(ws.close_code is None for ws in sockets)
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)

    run(scenario())



def test_a_full_board_is_folded_once_for_what_was_stored_since_not_per_refused_update(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """At its byte limit a board is first folded without deleted content (see above), which
    costs a walk of the whole board. Only what was stored since the last fold can have
    freed anything, so refused updates that keep coming (each connection closed with 1009)
    fold it once, not once each."""
    record = Boards(store).create(SPEC, "Title", "en", ["Gemeente"]).record
    room = Room(record.id, store, spec=SPEC,
                limits=RoomLimits(board_elements=100, board_bytes=60_000))
    folds = []
    compact = Room.compact

    def counted(self: Room, *, collect: bool = False) -> None:
        folds.append(collect)
        compact(self, collect=collect)

    monkeypatch.setattr(Room, "compact", counted)
    writer, updates = Doc(), []
    writer.observe(lambda event: updates.append(event.update))
    elements = writer.get("elements", type=Map)

    def note(key: str, characters: int) -> bytes:
        with writer.transaction():
            elements[key] = Map({"kind": "note", "x": 0.0, "y": 0.0, "w": 160.0, "h": 100.0,
                                 "text": Text("x" * characters), "author": "", "org": "",
                                 "color": "#ffe066", "created": 1.0})
        return yp.sync_update(updates.pop())

    assert serve_frames(room, [note("kept", 40_000)]) is None  # live: nothing to free
    too_much = note("more", 30_000)
    for _ in range(10):
        assert serve_frames(room, [too_much])[0] == 1009
    assert folds.count(True) == 1
    assert "more" not in load_document(store, record.id)[0].get("elements", type=Map)
