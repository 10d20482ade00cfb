"""A vote counts only in the round that is open when the server counts it.

Votes live in the store, the round in ``meta.voting``, which the server writes when the
facilitator opens or closes a round. A client that wrote ``meta.voting`` itself (a facilitator
link in a hand-made client) could reopen a closed round: votes were then stored in a round
whose results were already out, and closing it "again" rewrote those results. Such a write is
refused like any other refused update (the guard undoes it, the sender gets the reversal), and
no vote is stored for a closed round. (The race with a close on another node is in
test_vote_race.py.)
"""

from __future__ import annotations

import asyncio

from pycrdt import Map
from test_seats import call, join, open_round, with_notes
from yclient import connected, wait_for


def stored_votes(server, board: dict, round_: int) -> int:  # noqa: ANN001
    return server.query("SELECT count(*) FROM votes WHERE board_id = ? AND round = ?",
                        board["id"], round_)[0][0]


def closed_round_with_one_vote(server) -> tuple[dict, str]:  # noqa: ANN001
    """A board with note "a", whose round 1 closed with one vote for "a"; a guest seat."""
    board = with_notes(server, ["a", "b"])
    base = f"/api/boards/{board['id']}"
    facilitator, guest = board["tokens"]["facilitator"], board["tokens"]["participant"]
    open_round(server, board)
    seat = join(server, board, guest, "Ayla", "Gemeente")["id"]
    assert call(server, "POST", base + "/votes", guest,
                {"seat": seat, "element": "a"}).status_code == 200
    closed = call(server, "POST", base + "/voting/close", facilitator)
    assert closed.json()["results"] == {"a": 1}
    return board, seat


def write_voting(server, board: dict, forged: dict) -> dict:  # noqa: ANN001
    """The facilitator's hand-made client writes ``meta.voting``; returns what the server's
    document holds once the server has answered it (undone: the writer's copy goes back;
    kept: an observer receives it)."""

    async def scenario() -> dict:
        async with connected(server.board_ws(board, "facilitator")) as writer, \
                connected(server.board_ws(board, "observer")) as watcher:
            before = writer.doc.get("meta", type=Map).to_py()["voting"]
            writer.doc.get("meta", type=Map)["voting"] = forged
            await writer.flush()

            def answered() -> bool:
                undone = writer.doc.get("meta", type=Map).to_py()["voting"] == before
                kept = watcher.doc.get("meta", type=Map).to_py()["voting"] == forged
                return undone or kept

            await wait_for(answered, what="the server's answer to the forged round")
            assert writer.close_code is None
        async with connected(server.board_ws(board, "observer")) as fresh:
            return fresh.doc.get("meta", type=Map).to_py()["voting"]

    return asyncio.run(scenario())


def test_a_closed_round_cannot_be_reopened_by_writing_the_document(server):
    board, seat = closed_round_with_one_vote(server)
    base = f"/api/boards/{board['id']}"
    guest = board["tokens"]["participant"]
    stored = write_voting(server, board, {"open": True, "round": 1, "votes_per_participant": 3})
    assert stored["open"] is False and stored["results"] == {"a": 1}
    late = call(server, "POST", base + "/votes", guest, {"seat": seat, "element": "b"})
    assert late.status_code == 409, late.text
    assert late.json()["error"] == "no voting round is open"
    assert stored_votes(server, board, 1) == 1


def test_the_results_of_a_closed_round_cannot_be_rewritten(server):
    board, _seat = closed_round_with_one_vote(server)
    stored = write_voting(server, board, {"open": False, "round": 1, "votes_per_participant": 3,
                                          "results": {"a": 1, "b": 99}})
    assert stored["results"] == {"a": 1}
    preview = call(server, "GET", f"/api/boards/{board['id']}/covenant/preview",
                   board["tokens"]["facilitator"])
    assert "99" not in preview.text


def test_a_vote_taken_back_after_the_close_stays_in_the_results(server):
    board, seat = closed_round_with_one_vote(server)
    answer = call(server, "DELETE", f"/api/boards/{board['id']}/votes",
                  board["tokens"]["participant"], {"seat": seat, "element": "a"})
    assert answer.status_code == 409, answer.text
    assert stored_votes(server, board, 1) == 1


def test_votes_for_no_round_or_no_element_are_refused_and_not_stored(server):
    board = with_notes(server, ["a"])
    base = f"/api/boards/{board['id']}"
    facilitator, guest = board["tokens"]["facilitator"], board["tokens"]["participant"]
    seat = join(server, board, guest, "Ayla", "Gemeente")["id"]
    never = call(server, "POST", base + "/votes", guest, {"seat": seat, "element": "a"})
    assert (never.status_code, never.json()["error"]) == (409, "no voting round is open")
    assert call(server, "POST", base + "/voting", facilitator,
                {"votes_per_participant": 2}).status_code == 201
    missing = call(server, "POST", base + "/votes", guest, {"seat": seat, "element": "gone"})
    assert missing.status_code == 404, missing.text
    assert "gone" in missing.json()["error"]
    not_mine = call(server, "DELETE", base + "/votes", guest, {"seat": seat, "element": "a"})
    assert not_mine.status_code == 404, not_mine.text
    assert server.query("SELECT count(*) FROM votes WHERE board_id = ?", board["id"]) == [(0,)]


def noted_round(server, board: dict) -> list[tuple]:  # noqa: ANN001
    """The store's note of the board's latest round: [(round, open)], or [] when none."""
    return [(number, bool(is_open)) for number, is_open in server.query(
        "SELECT round, open FROM voting_rounds WHERE board_id = ?", board["id"])]


def test_a_vote_is_checked_against_the_round_the_store_noted(server):
    """Opening and closing a round note it in the store with the round (under the board's
    lock); a vote reads that note under the lock, not the document again. Should the note
    ever say the round closed while the document says open, the vote is refused and not
    stored; and a round number the note has seen is never given out again."""
    board = with_notes(server, ["a"])
    base = f"/api/boards/{board['id']}"
    facilitator, guest = board["tokens"]["facilitator"], board["tokens"]["participant"]
    seat = join(server, board, guest, "Ayla", "Gemeente")["id"]
    assert noted_round(server, board) == []
    open_round(server, board)
    assert noted_round(server, board) == [(1, True)]
    assert call(server, "POST", base + "/votes", guest,
                {"seat": seat, "element": "a"}).status_code == 200
    server.query("UPDATE voting_rounds SET open = 0 WHERE board_id = ?", board["id"])
    for method in ("POST", "DELETE"):
        refused = call(server, method, base + "/votes", guest, {"seat": seat, "element": "a"})
        assert refused.status_code == 409, refused.text
        assert "closed before your vote arrived" in refused.json()["error"]
    assert stored_votes(server, board, 1) == 1
    closed = call(server, "POST", base + "/voting/close", facilitator)
    assert closed.json()["results"] == {"a": 1}
    assert noted_round(server, board) == [(1, False)]
    server.query("UPDATE voting_rounds SET round = 7 WHERE board_id = ?", board["id"])
    opened = call(server, "POST", base + "/voting", facilitator, {"votes_per_participant": 3})
    assert opened.json()["round"] == 8
    assert noted_round(server, board) == [(8, True)]


def test_a_round_the_store_has_no_note_of_is_checked_against_the_document(server):
    """A round opened before the store noted rounds (or on a board from a board file) has
    no note: votes are checked against the document as the store holds it, and its close
    notes it."""
    board = with_notes(server, ["a"])
    base = f"/api/boards/{board['id']}"
    facilitator, guest = board["tokens"]["facilitator"], board["tokens"]["participant"]
    seat = join(server, board, guest, "Ayla", "Gemeente")["id"]
    open_round(server, board)
    server.query("DELETE FROM voting_rounds WHERE board_id = ?", board["id"])
    assert call(server, "POST", base + "/votes", guest,
                {"seat": seat, "element": "a"}).status_code == 200
    assert call(server, "POST", base + "/voting/close", facilitator).json()["results"] == {
        "a": 1}
    assert noted_round(server, board) == [(1, False)]
    late = call(server, "POST", base + "/votes", guest, {"seat": seat, "element": "a"})
    assert late.status_code == 409, late.text
    assert stored_votes(server, board, 1) == 1
