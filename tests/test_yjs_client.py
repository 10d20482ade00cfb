"""A stock Yjs WebsocketProvider (Node) and a pycrdt client edit the same board."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

from yclient import connected, note_texts, wait_for

CLIENT = Path(__file__).resolve().parent.parent / "web" / "tools" / "yjs-client.mjs"


def test_stock_yjs_provider_and_pycrdt_client_sync(server):
    board = server.create_board(title="Samen sterk")
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for this test (make test installs web/)"

    async def scenario() -> dict:
        async with connected(server.board_ws(board)) as python_client:
            python_client.add_note("from-python", "from pycrdt")
            process = await asyncio.create_subprocess_exec(
                node, str(CLIENT), server.ws_url, board["id"], board["tokens"]["participant"],
                "from-yjs", "from-python",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(process.communicate(), 20)
            assert process.returncode == 0, err.decode()
            await wait_for(lambda: "from-yjs" in python_client.elements, what="yjs note")
            assert note_texts(python_client.doc) == {
                "from-python": "from pycrdt", "from-yjs": "from yjs"
            }
            return json.loads(out)

    seen_by_yjs = asyncio.run(scenario())
    assert seen_by_yjs["title"] == "Samen sterk"
    assert seen_by_yjs["notes"] == {"from-python": "from pycrdt", "from-yjs": "from yjs"}


def test_stock_yjs_provider_is_refused_with_a_wrong_token(server):
    board = server.create_board()

    async def scenario() -> int:
        process = await asyncio.create_subprocess_exec(
            "node", str(CLIENT), server.ws_url, board["id"], "wrong-token", "a", "b",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            await asyncio.wait_for(process.wait(), 3)
        except TimeoutError:
            process.kill()
            await process.wait()
            return -1
        return process.returncode or 0

    # The provider never syncs (the server denies and closes 1008), so it cannot finish.
    assert asyncio.run(scenario()) != 0
