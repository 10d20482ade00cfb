"""A client that stops reading is cut off (1013) without slowing down anyone else."""

from __future__ import annotations

import asyncio
import contextlib

import websockets
from conftest import ServerProcess
from yclient import connected, wait_for


def test_a_client_that_stops_reading_is_disconnected_and_others_keep_up(tmp_path):
    server = ServerProcess(tmp_path / "data", "--send-queue-limit", "8").start()
    try:
        board = server.create_board()

        async def scenario() -> None:
            # Never reads: its socket buffers fill, then its queue on the server.
            stalled = await websockets.connect(server.board_ws(board), max_queue=1,
                                               max_size=None)
            async with connected(server.board_ws(board)) as writer, \
                    connected(server.board_ws(board, "observer")) as reader:
                for index in range(120):
                    writer.add_note(f"n{index}", "x" * 100_000)
                    await writer.flush()
                    await asyncio.sleep(0)
                await wait_for(lambda: len(reader.elements) == 120, limit=30,
                               what="the reading client got everything")
                assert reader.close_code is None
            with contextlib.suppress(websockets.ConnectionClosed):
                while True:  # what had been queued before the server gave up, then the close
                    await asyncio.wait_for(stalled.recv(), 10)
            assert stalled.close_code == 1013

        asyncio.run(scenario())
    finally:
        server.stop()
