"""Board settings (``meta``) of the wrong type or shape, already in a stored board: the server
now refuses them (tests/test_meta_values.py), but a board may hold them from before. Every
page still draws the board and keeps working: each setting it cannot read counts as not set.
"""

from __future__ import annotations

import math
from pathlib import Path

from conftest import ServerProcess
from playwright.sync_api import expect
from pycrdt import Map
from yclient import YClient

from browser.board_helpers import add_note, change_as_other_client
from partnerboard.server.doc_load import load_document
from partnerboard.server.store.sqlite import SQLiteStore

HOSTILE_META = {
    "step": "2",
    "locked": 1,
    "anonymous": "yes",
    "timer": {"step": "x", "started_at": 1.0, "duration_ms": 1e308},
    "voting": {"open": False, "round": {"n": 1}, "votes_per_participant": "3",
               "results": {"n1": {"n": 1}, "n2": math.inf}},
    "brainstorm": {"open": True, "round": "1", "counts": [None, 5, {"org": {"x": 1}, "n": []}]},
    "groups": [None, 5, {"title": {"nl": "x"}, "color": "red; background: url(x)"}],
}


def _stored_with_hostile_meta(tmp_path: Path) -> tuple[ServerProcess, dict]:
    """A board with two notes whose stored document holds :data:`HOSTILE_META`, written
    into the store while its server was down (as a board from before the guard's rule)."""
    data = tmp_path / "data"
    first = ServerProcess(data).start()
    try:
        board = first.create_board()
        old_url = first.url

        def notes(client: YClient) -> None:
            client.add_note("n1", "Trust first", x=100, y=100)
            client.add_note("n2", "Meet monthly", x=400, y=100)

        change_as_other_client(first.board_ws(board, "facilitator"), notes)
    finally:
        first.stop()
    store = SQLiteStore(data / "partnerboard.sqlite3")
    try:
        doc = load_document(store, board["id"])[0]
        state = doc.get_state()
        meta = doc.get("meta", type=Map)
        with doc.transaction():
            for key, value in HOSTILE_META.items():
                meta[key] = value
        store.append_update(board["id"], doc.get_update(state))
    finally:
        store.close()
    again = ServerProcess(data).start()
    links = {role: link.replace(old_url, again.url) for role, link in board["links"].items()}
    parties = [{**party, "link": party["link"].replace(old_url, again.url)}
               for party in board["parties"]]
    return again, {**board, "links": links, "parties": parties}


def test_a_board_stored_with_hostile_settings_still_draws_for_everyone(open_board, tmp_path):
    server, board = _stored_with_hostile_meta(tmp_path)
    try:
        anna = open_board(board, name="Anna", org="Gemeente")
        expect(anna.locator(".note", has_text="Trust first")).to_be_visible()
        expect(anna.locator(".note", has_text="Meet monthly")).to_be_visible()
        # The page still works: a note Anna adds reaches the facilitator's page.
        fiona = open_board(board, role="facilitator", name="Fiona", org="Zorg")
        expect(fiona.locator(".note", has_text="Trust first")).to_be_visible()
        add_note(anna, "Still working")
        expect(fiona.locator(".note", has_text="Still working")).to_be_visible()
        # Settings it could not read count as not set: no step, no timer, no round.
        expect(anna.locator(".timer")).to_be_hidden()
        expect(anna.locator(".vote-status")).to_be_hidden()
    finally:
        server.stop()
