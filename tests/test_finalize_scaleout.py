"""Finalize with several nodes: while the covenant is built off the event loop, the board
row is held by a transaction that has not committed yet, so the store does not show the
freeze. A catch-up from the store meanwhile (the fan-out asks for one when a late update
arrives for the frozen board) must not load the room without its freeze.

Found by test_scaleout's finalize race (two runs in nine): a reader of the finalizing node
saw every note but ``meta.finalized`` false, for good.
"""

from __future__ import annotations

from typing import Any

from cluster import Cluster
from conftest import app_settings
from pycrdt import Doc, Map
from starlette.testclient import TestClient
from test_finalize_off_loop import (
    LIVENESS,
    Background,
    Stopped,
    bearer,
    in_values,
    new_board,
    note_update,
    real_picture,
    sync_answer,
)

from partnerboard.server import covenant_store
from partnerboard.server import yprotocol as yp
from partnerboard.server.app import create_app
from partnerboard.server.room import load_document


def finalized_in(message: yp.Message) -> Any:
    doc = Doc()
    doc.apply_update(message.payload)
    return doc.get("meta", type=Map).get("finalized")


def test_a_catch_up_while_the_covenant_is_built_keeps_the_freeze(
        cluster: Cluster, tmp_path, monkeypatch):
    drawing = Stopped(real_picture)
    settings = app_settings(tmp_path / "node", cluster.database_url,
                            redis_url=cluster.redis.url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        app: Any = client.app
        try:
            board = new_board(client, "Agreed on one of two nodes")
            party = board["parties"][0]["token"]
            monkeypatch.setattr(covenant_store, "board_picture", drawing)
            with client.websocket_connect(f"/ws/{board['id']}?token={party}") as socket:
                socket.receive_bytes()  # the room is loaded
                socket.send_bytes(yp.sync_update(note_update("n1", "kept", *in_values())))
                finalizing = Background(lambda: client.post(
                    f"/api/boards/{board['id']}/finalize", headers=bearer(board)))
                assert drawing.started.wait(LIVENESS), "finalize never drew the board"
                # What the fan-out does for a late stream update on the frozen board, and
                # for another node's request to load the board again.
                client.portal.call(app.state.rooms.catch_up, board["id"])
                client.portal.call(app.state.rooms.reload, board["id"])
                drawing.release.set()
                done = finalizing.value()
                assert done.status_code == 200, done.text
            # The room this node keeps, and a fresh reader of it, hold the freeze.
            room = app.state.rooms.loaded.get(board["id"])
            if room is not None:
                assert client.portal.call(
                    lambda: room.doc.get("meta", type=Map).get("finalized")) is True
            assert finalized_in(Background(lambda: sync_answer(client, board)).value()) is True
            stored = load_document(app.state.store, board["id"])[0]
            assert stored.get("meta", type=Map).get("finalized") is True
            assert "n1" in stored.get("elements", type=Map)
        finally:
            drawing.release.set()
