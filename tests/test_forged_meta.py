"""Rounds the server runs (a voting round, a private brainstorm) live in ``meta``. No client
writes them, the facilitator's included (server/meta_rules.py): a forged round is refused like
any refused update. A board that stored one before that rule reads it as no round (409), never
a 500, and no hidden note is lost on the way (board_meta.round_state)."""

from __future__ import annotations

import asyncio

import pytest
from pycrdt import Doc, Map
from test_seats import call, join, with_notes
from yclient import connected, wait_for

from partnerboard.server.board_meta import round_state

FORGED = [
    {"open": True},
    {"open": True, "round": "x", "votes_per_participant": 2},
    {"open": True, "round": 1, "votes_per_participant": "3"},
    {"open": "yes", "round": 1.5, "votes_per_participant": 2},
]


def forge(server, board: dict, key: str, value: dict) -> None:  # noqa: ANN001
    """The facilitator's own client writes ``meta[key]``: the server undoes it."""

    async def write() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            meta = client.doc.get("meta", type=Map)
            before = meta.get(key)
            meta[key] = value
            await client.flush()
            await wait_for(lambda: meta.get(key) == before, what=f"meta[{key!r}] undone")
            assert client.close_code is None

    asyncio.run(write())


@pytest.mark.parametrize("voting", FORGED)
def test_a_forged_voting_round_is_refused_and_is_no_round(server, voting):
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


@pytest.mark.parametrize("stored", [FORGED[0], FORGED[1], FORGED[3], {"open": True, "round": 0},
                                    "open", None])
def test_a_round_the_server_did_not_write_reads_as_no_round(stored):
    """As a board stored before the rule may hold one."""
    doc = Doc()
    doc.get("meta", type=Map)["voting"] = stored
    assert round_state(doc, "voting") == {}


@pytest.mark.parametrize("brainstorm", [{"open": True}, {"open": True, "round": "x"}])
def test_a_forged_brainstorm_is_refused_and_loses_no_hidden_note(server, brainstorm):
    board = with_notes(server, [])
    base = f"/api/boards/{board['id']}"
    facilitator, guest = board["tokens"]["facilitator"], board["tokens"]["participant"]
    assert call(server, "POST", base + "/brainstorm", facilitator).status_code == 201
    seat = join(server, board, guest, "Ayla", "Gemeente")["id"]
    assert call(server, "POST", base + "/drafts", guest,
                {"seat": seat, "text": "Meet monthly"}).status_code == 201
    forge(server, board, "brainstorm", brainstorm)
    mine = call(server, "GET", base + "/drafts", guest, params={"seat": seat})
    assert [d["text"] for d in mine.json()] == ["Meet monthly"]
    assert call(server, "POST", base + "/brainstorm/reveal", facilitator).json()["revealed"] == 1
