"""A finalize that fails leaves the board open and editable, in the store and in the room.

It used to freeze the room first and build the covenant after: a build that raised, or a store
that refused, gave a 500 with the board still "open" in the store while every connected
client's edits were silently dropped until the room unloaded.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from conftest import app_settings
from pycrdt import Doc, Map, Text
from starlette.testclient import TestClient

from partnerboard.server import covenant_store
from partnerboard.server import yprotocol as yp
from partnerboard.server.app import create_app
from partnerboard.server.room import load_document


def _fail(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("injected failure")


def _note_update(note_id: str) -> bytes:
    """A participant's new note, made by hand in a document of its own."""
    doc = Doc()
    doc.get("elements", type=Map)[note_id] = Map({
        "kind": "note", "x": 0.0, "y": 0.0, "w": 160.0, "h": 100.0, "text": Text("still here"),
        "author": "Ann", "org": "Gemeente", "color": "#ffe066", "created": time.time() * 1000})
    return doc.get_update()


@pytest.mark.parametrize("failure", ["covenant build", "store"])
def test_a_failed_finalize_leaves_the_board_open_for_connected_clients(
        tmp_path, database_url, monkeypatch, failure):
    with TestClient(create_app(app_settings(tmp_path, database_url)),
                    raise_server_exceptions=False) as client:
        app: Any = client.app
        board = client.post("/api/boards", json={
            "canvas": "partnership-map", "title": "t", "language": "en",
            "partners": [{"name": "Gemeente"}, {"name": "Zorg"}]}).json()
        facilitator = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
        party = board["parties"][0]["token"]
        with client.websocket_connect(f"/ws/{board['id']}?token={party}") as socket:
            socket.receive_bytes()  # the server's SyncStep1: the room is loaded
            with monkeypatch.context() as patch:
                if failure == "store":
                    patch.setattr(app.state.store, "finalize", _fail)
                else:
                    patch.setattr(covenant_store, "board_picture", _fail)
                done = client.post(f"/api/boards/{board['id']}/finalize", headers=facilitator)
            assert done.status_code == 500
            assert "stays open" in done.json()["error"]
            assert "Traceback" not in done.text and "injected" not in done.text
            info = client.get(f"/api/boards/{board['id']}", headers=facilitator).json()
            assert info["state"] == "open"

            socket.send_bytes(yp.sync_update(_note_update("after")))
            deadline = time.monotonic() + 5
            while "after" not in (elements := app.state.rooms.document(board["id"]).get(
                    "elements", type=Map)) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert "after" in elements, "the connected client's edit was dropped"
            assert app.state.rooms.document(board["id"]).get("meta", type=Map)[
                "finalized"] is False
        # The store agrees with the room: the board as loaded from it is the same.
        stored = load_document(app.state.store, board["id"])[0]
        assert "after" in stored.get("elements", type=Map)
        assert stored.get("meta", type=Map)["finalized"] is False
        again = client.post(f"/api/boards/{board['id']}/finalize", headers=facilitator)
        assert again.status_code == 200, again.text


def test_a_failed_finalize_of_a_board_nobody_has_open_leaves_it_open(
        tmp_path, database_url, monkeypatch):
    with TestClient(create_app(app_settings(tmp_path, database_url)),
                    raise_server_exceptions=False) as client:
        app: Any = client.app
        board = client.post("/api/boards", json={
            "canvas": "partnership-map", "title": "t", "language": "en",
            "partners": [{"name": "Gemeente"}]}).json()
        facilitator = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
        with monkeypatch.context() as patch:
            patch.setattr(app.state.store, "finalize", _fail)
            done = client.post(f"/api/boards/{board['id']}/finalize", headers=facilitator)
        assert done.status_code == 500
        stored = load_document(app.state.store, board["id"])[0]
        assert stored.get("meta", type=Map)["finalized"] is False
        again = client.post(f"/api/boards/{board['id']}/finalize", headers=facilitator)
        assert again.status_code == 200, again.text
