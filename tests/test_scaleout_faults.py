"""Several nodes when things go wrong around them: the database and Redis failing together, a
node's clock running ahead, Redis flushed while a node lags, entries nobody stored."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cluster import Cluster, running_cluster
from conftest import ServerProcess
from pgutil import ADMIN_URL
from test_metrics import scrape
from yclient import connected, wait_for

from partnerboard.server.bus import stream_key


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(tmp_path) as built:
        yield built


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


def node_with_clock_ahead(cluster: Cluster, tmp_path: Path, seconds: float) -> ServerProcess:
    hook = tmp_path / "clock-ahead"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CLOCK_AHEAD)
    process = ServerProcess(
        tmp_path / "ahead", "--database-url", cluster.database_url,
        "--redis-url", cluster.redis.url, "--room-idle-seconds", "0.5",
        env={"PYTHONPATH": f"{hook}:{os.environ.get('PYTHONPATH', '')}",
             "TEST_CLOCK_AHEAD": str(seconds)},
    )
    cluster.nodes.append(process)
    return process


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
