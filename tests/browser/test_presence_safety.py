"""Presence states a hand-made client sends, and what the others' boards do with them.

The server sets what a state says about its sender (presence_identity) and refuses what a
browser cannot read; these tests watch real browsers: nobody's view is steered by an
observer, and the people list keeps working whatever a raw client shows.
"""

from __future__ import annotations

import json

from playwright.sync_api import expect
from websockets.sync.client import connect

from partnerboard.server import yprotocol as yp


class RawPresence:
    """A hand-made client: a socket that shows ``entries`` [(client id, state)], kept open."""

    def __init__(self, server, board: dict, role: str, entries: list) -> None:  # noqa: ANN001
        self._opened = connect(server.board_ws(board, role), max_size=None)
        self.socket = self._opened.__enter__()
        self.socket.send(yp.awareness_message(yp.encode_awareness(
            [yp.AwarenessEntry(client, 1, json.dumps(state)) for client, state in entries])))

    def close(self) -> None:
        self._opened.__exit__(None, None, None)


def visible_rect(page) -> list[int]:  # noqa: ANN001
    return page.evaluate("(() => { const r = window.partnerboard.board.viewport.visibleRect();"
                         " return [Math.round(r.x), Math.round(r.y), Math.round(r.w)] })()")


def test_an_observer_cannot_move_a_participants_view(open_board, board, server):
    anna = open_board(board, name="Anna", org="Zorg")
    before = visible_rect(anna)
    raw = RawPresence(server, board, "observer", [(424242, {
        "user": {"name": "Olga"}, "follow": {"x": 9000, "y": 9000, "w": 50, "h": 50, "seq": 1}})])
    try:
        expect(anna.locator(".people .person-name", has_text="Olga")).to_have_count(1)
        # Her state has been handled (a follow moves the view as it is): the view is drawn
        # twice more before it is looked at.
        anna.evaluate("""() => new Promise(done =>
            requestAnimationFrame(() => requestAnimationFrame(done)))""")
        expect(anna.locator(".follow-indicator")).to_be_hidden()
        assert visible_rect(anna) == before
    finally:
        raw.close()


def test_a_name_that_is_not_text_does_not_freeze_the_people_list(open_board, board, server):
    anna = open_board(board, name="Anna", org="Zorg")
    open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    expect(anna.locator(".people .person")).to_have_count(2)
    # String() of {"toString": 0} throws in a browser.
    raw = RawPresence(server, board, "observer",
                      [(424243, {"user": {"name": {"toString": 0}, "org": "x"}})])
    try:
        expect(anna.locator(".people .person")).to_have_count(3)
        open_board(board, name="Bob", org="Zorg")
        expect(anna.locator(".people .person-name", has_text="Bob")).to_have_count(1)
    finally:
        raw.close()


def test_a_client_id_past_2_53_does_not_hide_everyone_from_a_newcomer(open_board, board,
                                                                       server):
    raw = RawPresence(server, board, "observer", [((1 << 60) + (1 << 54), {"user": {"name": "x"}})])
    try:
        open_board(board, role="facilitator", name="Fiona", org="Gemeente")
        anna = open_board(board, name="Anna", org="Zorg")
        # Fiona renews her state every 15 s: a newcomer must see her at once.
        expect(anna.locator(".people .person-name", has_text="Fiona")).to_have_count(
            1, timeout=5000)
    finally:
        raw.close()


def test_a_guest_name_cannot_reorder_its_guest_mark_out_of_sight(open_board, board, server):
    """A bidi override in a typed name (the pages refuse one in every name; a hand-made client
    takes no seat) would reverse what follows it: the guest mark, and the name itself."""
    anna = open_board(board, name="Anna", org="Zorg")
    # Shown with the override, this reads "Fiona (Gemeente)" with the guest mark turned round.
    raw = RawPresence(server, board, "participant", [(424244, {
        "user": {"name": "\u202e)etneemeG( anoiF", "org": "\u2067Zorg"},
        "cursor": {"x": 900, "y": 500}})])
    try:
        expect(anna.locator(".people .person")).to_have_count(2)
        fiona = anna.locator(".people .person").nth(1)  # the page's own person comes first
        expect(fiona.locator(".person-name")).to_have_text(")etneemeG( anoiF")
        expect(fiona.locator(".person-org")).to_have_text("Zorg (guest)")
        expect(anna.locator(".cursor-label")).to_have_text(")etneemeG( anoiF (Zorg (guest))")
    finally:
        raw.close()
