"""Bad input on the WebSocket: a clear close code for the sender, nothing for anyone else."""

from __future__ import annotations

import asyncio

import pytest
from yclient import YClient, connected, note_texts, wait_for
from yupdates import deep_any_update

from partnerboard.server import yprotocol as yp

BAD_FRAMES = [
    pytest.param(b"\xff\xff\xff", 1002, id="garbage-bytes"),
    pytest.param(b"", 1002, id="empty-frame"),
    pytest.param(bytes([7, 1, 2]), 1003, id="unknown-message-type"),
    pytest.param(bytes([0, 9, 0]), 1002, id="unknown-sync-type"),
    pytest.param(bytes([0, 2, 50, 1, 2]), 1002, id="length-past-end"),
    pytest.param(yp.sync_update(b"\x01\x02garbage-update"), 1002, id="undecodable-update"),
    pytest.param(yp.sync_step1(b"\x05\x01"), 1002, id="undecodable-state-vector"),
    pytest.param(yp.sync_update(b"\x00\x00") + b"\x00", 1002, id="trailing-bytes"),
    pytest.param(yp.awareness_message(b"\x01\x01\x01\x03{x}"), 1002, id="awareness-not-json"),
    pytest.param(yp.awareness_message(yp.encode_awareness(
        [yp.AwarenessEntry(5, 1, "[" * 2000 + "]" * 2000)])), 1002, id="awareness-nested-2000"),
    pytest.param(yp.sync_update(deep_any_update(30_000)), 1002, id="update-nested-30000"),
    pytest.param(yp.sync_step2(deep_any_update(30_000)), 1002, id="step2-nested-30000"),
    pytest.param("a text frame", 1003, id="text-frame"),
    pytest.param(b"\x00\x02" + b"\x00" * (1024 * 1024 + 10), 1009, id="oversized-frame"),
]


@pytest.mark.parametrize(("frame", "code"), BAD_FRAMES)
def test_bad_frame_closes_only_the_sender_and_changes_nothing(server, frame, code):
    board = server.create_board()

    async def scenario():
        async with connected(server.board_ws(board)) as bystander:
            bystander.add_note("before", "kept")
            attacker = await YClient(server.board_ws(board)).connect()
            await asyncio.wait_for(attacker.synced.wait(), 5)
            await wait_for(lambda: "before" in attacker.elements, what="sync")
            await attacker.send_raw(frame)
            assert await attacker.wait_closed() == code
            # The bystander is still connected and still syncing.
            bystander.add_note("after", "still works")
            async with connected(server.board_ws(board, "observer")) as checker:
                await wait_for(lambda: "after" in checker.elements, what="later edit")
                assert note_texts(checker.doc) == {"before": "kept", "after": "still works"}
            assert bystander.close_code is None

    asyncio.run(scenario())


def test_bad_frames_are_logged_with_the_board_id(server):
    board = server.create_board()

    async def scenario():
        attacker = await YClient(server.board_ws(board)).connect()
        await attacker.send_raw(bytes([7]))
        await attacker.wait_closed()

    asyncio.run(scenario())
    assert f"board {board['id']}: closing a connection with 1003" in server.log_path.read_text()


def test_deep_awareness_closes_cleanly_without_a_traceback(own_server):
    server = own_server.start()
    board = server.create_board()
    deep = yp.AwarenessEntry(5, 1, "[" * 2000 + "]" * 2000)

    async def scenario():
        attacker = await YClient(server.board_ws(board, "observer")).connect()
        await attacker.send_raw(yp.awareness_message(yp.encode_awareness([deep])))
        assert await attacker.wait_closed() == 1002

    asyncio.run(scenario())
    log = server.log_path.read_text()
    assert f"board {board['id']}: closing a connection with 1002" in log
    assert "Exception in ASGI application" not in log and "Traceback" not in log
