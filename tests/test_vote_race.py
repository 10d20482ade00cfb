"""A vote racing the close of its round on another node is not counted in the closed round.

The vote's node read the round as open in its own copy of the board, then waited for the
board's lock while another node closed the round (with its results) under that lock. When the
vote got the lock it was stored in the closed round: results out, a vote more in the store.
The test makes that order certain as tests/test_node_races.py does: it holds the board's row,
queues the close on one node and the vote on the other behind it, then lets go.
"""

from __future__ import annotations

import asyncio

import psycopg
from cluster import Cluster
from test_node_races import Held, call
from yclient import connected, wait_for


class HeldForDecisions(Held):
    """The board's row, held; only requests waiting to take it for a decision (a node's
    board transaction) count as queued: an update another connection appends meanwhile
    waits for the row too, and counting it let the vote start only after the close."""

    def __init__(self, database_url: str, board_id: str) -> None:
        super().__init__(database_url, "SELECT 1 FROM boards WHERE id = %s FOR UPDATE",
                         board_id)

    def _waiting(self) -> int:
        with psycopg.connect(self.conn.info.dsn, autocommit=True) as watcher:
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"
                " AND query LIKE 'SELECT state FROM boards WHERE id = % FOR UPDATE'").fetchone()
        return int(row[0]) if row else 0


def _round_votes(database_url: str, board_id: str, round_: int) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM votes WHERE board_id = %s AND round = %s",
                           (board_id, round_)).fetchone()
    return int(row[0]) if row else 0


def test_a_vote_queued_behind_the_close_on_another_node_is_not_counted(cluster: Cluster):
    # Boards stay loaded: a node unloading one (the cluster's default is half a second after
    # its last client left) folds it into the store under the row the test holds, and
    # blocks that node's event loop, vote and all, until the test lets go.
    keep = ("--room-idle-seconds", "600", "--doc-idle-seconds", "0")
    near, far = cluster.node(*keep).start(), cluster.node(*keep).start()
    board = near.create_board()
    base = f"/api/boards/{board['id']}"
    fac, guest = board["tokens"]["facilitator"], board["tokens"]["participant"]
    seat = call(near, "POST", base + "/seats", guest, {"name": "Ayla", "org": "Zorg"}).json()["id"]
    element = _note(near, board)
    assert call(near, "POST", base + "/voting", fac,
                {"votes_per_participant": 2}).status_code == 201
    held = HeldForDecisions(cluster.database_url, board["id"])
    try:
        closed = held.queue(lambda: call(far, "POST", base + "/voting/close", fac))
        late = held.queue(lambda: call(near, "POST", base + "/votes", guest,
                                       {"seat": seat, "element": element}))
    finally:
        held.release()
    assert closed.result().status_code == 200, closed.result().text
    assert closed.result().json()["results"] == {}
    assert late.result().status_code == 409, late.result().text
    assert "closed before your vote arrived" in late.result().json()["error"]
    assert _round_votes(cluster.database_url, board["id"], 1) == 0


def _note(node, board: dict) -> str:  # noqa: ANN001
    """A note added through the node's WebSocket, once the node has it; its id."""

    async def add() -> None:
        async with connected(node.board_ws(board, "facilitator")) as client, \
                connected(node.board_ws(board, "observer")) as watcher:
            client.add_note("n1", "Meet monthly")
            await wait_for(lambda: "n1" in watcher.elements, what="the note on the node")

    asyncio.run(add())
    return "n1"
