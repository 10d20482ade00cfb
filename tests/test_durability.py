"""Crashes, restarts, compaction and graceful shutdown, against a real server process."""

from __future__ import annotations

import asyncio

import httpx
from pycrdt import Doc
from yclient import YClient, connected, note_texts, wait_for


def stored_update_count(server) -> int:
    """Updates not yet folded into a snapshot (every update is also kept as history)."""
    return server.query(
        "SELECT count(*) FROM updates WHERE id > (SELECT coalesce(max(upto), 0) FROM snapshots)"
    )[0][0]


def test_kill_9_loses_no_broadcast_update_and_restart_duplicates_nothing(own_server):
    server = own_server.start()
    board = server.create_board()

    async def before_crash() -> tuple[Doc, Doc, dict[str, str]]:
        writer = await YClient(server.board_ws(board)).connect()
        watcher = await YClient(server.board_ws(board)).connect()
        for client in (writer, watcher):
            await asyncio.wait_for(client.synced.wait(), 5)
        for index in range(60):
            writer.add_note(f"n{index}", f"note {index}", x=index * 10)
            await asyncio.sleep(0)  # one update per note, sent as they come
        await wait_for(lambda: len(watcher.elements) == 60, what="watcher saw all notes")
        seen = note_texts(watcher.doc)
        server.kill()
        await writer.wait_closed()
        await watcher.wait_closed()
        return writer.doc, watcher.doc, seen

    writer_doc, watcher_doc, seen = asyncio.run(before_crash())
    server.start()

    async def after_restart() -> None:
        async with connected(server.board_ws(board, "observer")) as fresh:
            assert note_texts(fresh.doc) == seen
        # The old clients come back with their own copies: nothing is doubled.
        async with connected(server.board_ws(board), writer_doc) as writer, \
                connected(server.board_ws(board), watcher_doc) as watcher:
            writer.add_note("after", "after the crash")
            await wait_for(lambda: "after" in watcher.elements, what="post-restart sync")
            assert len(writer.elements) == len(watcher.elements) == 61
            assert note_texts(writer.doc) == note_texts(watcher.doc)

    asyncio.run(after_restart())


def test_compaction_keeps_concurrent_updates_and_survives_restart(tmp_path):
    from conftest import ServerProcess

    server = ServerProcess(tmp_path / "data", "--compact-every", "7").start()
    try:
        board = server.create_board()

        async def edit() -> dict[str, str]:
            clients = [await YClient(server.board_ws(board)).connect() for _ in range(3)]
            for client in clients:
                await asyncio.wait_for(client.synced.wait(), 5)
            for index in range(40):
                for number, client in enumerate(clients):
                    client.add_note(f"c{number}-{index}", f"{number}/{index}")
                await asyncio.sleep(0)
            await wait_for(lambda: all(len(c.elements) == 120 for c in clients), what="all")
            texts = note_texts(clients[0].doc)
            for client in clients:
                await client.close()
            return texts

        texts = asyncio.run(edit())
        assert stored_update_count(server) < 7  # compacted while editing
        server.kill()
        server.start()

        async def check() -> None:
            async with connected(server.board_ws(board, "observer")) as fresh:
                assert note_texts(fresh.doc) == texts

        asyncio.run(check())
    finally:
        server.stop()


def test_sigterm_flushes_every_room_and_exits_cleanly(own_server):
    server = own_server.start()
    board = server.create_board()

    async def edit_and_stay_connected() -> tuple[YClient, dict[str, str]]:
        client = await YClient(server.board_ws(board)).connect()
        await asyncio.wait_for(client.synced.wait(), 5)
        for index in range(5):
            client.add_note(f"n{index}", f"kept {index}")
        async with connected(server.board_ws(board, "observer")) as watcher:
            await wait_for(lambda: len(watcher.elements) == 5, what="stored")
        assert stored_update_count(server) > 0
        return client, note_texts(client.doc)

    async def scenario() -> dict[str, str]:
        client, texts = await edit_and_stay_connected()
        code = await asyncio.to_thread(server.terminate)
        # uvicorn re-raises the signal after its graceful shutdown, as a parent expects.
        assert code in (0, -15)
        assert "Traceback" not in (server.data_dir / "server.previous.log").read_text()
        assert await client.wait_closed() in (1001, 1012)
        return texts

    texts = asyncio.run(scenario())
    assert stored_update_count(server) == 0  # folded into the snapshot on the way out
    server.start()

    async def check() -> None:
        async with connected(server.board_ws(board, "observer")) as fresh:
            assert note_texts(fresh.doc) == texts

    asyncio.run(check())


def test_rooms_unload_when_idle_and_reload_on_connect(own_server):
    server = own_server.start()
    board = server.create_board()

    def loaded() -> int:
        return httpx.get(server.url + "/healthz").json()["rooms_loaded"]

    async def scenario() -> None:
        async with connected(server.board_ws(board)) as client:
            client.add_note("n", "stays")
            assert loaded() == 1
        await wait_for(lambda: loaded() == 0, what="room unloaded")
        async with connected(server.board_ws(board, "observer")) as again:
            assert note_texts(again.doc) == {"n": "stays"}
            assert loaded() == 1

    asyncio.run(scenario())
