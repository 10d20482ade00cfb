"""Several nodes when things go wrong around them: the database and Redis failing together, a
node's clock running ahead, Redis flushed while a node lags, entries nobody stored."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from cluster import Cluster
from conftest import ServerProcess
from pgutil import ADMIN_URL
from pycrdt import Doc, Map, Text
from test_metrics import scrape
from yclient import YClient, connected, wait_for

from partnerboard.server.bus import stream_key
from partnerboard.server.bus_entries import EntrySeal, Publisher


def injected_note(reader: YClient) -> bytes:
    """An update adding a note "injected" to the board ``reader`` holds, as a client would
    send it (the guard would let a participant's through)."""
    base = Doc()
    base.apply_update(reader.doc.get_update())
    forged = Doc(client_id=4_242_424)
    forged.apply_update(base.get_update())
    with forged.transaction():
        forged.get("elements", type=Map)["injected"] = Map(
            {"kind": "note", "x": 0, "y": 0, "w": 160, "h": 100,
             "text": Text("nobody wrote this"), "author": "Facilitator", "org": "",
             "color": "#ffe066", "created": 0})
    return forged.get_update(base.get_state())


def run(coro):
    return asyncio.run(coro)


def allow_connections(cluster: Cluster, allow: bool) -> None:
    """Let the cluster's database be reached, or not (cutting the connections it has)."""
    name = cluster.database_url.rpartition("/")[2]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}')
        if not allow:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))


def test_a_database_error_during_a_catch_up_does_not_stop_the_fan_out(cluster: Cluster):
    """PostgreSQL and Redis away together: once Redis is back, node b catches up its open board
    from a store it cannot reach yet. The reader must retry, not end, and hear a again."""
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()

    async def scenario() -> None:
        async with connected(b.board_ws(board, "observer")) as watcher:
            await asyncio.sleep(1)  # b reads the board's stream
            allow_connections(cluster, False)
            try:
                cluster.redis.kill()
                await asyncio.sleep(1)
                cluster.redis.start()
                await asyncio.sleep(3)  # b is back on Redis and its catch-up fails
            finally:
                allow_connections(cluster, True)
            for _ in range(10):  # a's pooled connections broke too: a request or two fail
                try:
                    async with connected(a.board_ws(board, "observer")):
                        break
                except Exception:
                    await asyncio.sleep(0.5)
            async with connected(a.board_ws(board)) as writer:
                writer.add_note("after", "typed on a after both came back")
                await writer.flush()
                await wait_for(lambda: "after" in watcher.elements, 15,
                               what="a's note on b's client after the outage")

    run(scenario())
    samples = scrape(b.url)
    assert samples["partnerboard_redis_connected"] == 1
    assert samples["partnerboard_redis_reader_ok"] == 1
    assert samples["partnerboard_redis_reader_failures_total"] >= 1
    assert "bus reader failed (" in (b.data_dir / "server.log").read_text()


#: Started before the server's own code (sitecustomize), it sets the node's wall clock ahead.
CLOCK_AHEAD = """
import os, time
_offset = float(os.environ["TEST_CLOCK_AHEAD"])
_real = time.time
time.time = lambda: _real() + _offset
"""


def node_with_hook(cluster: Cluster, tmp_path: Path, name: str, hook: str,
                   **env: str) -> ServerProcess:
    """A node of the cluster that runs ``hook`` (as sitecustomize) before its own code."""
    directory = tmp_path / f"{name}-hook"
    directory.mkdir()
    (directory / "sitecustomize.py").write_text(hook)
    process = ServerProcess(
        tmp_path / name, "--database-url", cluster.database_url,
        "--redis-url", cluster.redis.url, "--room-idle-seconds", "0.5",
        env={"PYTHONPATH": f"{directory}:{os.environ.get('PYTHONPATH', '')}", **env},
    )
    cluster.nodes.append(process)
    return process


def node_with_clock_ahead(cluster: Cluster, tmp_path: Path, seconds: float) -> ServerProcess:
    return node_with_hook(cluster, tmp_path, "ahead", CLOCK_AHEAD,
                          TEST_CLOCK_AHEAD=str(seconds))


def test_a_node_whose_clock_is_ahead_does_not_trim_the_stream_to_nothing(
    cluster: Cluster, tmp_path: Path
):
    """Streams are trimmed by age; the age must be Redis's, not the publishing node's: with
    its own clock two minutes ahead a node would delete every entry, its own included, by the
    very XADD that adds it (its clients' presence would never reach another node)."""
    a = cluster.node().start()
    ahead = node_with_clock_ahead(cluster, tmp_path, 120).start()
    board = a.create_board()

    async def scenario() -> None:
        async with connected(a.board_ws(board, "observer")) as on_a, \
                connected(ahead.board_ws(board)) as ada:
            ada_id = ada.doc.client_id
            for clock in range(1, 20):  # renewed as a client does (here every 0.5 s)
                await ada.set_presence(ada_id, clock, {"user": {"name": "Ada"}})
                await asyncio.sleep(0.5)
                if ada_id in on_a.awareness:
                    break
            assert ada_id in on_a.awareness, "presence from the node ahead never reached a"
            ada.add_note("n", "typed on the node ahead")
            await wait_for(lambda: "n" in on_a.elements, 10, what="the note on a")

    run(scenario())
    client = cluster.redis.client()
    try:
        kinds = {fields[b"k"] for _id, fields in client.xrange(stream_key(board["id"]))}
    finally:
        client.close()
    assert {b"a", b"u"} <= kinds, kinds


#: Entries kept one second rather than a minute, so that a pause of seconds lags as long.
KEEP_ONE_SECOND = """
import partnerboard.server.bus as bus
bus.KEEP_MS = 1000
bus.TRIM_SLACK_MS = 0
"""


def kinds_in_stream(cluster: Cluster, board_id: str) -> list[bytes]:
    client = cluster.redis.client()
    try:
        return [fields[b"k"] for _id, fields in client.xrange(stream_key(board_id))]
    finally:
        client.close()


async def until(predicate, limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("gap", ["flushed", "trimmed"])
def test_entries_lost_while_a_node_lags_reach_it_from_the_store(
    cluster: Cluster, tmp_path: Path, gap: str
):
    """Node b is stopped for a moment (in life: a busy event loop, a paused VM) while an entry
    it has not read disappears from Redis: flushed (the next entry then gets an id past b's
    position, so the stream does not look reset), or trimmed (as when b lags longer than the
    time entries are kept: here one second). b must notice, and catch up from the store."""
    a = cluster.node().start()
    # Flushed: Redis's epoch tells b (the entry before the gap is recent: trimming is out).
    b = (cluster.node() if gap == "flushed"
         else node_with_hook(cluster, tmp_path, "b", KEEP_ONE_SECOND)).start()
    board = a.create_board()
    bid = board["id"]

    async def scenario() -> None:
        w1 = await YClient(a.board_ws(board)).connect()
        w2 = await YClient(a.board_ws(board)).connect()
        watcher = await YClient(b.board_ws(board, "observer")).connect()
        for client in (w1, w2, watcher):
            await asyncio.wait_for(client.synced.wait(), 10)
        w1.add_note("warm", "before")
        await wait_for(lambda: "warm" in watcher.elements, 10, what="fan-out works")
        os.kill(b.proc.pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(0.6)  # b's blocked XREAD times out; b issues no new one
            w1.add_note("lost", "typed while b lagged")
            await until(lambda: kinds_in_stream(cluster, bid).count(b"u") >= 2, 10, "U")
            redis = cluster.redis.client()
            if gap == "flushed":
                redis.flushall()
            else:
                last = redis.xrevrange(stream_key(bid), count=1)[0][0].decode()
                millis = int(last.partition("-")[0])
                redis.xtrim(stream_key(bid), minid=f"{millis + 1}-0", approximate=False)
            redis.close()
            w2.add_note("after", "typed after the entry was gone")
            await until(lambda: b"u" in kinds_in_stream(cluster, bid), 10, "V")
            await asyncio.sleep(1.5)  # b lags longer than entries are kept
        finally:
            os.kill(b.proc.pid, signal.SIGCONT)
        await wait_for(lambda: {"after", "lost"} <= set(watcher.elements), 10,
                       what=lambda: f"both notes on b: {set(watcher.elements)}")
        for client in (w1, w2, watcher):
            await client.close()

    run(scenario())


def test_an_update_written_into_the_stream_of_a_finalized_board_is_not_applied(
    cluster: Cluster
):
    """A "u" entry for a finalized board, which takes no update, even sealed as a node of
    the deployment seals its entries (one that stored the update before the finalize, say,
    and published it late): a node does not apply it, shows it nobody, and so never stores
    it. (An entry not sealed by a node is not applied anyway: test_bus_integrity.)"""
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()
    answer = httpx.post(f"{a.url}/api/boards/{board['id']}/finalize", timeout=20,
                        headers={"authorization": f"Bearer {board['tokens']['facilitator']}"})
    assert answer.status_code == 200, answer.text

    async def scenario() -> tuple[bool, bool]:
        async with connected(b.board_ws(board, "observer")) as watcher:
            update = injected_note(watcher)
            await asyncio.sleep(1)  # b reads the board's stream
            redis = cluster.redis.client()
            seconds, micros = redis.time()
            late = Publisher(EntrySeal(cluster.bus_key()), b"late-node")
            redis.xadd(stream_key(board["id"]), late.fields(
                board["id"], b"u", update,
                seconds * 1000 + micros // 1000))
            redis.close()
            await asyncio.sleep(2)
            seen_live = "injected" in watcher.elements
        await asyncio.sleep(2)  # b's room unloads (room-idle 0.5 s)
        async with connected(a.board_ws(board, "observer")) as fresh:
            stored = "injected" in fresh.elements
        return seen_live, stored

    assert run(scenario()) == (False, False)
    assert "not applied: the board is finalized" in (b.data_dir / "server.log").read_text()
