"""The event-loop time of one vote on a board of N notes served by several nodes.

Run by ``make bench`` (not by ``make test``), or by hand (a PostgreSQL at
PARTNERBOARD_TEST_POSTGRES, default postgresql://postgres@127.0.0.1:5432/postgres, and
``redis-server`` on the PATH), e.g.

    PYTHONPATH=tests python tests/benchmarks/vote_cost.py [--notes 5000 19900] [--votes 40]

A real server (uvicorn, in this process) runs as one node of a scaled-out deployment: a fresh
PostgreSQL database of its own and a redis-server of its own, so it has the fan-out bus (as
every node of such a deployment has, and unlike the one-node SQLite server). A websocket
client holds the board open, so its room is loaded. Each vote is checked against the round
under the board's lock (server/voting.py); before that check read the store's round state, it
reloaded the whole document from the store per vote. A ticker task on the server's loop sleeps
1 ms at a time and records the longest gap between wake-ups during each request: how long the
server answered nobody. Votes alternate with taking them back (both are checked alike).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import uvicorn
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cluster import RedisServer  # noqa: E402
from conftest import app_settings  # noqa: E402
from finalize_stall import Ticker, free_port  # noqa: E402
from pgutil import create_database, drop_database  # noqa: E402
from test_heavy_requests import big_document  # noqa: E402

from partnerboard.server.app import create_app  # noqa: E402


async def measure(notes: int, votes: int, redis_url: str) -> tuple[list[float], list[float]]:
    """Per vote request: (ms in all, longest loop stall in ms)."""
    database = create_database()
    data = Path(tempfile.mkdtemp(prefix="vote-cost-"))
    app = create_app(app_settings(data, database, redis_url=redis_url))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           ws_max_size=64 << 20))
    serving = asyncio.ensure_future(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to await
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as http:
            board = (await http.post("/api/boards", json={
                "canvas": "partnership-map", "title": "Groot", "language": "en",
                "partners": [{"name": "Gemeente"}]})).json()
            store = app.state.store
            _doc, update = big_document(store.load_document(board["id"])[0][0], notes=notes)
            store.append_update(board["id"], update)
            base = f"/api/boards/{board['id']}"
            facilitator = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
            guest = {"Authorization": f"Bearer {board['tokens']['participant']}"}
            ws_url = f"ws://127.0.0.1:{port}/ws/{board['id']}?token={board['tokens']['observer']}"
            async with websockets.connect(ws_url, max_size=None) as ws:
                await ws.recv()  # the room is loaded
                await asyncio.sleep(1)  # the bus has started reading the board (its catch-up)
                answer = await http.post(base + "/voting", headers=facilitator,
                                         json={"votes_per_participant": 3})
                assert answer.status_code == 201, answer.text
                seat = (await http.post(base + "/seats", headers=guest,
                                        json={"name": "Ayla", "org": "Zorg"})).json()["id"]
                totals, stalls = [], []
                ticker = Ticker()
                for index in range(votes):
                    method = "POST" if index % 2 == 0 else "DELETE"
                    ticker.start()
                    started = time.perf_counter()
                    answer = await http.request(method, base + "/votes", headers=guest,
                                                json={"seat": seat, "element": "n0"})
                    totals.append((time.perf_counter() - started) * 1000)
                    stalls.append(await ticker.stop() * 1000)
                    assert answer.status_code == 200, answer.text
    finally:
        server.should_exit = True
        await serving
        drop_database(database)
    return totals, stalls


async def main(sizes: list[int], votes: int) -> None:
    print(f"{'notes':>7} {'vote median ms':>15} {'vote max ms':>12} "
          f"{'stall median ms':>16} {'stall max ms':>13}")
    for notes in sizes:
        # A Redis of its own each time: the last node's heartbeat would make this one take it
        # for stopped, and catch up from the store meanwhile.
        redis = RedisServer(Path(tempfile.mkdtemp(prefix="vote-cost-redis-"))).start()
        try:
            totals, stalls = await measure(notes, votes, redis.url)
        finally:
            redis.kill()
        print(f"{notes:>7} {statistics.median(totals):>15.1f} {max(totals):>12.1f} "
              f"{statistics.median(stalls):>16.1f} {max(stalls):>13.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, nargs="+", default=[100, 5_000, 19_900])
    parser.add_argument("--votes", type=int, default=40)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.notes, arguments.votes))
