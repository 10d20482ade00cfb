"""A link re-issued while one of its requests is under way: the request finishes with 403.

A token is checked when a request's headers are in, and its body may take up to
``BODY_TIMEOUTS * --request-timeout`` to come. A holder of a leaked link could start a request,
hold its body back, and finish it after the facilitator had re-issued the link (an attack
review): with a leaked facilitator link, a held POST /links {"link": "facilitator"} got the
attacker a new facilitator token and revoked the one the real facilitator had just made. Now the
token is checked again once the body is in, under the board's lock for what changes the board.

Each test holds a request the way an attacker would: headers with ``Expect: 100-continue``,
then nothing until the server answers ``100 Continue``, which it does once the handler has
checked the token and starts reading the body. The link is re-issued, then the body is sent.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from yclient import connected

WRONG_TOKEN = "the token is not valid for this board"


def call(server, method: str, path: str, token: str, body: object = None,
         **params: str) -> httpx.Response:
    return httpx.request(method, server.url + path, json=body, timeout=10, params=params,
                         headers={"Authorization": f"Bearer {token}"})


class Held:
    """A request whose handler has checked the token and waits for the body."""

    def __init__(self, server, method: str, path: str, token: str, body: object) -> None:
        host, port = server.url.removeprefix("http://").split(":")
        self.body = json.dumps(body).encode()
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sock.sendall(
            f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(self.body)}\r\nExpect: 100-continue\r\n"
            "Connection: close\r\n\r\n".encode())
        interim = self._until_blank_line()
        assert interim.startswith(b"HTTP/1.1 100 "), interim  # not a 401/403 at the door

    def _until_blank_line(self) -> bytes:
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = self.sock.recv(1)
            assert chunk, received
            received += chunk
        return received

    def finish(self) -> tuple[int, Any]:
        """Send the body; the answer's status and JSON."""
        self.sock.sendall(self.body)
        received = b""
        while chunk := self.sock.recv(65536):
            received += chunk
        self.sock.close()
        head, _, rest = received.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(rest)


def reissue(server, board: dict, link: str, facilitator: str) -> str:
    answer = call(server, "POST", f"/api/boards/{board['id']}/links", facilitator, {"link": link})
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def with_note(server) -> dict:
    board = server.create_board()

    async def write() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            client.add_note("n1", "We share what we learn")
            await client.flush()

    asyncio.run(write())
    return board


def test_a_held_facilitator_reissue_cannot_take_the_board_back(server):
    """The leaked facilitator link's held request would have issued itself a new facilitator
    token and revoked the real facilitator's."""
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    leaked = board["tokens"]["facilitator"]
    held = Held(server, "POST", base + "/links", leaked, {"link": "facilitator"})
    mine = reissue(server, board, "facilitator", leaked)  # the real facilitator revokes it
    assert call(server, "GET", base, leaked).status_code == 403
    assert held.finish() == (403, {"error": WRONG_TOKEN})
    links = call(server, "GET", base + "/links", mine)
    assert links.status_code == 200
    # Every link still shows under the real facilitator's token: nothing was resealed.
    assert {row["link_id"]: row["shown"] for row in links.json()["links"]} == {
        "facilitator": "yes", "participant": "yes", "observer": "yes",
        "party:p1": "yes", "party:p2": "yes"}


def test_a_held_signature_of_a_reissued_party_link_does_not_sign(server):
    board = with_note(server)
    base = f"/api/boards/{board['id']}"
    fac = board["tokens"]["facilitator"]
    assert call(server, "POST", base + "/finalize", fac).status_code == 200
    leaked = board["parties"][0]["token"]
    held = Held(server, "POST", base + "/signatures", leaked, {"name": "Mallory"})
    fresh = reissue(server, board, "party:p1", fac)
    assert held.finish() == (403, {"error": WRONG_TOKEN})
    # Gemeente has not signed: its holder of the new link still can.
    signed = call(server, "POST", base + "/signatures", fresh, {"name": "Gemma"})
    assert signed.status_code == 201, signed.text


def _partners_unchanged(server, board: dict, fac: str) -> None:
    seen = call(server, "GET", f"/api/boards/{board['id']}", fac).json()
    assert [p["name"] for p in seen["partners"]] == ["Gemeente", "Zorg"]


def _party_link_unchanged(server, board: dict, fac: str) -> None:
    assert call(server, "GET", f"/api/boards/{board['id']}",
                board["parties"][0]["token"]).status_code == 200


def _not_restored(server, board: dict, fac: str) -> None:
    points = call(server, "GET", f"/api/boards/{board['id']}/history", fac).json()
    assert not [p for p in points if "restore_of" in p]


def _no_round(server, board: dict, fac: str) -> None:
    opened = call(server, "POST", f"/api/boards/{board['id']}/voting", fac,
                  {"votes_per_participant": 1})
    assert opened.status_code == 201, opened.text  # not 409: no round was opened before


def _no_seat(server, board: dict, fac: str) -> None:
    assert call(server, "GET", f"/api/boards/{board['id']}/seats", fac).json()["seats"] == []


def _no_vote(server, board: dict, fac: str) -> None:
    closed = call(server, "POST", f"/api/boards/{board['id']}/voting/close", fac)
    assert closed.json()["results"] == {}


def _first_seq(server, board: dict) -> dict:
    seq = call(server, "GET", f"/api/boards/{board['id']}/history",
               board["tokens"]["facilitator"]).json()[0]["seq"]
    return {"seq": seq}


def _seated_vote(server, board: dict) -> dict:
    base = f"/api/boards/{board['id']}"
    assert call(server, "POST", base + "/voting", board["tokens"]["facilitator"],
                {"votes_per_participant": 1}).status_code == 201
    seat = call(server, "POST", base + "/seats", board["tokens"]["participant"],
                {"name": "Mallory"}).json()["id"]
    return {"seat": seat, "element": "n1"}


CASES: dict[str, tuple[str, str, Callable[[Any, dict], dict], Callable[..., None]]] = {
    # name: (the link held and re-issued, path, the body, the check that nothing changed)
    "reissue a party link": ("facilitator", "/links",
                             lambda s, b: {"link": "party:p1"}, _party_link_unchanged),
    "add a partner": ("facilitator", "/partners",
                      lambda s, b: {"name": "Mallory"}, _partners_unchanged),
    "restore": ("facilitator", "/restore", _first_seq, _not_restored),
    "open a voting round": ("facilitator", "/voting",
                            lambda s, b: {"votes_per_participant": 9}, _no_round),
    "take a seat": ("party:p1", "/seats", lambda s, b: {"name": "Mallory"}, _no_seat),
    "vote": ("participant", "/votes", _seated_vote, _no_vote),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_held_request_of_a_reissued_link_changes_nothing(server, case):
    link, path, body_of, unchanged = CASES[case]
    board = with_note(server)
    base = f"/api/boards/{board['id']}"
    fac = board["tokens"]["facilitator"]
    body = body_of(server, board)
    token = fac if link == "facilitator" else (
        board["tokens"]["participant"] if link == "participant" else board["parties"][0]["token"])
    held = Held(server, "POST", base + path, token, body)
    fresh = reissue(server, board, link, fac)
    if link == "facilitator":
        fac = fresh
    assert held.finish() == (403, {"error": WRONG_TOKEN})
    unchanged(server, board, fac)


def test_a_held_request_still_counts_when_another_link_is_reissued(server):
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    fac = board["tokens"]["facilitator"]
    held = Held(server, "POST", base + "/seats", board["parties"][0]["token"], {"name": "Ayla"})
    reissue(server, board, "party:p2", fac)
    reissue(server, board, "participant", fac)
    status, seat = held.finish()
    assert status == 201 and seat["link"] == "party:p1"
