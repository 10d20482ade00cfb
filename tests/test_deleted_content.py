"""Deleted content stays with those who saw it: a later reader's sync does not carry it.

The room keeps the content of deleted items (the guard's undo and the replay of stored updates
need it), and its sync answer used to be encoded from that document: whoever opened the board
later, with any link, got every text typed and deleted before, readable with a few lines of
code (the browser's Yjs drops it on arrival, a hand-made client does not). Only the
facilitator may see the past of a board (the history API). These tests read the raw sync
answer the way such a client would.
"""

from __future__ import annotations

import asyncio
import functools

import pytest
import websockets
from pycrdt import Doc, Map, Text
from yclient import connected
from yclient import wait_for as _wait_for

from partnerboard.server import yprotocol as yp

wait_for = functools.partial(_wait_for, limit=15)

SECRET_TEXT = "call me on 0612345678"
SECRET_VALUE = "private remark 7733"
SECRET_NOTE = "a whole note deleted 4411"


async def sync_answer(url: str, state_vector: bytes = b"\x00") -> bytes:
    """Ask the board for what ``state_vector`` lacks; the raw update of the SyncStep2."""
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(yp.sync_step1(state_vector))
        async with asyncio.timeout(10):
            async for frame in ws:
                message = yp.parse_message(frame)
                if message.type is yp.MessageType.SYNC and \
                        message.sync_type is yp.SyncType.STEP2:
                    return message.payload
    raise AssertionError("the board sent no sync answer")


async def write_and_delete(url: str) -> None:
    """A participant writes three private things and deletes them, keeping one note."""
    async with connected(url) as writer:
        writer.add_note("kept", "the group's idea")
        writer.add_note("typed", SECRET_TEXT)
        writer.add_note("gone", SECRET_NOTE)
        await writer.flush()
        with writer.doc.transaction():
            text = writer.elements["typed"]["text"]
            assert isinstance(text, Text)
            del text[0:len(text)]
            text += "fixed"
            writer.elements["typed"]["remark"] = SECRET_VALUE
        await writer.flush()
        with writer.doc.transaction():
            writer.elements["typed"]["remark"] = "-"
            del writer.elements["gone"]
        await writer.flush()


def assert_clean(update: bytes) -> None:
    for secret in (SECRET_TEXT, SECRET_VALUE, SECRET_NOTE):
        assert secret.encode() not in update, f"{secret!r} reached a later reader"
    doc = Doc()
    doc.apply_update(update)
    elements = doc.get("elements", type=Map)
    assert str(elements["kept"]["text"]) == "the group's idea"
    assert str(elements["typed"]["text"]) == "fixed"
    assert elements["typed"]["remark"] == "-"
    assert "gone" not in elements


@pytest.mark.parametrize("reader", ["participant", "observer"])
def test_a_later_reader_gets_no_deleted_content(own_server, reader):
    server = own_server.start()
    board = server.create_board()

    async def scenario() -> None:
        # A reader before the writing: the room's collected copy is made then, and must follow
        # what is added and deleted after it.
        assert b"typed" not in await sync_answer(server.board_ws(board, reader))
        await write_and_delete(server.board_ws(board))
        assert_clean(await sync_answer(server.board_ws(board, reader)))
        # The same after a restart, when the room is loaded from the stored board.
        server.terminate()
        server.start()
        assert_clean(await sync_answer(server.board_ws(board, reader)))

    asyncio.run(scenario())


def test_a_returning_reader_gets_only_what_it_lacks_and_no_deleted_content(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "observer")) as early:
            await wait_for(lambda: early.synced.is_set(), what="synced")
            seen = early.doc.get_state()
        await write_and_delete(server.board_ws(board))
        missing = await sync_answer(server.board_ws(board, "observer"), seen)
        for secret in (SECRET_TEXT, SECRET_VALUE, SECRET_NOTE):
            assert secret.encode() not in missing
        early.doc.apply_update(missing)
        elements = early.elements
        assert str(elements["typed"]["text"]) == "fixed"
        assert sorted(elements.keys()) == ["kept", "typed"]

    asyncio.run(scenario())
