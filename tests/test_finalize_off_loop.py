"""Finalize draws the board and builds its covenant off the event loop.

On a board of 20,000 notes that work is seconds of CPU; it used to run on the event loop,
where nobody else was answered meanwhile: no other board's sync, no presence, no request.
These tests hold the drawing still on a threading.Event and show, by order of events and not
by time, that other boards are served while it waits, that the board being finalized takes
no edit and no second finalize meanwhile, and that finalize then ends as it did before. Each
wait has a generous bound only so that a regression fails instead of hanging: with the
drawing on the loop, the request on the other board cannot finish until the drawing does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from conftest import app_settings, sqlite_file_only
from pycrdt import Doc, Map, Text
from starlette.testclient import TestClient

from partnerboard.canvases.partnership_map.spec import SPEC
from partnerboard.plugins import snapshot_from_doc
from partnerboard.server import covenant_store, picture_api
from partnerboard.server import yprotocol as yp
from partnerboard.server.app import create_app
from partnerboard.server.covenant_store import build_stored
from partnerboard.server.room import load_document
from partnerboard.server.store import open_store

#: How long a request that should be answered may take before the test calls it stuck.
LIVENESS = 30.0

real_picture = covenant_store.board_picture


class Stopped:
    """A stand-in for the drawing that waits, each time, until the test lets it go on."""

    def __init__(self, draw: Callable[..., str], *, fail_first: bool = False) -> None:
        self.draw = draw
        self.fail_first = fail_first
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self.threads: list[str] = []

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        self.calls += 1
        self.threads.append(threading.current_thread().name)
        self.started.set()
        self.release.wait(LIVENESS * 4)  # bounded: a broken test must not hang the suite
        if self.fail_first and self.calls == 1:
            raise RuntimeError("injected failure")
        return self.draw(*args, **kwargs)


class Background:
    """A blocking call run in a thread of its own, to see whether (not when) it ends."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self.result = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            self.error = error
        finally:
            self.done.set()

    def value(self, timeout: float = LIVENESS) -> Any:
        assert self.done.wait(timeout), "no answer: the server's event loop is held up"
        if self.error is not None:
            raise self.error
        return self.result


def new_board(client: TestClient, title: str) -> dict[str, Any]:
    answer = client.post("/api/boards", json={
        "canvas": "partnership-map", "title": title, "language": "en",
        "partners": [{"name": "Gemeente"}, {"name": "Zorg"}]})
    assert answer.status_code == 201, answer.text
    return answer.json()


def bearer(board: dict[str, Any], role: str = "facilitator") -> dict[str, str]:
    return {"Authorization": f"Bearer {board['tokens'][role]}"}


def in_values(offset: float = 0.0) -> tuple[float, float]:
    """A note's corner well inside the partnership map's "values" zone."""
    rect = SPEC.zone("values").rect
    return rect.x + rect.w / 2 - 80, rect.y + 60 + offset


def note_update(note_id: str, text: str, x: float = 0.0, y: float = 0.0) -> bytes:
    doc = Doc()
    doc.get("elements", type=Map)[note_id] = Map({
        "kind": "note", "x": x, "y": y, "w": 160.0, "h": 100.0, "text": Text(text),
        "author": "Ann", "org": "Gemeente", "color": "#ffe066", "created": time.time() * 1000})
    return doc.get_update()


def sync_answer(client: TestClient, board: dict[str, Any]) -> yp.Message:
    """Open a socket on the board, ask for the whole document, and return the answer."""
    token = board["tokens"]["participant"]
    with client.websocket_connect(f"/ws/{board['id']}?token={token}") as socket:
        socket.send_bytes(yp.sync_step1(Doc().get_state()))
        while True:
            message = yp.parse_message(socket.receive_bytes())
            if message.type is yp.MessageType.SYNC and \
                    message.sync_type is yp.SyncType.STEP2:
                return message


@contextmanager
def app_client(tmp_path: Any, database_url: str, *stopped: Stopped) -> Iterator[TestClient]:
    """An in-process app; the stand-ins given are let go before it stops (a failing test
    would otherwise wait for them while the app shuts down)."""
    with TestClient(create_app(app_settings(tmp_path, database_url)),
                    raise_server_exceptions=False) as client:
        try:
            yield client
        finally:
            for each in stopped:
                each.release.set()


def test_other_boards_are_served_while_a_board_is_drawn_for_finalize(
        tmp_path, database_url, monkeypatch):
    drawing = Stopped(real_picture)
    with app_client(tmp_path, database_url, drawing) as client:
        app: Any = client.app
        board, other = new_board(client, "Agreed"), new_board(client, "Elsewhere")
        party = board["parties"][0]["token"]
        monkeypatch.setattr(covenant_store, "board_picture", drawing)
        with client.websocket_connect(f"/ws/{board['id']}?token={party}") as socket:
            socket.receive_bytes()  # the server's SyncStep1: the room is loaded
            socket.send_bytes(yp.sync_update(note_update("before", "kept", *in_values())))
            first = Background(lambda: client.post(
                f"/api/boards/{board['id']}/finalize", headers=bearer(board)))
            assert drawing.started.wait(LIVENESS), "finalize never drew the board"

            # While the board is being drawn: another board answers HTTP and syncs, and its
            # edits go through; health answers too.
            assert Background(lambda: client.get("/healthz")).value().status_code == 200
            info = Background(lambda: client.get(
                f"/api/boards/{other['id']}", headers=bearer(other, "observer"))).value()
            assert info.status_code == 200 and info.json()["state"] == "open"
            step2 = Background(lambda: sync_answer(client, other)).value()
            assert step2.type is yp.MessageType.SYNC
            # The board being finalized takes no edit (its room is frozen) ...
            socket.send_bytes(yp.sync_update(note_update("during", "dropped")))
            # ... and a new socket on it does not open it again either.
            late = Background(lambda: sync_answer(client, board)).value()
            assert late.type is yp.MessageType.SYNC
            # A second finalize waits for the first, as it did when the first held the loop.
            second = Background(lambda: client.post(
                f"/api/boards/{board['id']}/finalize", headers=bearer(board)))
            assert not first.done.is_set() and not second.done.is_set()
            drawing.release.set()

            done = first.value()
            assert done.status_code == 200, done.text
            again = second.value()
            assert again.status_code == 409, again.text
            assert "already finalized" in again.json()["error"]
            # The drawing ran once, and not on the event loop's thread.
            assert drawing.calls == 1
            assert drawing.threads[0].startswith("partnerboard-heavy")

        record = app.state.store.get_board(board["id"])
        assert record.state == "finalized"
        stored = load_document(app.state.store, board["id"])[0]
        elements = stored.get("elements", type=Map)
        assert "before" in elements and "during" not in elements
        result = done.json()
        assert result["covenant_sha256"] == record.covenant_sha256
        assert result["snapshot_sha256"] == record.snapshot_sha256
        assert [item["text"] for item in result["covenant"]["sections"]["values"]] == ["kept"]


def test_the_covenant_and_picture_are_those_of_the_frozen_board(
        tmp_path, database_url):
    """What finalize stores, built off the loop from the snapshot's bytes, is byte for byte
    what building it from the frozen live document gives."""
    with app_client(tmp_path, database_url) as client:
        app: Any = client.app
        board = new_board(client, "Same")
        party = board["parties"][0]["token"]
        with client.websocket_connect(f"/ws/{board['id']}?token={party}") as socket:
            socket.receive_bytes()
            for index in range(30):
                socket.send_bytes(yp.sync_update(note_update(
                    f"n{index}", f"note <{index}> & more", *in_values(index * 9))))
            done = client.post(f"/api/boards/{board['id']}/finalize", headers=bearer(board))
            assert done.status_code == 200, done.text
            live = app.state.rooms.loaded[board["id"]].doc  # frozen, still loaded
            record = app.state.store.get_board(board["id"])
            spec = app.state.registry.canvas("partnership-map")
            expected = build_stored(
                app.state.registry, spec, snapshot_from_doc(live, board["id"]),
                finalized_at=record.finalized_at, snapshot_sha256=record.snapshot_sha256)
        assert app.state.store.covenant(board_id=board["id"]) == expected
        assert done.json()["covenant"]["picture"] == real_picture(
            snapshot_from_doc(live, board["id"]), spec)
        assert "note &lt;3&gt; &amp; more" in done.json()["covenant"]["picture"]


def test_a_drawing_that_fails_thaws_the_board_and_a_waiting_finalize_then_runs(
        tmp_path, database_url, monkeypatch):
    drawing = Stopped(real_picture, fail_first=True)
    with app_client(tmp_path, database_url, drawing) as client:
        app: Any = client.app
        board = new_board(client, "Fails once")
        party = board["parties"][0]["token"]
        monkeypatch.setattr(covenant_store, "board_picture", drawing)
        with client.websocket_connect(f"/ws/{board['id']}?token={party}") as socket:
            socket.receive_bytes()
            first = Background(lambda: client.post(
                f"/api/boards/{board['id']}/finalize", headers=bearer(board)))
            assert drawing.started.wait(LIVENESS)
            second = Background(lambda: client.post(
                f"/api/boards/{board['id']}/finalize", headers=bearer(board)))
            assert Background(lambda: client.get("/healthz")).value().status_code == 200
            drawing.release.set()
            failed = first.value()
            assert failed.status_code == 500
            assert "stays open" in failed.json()["error"]
            assert "injected" not in failed.text and "Traceback" not in failed.text
            # Sequentially, as before: the first failed and thawed the board, the second
            # then finalized it.
            assert second.value().status_code == 200
        assert drawing.calls == 2
        assert app.state.store.get_board(board["id"]).state == "finalized"
        assert board["id"] not in app.state.rooms.finalizing


def test_a_failed_finalize_thaws_a_board_that_was_opened_while_it_was_drawn(
        tmp_path, database_url, monkeypatch):
    """Nobody had the board open: a socket that arrives while it is drawn gets a frozen room,
    which the failed finalize opens again for edits."""
    drawing = Stopped(real_picture, fail_first=True)
    with app_client(tmp_path, database_url, drawing) as client:
        app: Any = client.app
        board = new_board(client, "Opened meanwhile")
        party = board["parties"][0]["token"]
        monkeypatch.setattr(covenant_store, "board_picture", drawing)
        first = Background(lambda: client.post(
            f"/api/boards/{board['id']}/finalize", headers=bearer(board)))
        assert drawing.started.wait(LIVENESS)
        with client.websocket_connect(f"/ws/{board['id']}?token={party}") as socket:
            socket.receive_bytes()
            assert app.state.rooms.loaded[board["id"]].finalized  # frozen while drawn
            drawing.release.set()
            assert first.value().status_code == 500
            socket.send_bytes(yp.sync_update(note_update("after", "kept")))
            deadline = time.monotonic() + LIVENESS
            while "after" not in app.state.rooms.document(board["id"]).get(
                    "elements", type=Map) and time.monotonic() < deadline:
                time.sleep(0.02)
        stored = load_document(app.state.store, board["id"])[0]
        assert "after" in stored.get("elements", type=Map)
        assert stored.get("meta", type=Map)["finalized"] is False
        assert app.state.store.get_board(board["id"]).state == "open"


def test_picture_downloads_past_the_limit_are_answered_503_at_once(
        tmp_path, database_url, monkeypatch):
    drawing = Stopped(picture_api.board_picture)
    with app_client(tmp_path, database_url, drawing) as client:
        board = new_board(client, "Popular")
        monkeypatch.setattr(picture_api, "board_picture", drawing)
        monkeypatch.setattr(picture_api.PICTURES, "limit", 1)
        url = f"/api/boards/{board['id']}/image"
        first = Background(lambda: client.get(url, headers=bearer(board, "observer")))
        assert drawing.started.wait(LIVENESS)
        busy = Background(lambda: client.get(url, headers=bearer(board, "observer"))).value()
        assert busy.status_code == 503
        assert "busy drawing pictures" in busy.json()["error"]
        assert busy.headers["retry-after"] == "5"
        drawing.release.set()
        assert first.value().status_code == 200
        assert client.get(url, headers=bearer(board, "observer")).status_code == 200
        assert picture_api.PICTURES.busy == 0


@sqlite_file_only("on PostgreSQL the freeze and the agreement are one transaction")
def test_a_finalize_cut_off_by_the_process_end_leaves_the_board_open_for_edits(tmp_path):
    """On one node the freeze's update is stored at once and the agreement seconds later (off
    the loop, for a large board): a process killed between the two left an open board whose
    document said finalized, and every page turned read-only on that mark."""
    with app_client(tmp_path, "") as client:
        board = new_board(client, "Cut off")
    store = open_store(app_settings(tmp_path))
    try:
        doc = load_document(store, board["id"])[0]
        before = doc.get_state()
        doc.get("meta", type=Map)["finalized"] = True  # the freeze, stored; then the end
        store.append_update(board["id"], doc.get_update(before))
    finally:
        store.close()

    with app_client(tmp_path, "") as client:
        app: Any = client.app
        answer = sync_answer(client, board)
        shown = Doc()
        shown.apply_update(answer.payload)
        assert shown.get("meta", type=Map).get("finalized") is False
        party = board["parties"][0]["token"]
        with client.websocket_connect(f"/ws/{board['id']}?token={party}") as socket:
            socket.receive_bytes()
            socket.send_bytes(yp.sync_update(note_update("after", "still open", *in_values())))
            socket.send_bytes(yp.sync_step1(Doc().get_state()))  # answered once it is in
            while yp.parse_message(socket.receive_bytes()).sync_type is not yp.SyncType.STEP2:
                pass
        assert app.state.store.get_board(board["id"]).state == "open"
        stored = load_document(app.state.store, board["id"])[0]
        assert "after" in stored.get("elements", type=Map)
        assert stored.get("meta", type=Map).get("finalized") is False
