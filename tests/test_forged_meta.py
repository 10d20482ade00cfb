"""Rounds the server runs (a voting round, a private brainstorm) live in ``meta``, which a
facilitator's own client may write anything into: a round the server did not write is no round
(409), never a 500, and no hidden note is lost on the way."""

from __future__ import annotations

import asyncio

import pytest
from pycrdt import Map
from test_seats import call, join, with_notes
from yclient import connected

FORGED = [
    {"open": True},
    {"open": True, "round": "x", "votes_per_participant": 2},
    {"open": True, "round": 1, "votes_per_participant": "3"},
    {"open": "yes", "round": 1.5, "votes_per_participant": 2},
]


def forge(server, board: dict, key: str, value: dict) -> None:  # noqa: ANN001
    """The facilitator's own client writes ``meta[key]`` as it likes."""

    async def write() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            client.doc.get("meta", type=Map)[key] = value
            await client.flush()

    asyncio.run(write())


@pytest.mark.parametrize("voting", FORGED)
def test_a_forged_voting_round_is_no_round(server, voting):
    board = with_notes(server, ["a"])
    base = f"/api/boards/{board['id']}"
    facilitator, guest = board["tokens"]["facilitator"], board["tokens"]["participant"]
    forge(server, board, "voting", voting)
    seat = join(server, board, guest, "Ayla", "Gemeente")["id"]
    for method, path, token, body in [
        ("POST", "/votes", guest, {"seat": seat, "element": "a"}),
        ("GET", f"/votes?seat={seat}", guest, None),
        ("POST", "/voting/close", facilitator, None),
    ]:
        answer = call(server, method, base + path, token, body)
        assert answer.status_code == 409, (path, answer.text)
        assert answer.json()["error"] == "no voting round is open"
    assert call(server, "GET", base + "/seats", facilitator).status_code == 200
    opened = call(server, "POST", base + "/voting", facilitator, {"votes_per_participant": 1})
    assert opened.status_code == 201, opened.text
    assert opened.json()["round"] == 1
    assert call(server, "POST", base + "/votes", guest,
                {"seat": seat, "element": "a"}).status_code == 200


@pytest.mark.parametrize("brainstorm", [{"open": True}, {"open": True, "round": "x"}])
def test_a_forged_brainstorm_loses_no_hidden_note(server, brainstorm):
    board = with_notes(server, [])
    base = f"/api/boards/{board['id']}"
    facilitator, guest = board["tokens"]["facilitator"], board["tokens"]["participant"]
    assert call(server, "POST", base + "/brainstorm", facilitator).status_code == 201
    seat = join(server, board, guest, "Ayla", "Gemeente")["id"]
    assert call(server, "POST", base + "/drafts", guest,
                {"seat": seat, "text": "Meet monthly"}).status_code == 201
    forge(server, board, "brainstorm", brainstorm)
    refused = call(server, "POST", base + "/brainstorm/reveal", facilitator)
    assert refused.status_code == 409, refused.text
    mine = call(server, "GET", base + "/drafts", guest, params={"seat": seat})
    assert [d["text"] for d in mine.json()] == ["Meet monthly"]
    again = call(server, "POST", base + "/brainstorm", facilitator)
    assert again.status_code == 201, again.text
    assert call(server, "POST", base + "/brainstorm/reveal", facilitator).json()["revealed"] == 1
