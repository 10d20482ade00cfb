"""Two nodes deciding about one board at once: what is decided under the board's row lock on
one node must hold for what the other node does under it next.

A request that checked the board (open, its token valid) and then waited for the board's lock
must look again once it holds it: the request before it in the lock's queue, on another node,
may have finalized the board meanwhile. Each test makes that order certain instead of hoping
for it: the test holds the board's row itself, lets the other node's request queue up behind
it first (seen in ``pg_stat_activity``), then the request under test, then lets go.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import psycopg
import pytest
from cluster import Cluster

FINALIZED_SEATS = "the board is finalized: its seats stay as they were"


def call(node, method: str, path: str, token: str, body: object = None) -> httpx.Response:
    return httpx.request(method, node.url + path, json=body, timeout=30,
                         headers={"Authorization": f"Bearer {token}"})


class HeldRow:
    """The board's row locked by the test (as a node's board transaction locks it), and the
    requests that queue up behind it, in the order they are sent."""

    def __init__(self, database_url: str, board_id: str) -> None:
        self.conn = psycopg.connect(database_url)
        self.conn.execute("SELECT 1 FROM boards WHERE id = %s FOR UPDATE", (board_id,))
        self.pool = ThreadPoolExecutor(4)
        self.queued = 0

    def queue(self, send: Callable[[], httpx.Response]) -> Future[httpx.Response]:
        """Send a request and return once it waits for the row (after everything queued)."""
        answer = self.pool.submit(send)
        self.queued += 1
        deadline = time.monotonic() + 20
        while self._waiting() < self.queued:
            assert not answer.done(), answer.result().text  # it did not wait for the board
            assert time.monotonic() < deadline, "the request never waited for the board"
            time.sleep(0.01)
        return answer

    def _waiting(self) -> int:
        with psycopg.connect(self.conn.info.dsn, autocommit=True) as watcher:
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'").fetchone()
        return int(row[0]) if row else 0

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()
        self.pool.shutdown(wait=True)


def _join(node, board: dict) -> httpx.Response:
    return call(node, "POST", f"/api/boards/{board['id']}/seats",
                board["parties"][0]["token"], {"name": "Late Lotte"})


def _remover(node, board: dict) -> Callable[[], httpx.Response]:
    """The removal of a seat taken now, while the board is open."""
    seat = _join(node, board).json()["id"]
    return lambda: call(node, "DELETE", f"/api/boards/{board['id']}/seats/{seat}",
                        board["tokens"]["facilitator"])


@pytest.mark.parametrize("action", ["join", "remove"])
def test_no_seat_changes_once_another_node_finalized_the_board(cluster: Cluster, action):
    """Who took part in an agreed version is part of its record: a seat taken (or removed,
    with its votes) on one node just after another node finalized the board changed it. (A
    removal did not wait for the board at all, so nothing ordered it after a finalize.)"""
    near, far = cluster.node().start(), cluster.node().start()
    board = near.create_board()
    base = f"/api/boards/{board['id']}"
    fac = board["tokens"]["facilitator"]
    send = (lambda: _join(near, board)) if action == "join" else _remover(near, board)
    seats_before = call(near, "GET", base + "/seats", fac).json()["seats"]
    held = HeldRow(cluster.database_url, board["id"])
    try:
        finalized = held.queue(lambda: call(far, "POST", base + "/finalize", fac))
        late = held.queue(send)
    finally:
        held.release()
    assert finalized.result().status_code == 200, finalized.result().text
    assert (late.result().status_code, late.result().json()) == (
        409, {"error": FINALIZED_SEATS})
    assert call(near, "GET", base + "/seats", fac).json()["seats"] == seats_before
