"""The longest event-loop stall while a board of ~20,000 notes is finalized and drawn.

Run by ``make bench`` (not by ``make test``), or by hand, e.g.

    PYTHONPATH=tests python tests/benchmarks/finalize_stall.py [--notes 19900]

A real server (uvicorn, in this process, on a loopback port) serves a board that a websocket
client holds open (so its room is loaded, as when a facilitator finalizes). A ticker task on the
server's own loop sleeps 1 ms at a time and records the longest gap between its wake-ups: that
gap is how long the server answered nobody. It is measured around the finalize request, then
around a download of the finalized board's picture.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

import httpx
import uvicorn
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import app_settings  # noqa: E402
from test_heavy_requests import big_document  # noqa: E402

from partnerboard.server.app import create_app  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Ticker:
    """Records the longest time the loop took to come back to a 1 ms sleep."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now

    def start(self) -> None:
        self.longest = 0.0
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> float:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return self.longest


async def main(notes: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="finalize-stall-"))
    app = create_app(app_settings(data))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           ws_max_size=64 << 20))
    serving = asyncio.ensure_future(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to await
        await asyncio.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=url, timeout=600) as http:
        board = (await http.post("/api/boards", json={
            "canvas": "partnership-map", "title": "Groot", "language": "en",
            "partners": [{"name": "Gemeente"}]})).json()
        store = app.state.store
        base = store.load_document(board["id"])[0][0]
        _doc, update = big_document(base, notes=notes)
        store.append_update(board["id"], update)
        token = board["tokens"]["facilitator"]
        headers = {"Authorization": f"Bearer {token}"}
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/{board['id']}?token={token}",
                                      max_size=None) as ws:
            await ws.recv()  # the room is loaded
            ticker = Ticker()

            async def measured(request: Awaitable[httpx.Response]) -> tuple[
                    httpx.Response, float, float]:
                """The answer, the time it took and the loop's longest stall meanwhile."""
                ticker.start()
                started = time.perf_counter()
                answer = await request
                took = time.perf_counter() - started
                stall = await ticker.stop()
                assert answer.status_code == 200, answer.text
                return answer, took, stall

            _done, took, stall = await measured(
                http.post(f"/api/boards/{board['id']}/finalize", headers=headers))
            print(f"finalize of {notes} notes: {took * 1000:.0f} ms in all, longest loop stall "
                  f"{stall * 1000:.0f} ms")
            picture, took, stall = await measured(
                http.get(f"/api/boards/{board['id']}/image", headers=headers))
            print(f"picture download ({len(picture.content)} bytes): {took * 1000:.0f} ms in "
                  f"all, longest loop stall {stall * 1000:.0f} ms")
    server.should_exit = True
    await serving


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=19_900)
    asyncio.run(main(parser.parse_args().notes))
