"""Two nodes at one board at once: a request on one node must not finish what a decision taken
on another node meanwhile (a finalize, a link re-issued) forbids.

A request that checked the board (open, its token valid) and then waited (for the board's lock,
or through slow work) must look again before it changes anything: the other node may have
finalized the board or re-issued the link meanwhile. Each test makes that order certain
instead of hoping for it: the test holds a lock the request under test will wait for (the
board's row, or a table it reads), lets what it waits for queue up or happen first (a waiter
seen in ``pg_stat_activity``), then lets go.
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


class Held:
    """A lock the test holds, taken by ``statement`` (as a node's board transaction takes the
    board's row), and the requests that queue up behind it, in the order they are sent."""

    def __init__(self, database_url: str, statement: str, *args: object) -> None:
        self.conn = psycopg.connect(database_url)
        self.conn.execute(statement, args)
        self.pool = ThreadPoolExecutor(4)
        self.queued = 0

    def queue(self, send: Callable[[], httpx.Response]) -> Future[httpx.Response]:
        """Send a request and return once it waits for the lock (after everything queued)."""
        answer = self.pool.submit(send)
        self.queued += 1
        deadline = time.monotonic() + 20
        while self._waiting() < self.queued:
            assert not answer.done(), answer.result().text  # it did not wait for the lock
            assert time.monotonic() < deadline, "the request never waited for the lock"
            time.sleep(0.01)
        return answer

    def _waiting(self) -> int:
        with psycopg.connect(self.conn.info.dsn, autocommit=True) as watcher:
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND wait_event_type = 'Lock'").fetchone()
        return int(row[0]) if row else 0

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()
        self.pool.shutdown(wait=True)


def _boards(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM boards").fetchone()
    return int(row[0]) if row else 0


def held_board(database_url: str, board_id: str) -> Held:
    return Held(database_url, "SELECT 1 FROM boards WHERE id = %s FOR UPDATE", board_id)


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
    held = held_board(cluster.database_url, board["id"])
    try:
        finalized = held.queue(lambda: call(far, "POST", base + "/finalize", fac))
        late = held.queue(send)
    finally:
        held.release()
    assert finalized.result().status_code == 200, finalized.result().text
    assert (late.result().status_code, late.result().json()) == (
        409, {"error": FINALIZED_SEATS})
    assert call(near, "GET", base + "/seats", fac).json()["seats"] == seats_before


def test_a_merge_of_a_link_reissued_during_its_work_makes_no_board(cluster: Cluster):
    """A leaked facilitator link's holder started a merge of that board with one of their own;
    the facilitator re-issued the link while the merge read the boards: the merged board,
    with a copy of every note, was still made for the holder of the revoked link."""
    near, far = cluster.node().start(), cluster.node().start()
    leaked, own = near.create_board(), near.create_board()
    sources = [{"id": board["id"], "token": board["tokens"]["facilitator"]}
               for board in (leaked, own)]
    boards_before = _boards(cluster.database_url)
    # The merge has checked the tokens and reads the boards' stored documents: held there.
    held = Held(cluster.database_url, "LOCK TABLE snapshots IN ACCESS EXCLUSIVE MODE")
    try:
        merged = held.queue(lambda: httpx.post(near.url + "/api/boards/merge", timeout=30,
                                               json={"title": "Both", "boards": sources}))
        reissued = call(far, "POST", f"/api/boards/{leaked['id']}/links",
                        leaked["tokens"]["facilitator"], {"link": "facilitator"})
        assert reissued.status_code == 201, reissued.text
    finally:
        held.release()
    assert (merged.result().status_code, merged.result().json()) == (
        403, {"error": "boards[0]: a facilitator token of that board is needed"})
    assert _boards(cluster.database_url) == boards_before
