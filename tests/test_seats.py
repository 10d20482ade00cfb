"""Seats and votes: a vote belongs to a seat the server issued through the same link; a seat
reads only its own votes; the facilitator sees and removes seats; per-organisation limits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import httpx
from yclient import connected, wait_for


def call(server, method: str, path: str, token: str, body: object = None,
         params: dict | None = None) -> httpx.Response:
    return httpx.request(method, server.url + path, json=body, timeout=10, params=params,
                         headers={"Authorization": f"Bearer {token}"})


def many(server, method: str, path: str, token: str, bodies: Iterable[object]) -> list[int]:
    """Status codes of many requests sent at once (as a script would)."""

    async def send() -> list[int]:
        async with httpx.AsyncClient(base_url=server.url, timeout=60,
                                     headers={"Authorization": f"Bearer {token}"}) as client:
            answers = await asyncio.gather(*(client.request(method, path, json=body)
                                             for body in bodies))
        return [answer.status_code for answer in answers]

    return asyncio.run(send())


def with_notes(server, ids: list[str]) -> dict:
    board = server.create_board()

    async def write() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            for note_id in ids:
                client.add_note(note_id, note_id)
            await client.flush()

    asyncio.run(write())
    return board


def open_round(server, board, votes: int = 3) -> None:
    """Open a voting round as the facilitator."""
    answer = call(server, "POST", f"/api/boards/{board['id']}/voting",
                  board["tokens"]["facilitator"], {"votes_per_participant": votes})
    assert answer.status_code == 201, answer.text


def join(server, board, token: str, name: str, org: str = "") -> dict:
    answer = call(server, "POST", f"/api/boards/{board['id']}/seats", token,
                  {"name": name, "org": org})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_made_up_voter_ids_count_for_nothing(server):
    board = with_notes(server, ["a"])
    base = f"/api/boards/{board['id']}"
    guest = board["tokens"]["participant"]
    call(server, "POST", base + "/voting", board["tokens"]["facilitator"],
         {"votes_per_participant": 1})
    codes = many(server, "POST", base + "/votes", guest,
                 [{"element": "a", "voter": f"fresh-{index}"} for index in range(100)])
    assert codes == [403] * 100
    # A seat of another link does not vote through this one either.
    zorg_seat = join(server, board, board["parties"][1]["token"], "Ayla")["id"]
    assert call(server, "POST", base + "/votes", guest,
                {"element": "a", "seat": zorg_seat}).status_code == 403
    assert call(server, "POST", base + "/seats", board["tokens"]["observer"],
                {"name": "Olga"}).status_code == 403
    closed = call(server, "POST", base + "/voting/close", board["tokens"]["facilitator"])
    assert closed.json()["results"] == {}


def test_a_seat_reads_only_its_own_votes(server):
    board = with_notes(server, ["a", "b"])
    base = f"/api/boards/{board['id']}"
    guest = board["tokens"]["participant"]
    call(server, "POST", base + "/voting", board["tokens"]["facilitator"],
         {"votes_per_participant": 3})
    alice = join(server, board, guest, "Alice", "Omega")["id"]
    bob = join(server, board, guest, "Bob", "Omega")["id"]
    call(server, "POST", base + "/votes", guest, {"element": "a", "seat": alice})
    assert call(server, "GET", base + "/votes", guest,
                params={"voter": "alice"}).status_code == 403
    assert call(server, "GET", base + "/votes", guest,
                params={"seat": bob}).json()["mine"] == {}
    assert call(server, "GET", base + "/votes", guest,
                params={"seat": alice}).json()["mine"] == {"a": 1}
    zorg = board["parties"][1]["token"]
    assert call(server, "GET", base + "/votes", zorg, params={"seat": alice}).status_code == 403


def test_a_link_gets_a_bounded_number_of_seats(server):
    board = server.create_board()
    guest = board["tokens"]["participant"]
    issued = many(server, "POST", f"/api/boards/{board['id']}/seats", guest,
                  [{"name": f"n{index}"} for index in range(100)])
    assert issued.count(201) == 80 and issued.count(409) == 20


def test_the_facilitator_sees_seats_and_removing_one_takes_its_votes(server):
    board = with_notes(server, ["a", "b"])
    base = f"/api/boards/{board['id']}"
    facilitator = board["tokens"]["facilitator"]
    zorg = board["parties"][1]["token"]
    guest = board["tokens"]["participant"]
    call(server, "POST", base + "/voting", facilitator, {"votes_per_participant": 2})
    ayla = join(server, board, zorg, "Ayla", "Gemeente")
    assert ayla["org"] == "Zorg" and ayla["party"] == "p2" and ayla["guest"] is False
    gijs = join(server, board, guest, "Gijs", "Omega")
    assert gijs["guest"] is True
    for element in ("a", "b"):
        call(server, "POST", base + "/votes", zorg, {"element": element, "seat": ayla["id"]})
    call(server, "POST", base + "/votes", guest, {"element": "a", "seat": gijs["id"]})
    listed = call(server, "GET", base + "/seats", facilitator).json()
    rows = {row["name"]: row for row in listed["seats"]}
    assert (rows["Ayla"]["org"], rows["Ayla"]["votes_used"]) == ("Zorg", 2)
    assert (rows["Gijs"]["org"], rows["Gijs"]["guest"], rows["Gijs"]["votes_used"]) == \
        ("Omega", True, 1)
    assert call(server, "GET", base + "/seats", guest).status_code == 403
    assert call(server, "DELETE", base + f"/seats/{ayla['id']}", guest).status_code == 403
    assert call(server, "DELETE", base + f"/seats/{ayla['id']}", facilitator).status_code == 200
    assert call(server, "DELETE", base + f"/seats/{ayla['id']}", facilitator).status_code == 404
    assert call(server, "POST", base + "/votes", zorg,
                {"element": "a", "seat": ayla["id"]}).status_code == 403
    results = call(server, "POST", base + "/voting/close", facilitator).json()["results"]
    assert results == {"a": 1}


def test_per_organisation_limit_holds_across_seats(server):
    board = with_notes(server, ["a"])
    base = f"/api/boards/{board['id']}"
    facilitator = board["tokens"]["facilitator"]
    gemeente, zorg = (p["token"] for p in board["parties"])
    assert call(server, "POST", base + "/voting", facilitator,
                {"votes_per_participant": 3, "votes_per_organisation": 0}).status_code == 400
    opened = call(server, "POST", base + "/voting", facilitator,
                  {"votes_per_participant": 3, "votes_per_organisation": 4})
    assert opened.json()["votes_per_organisation"] == 4
    seats = [join(server, board, zorg, name)["id"] for name in ("Ayla", "Bo", "Cas")]
    answers = [call(server, "POST", base + "/votes", zorg, {"element": "a", "seat": s})
               for s in seats for _ in range(2)]
    assert [a.status_code for a in answers].count(200) == 4
    assert "organisation" in answers[-1].json()["error"]
    other = join(server, board, gemeente, "Bram")["id"]
    assert call(server, "POST", base + "/votes", gemeente,
                {"element": "a", "seat": other}).status_code == 200


def test_removing_a_seat_closes_its_sockets_at_once_and_it_cannot_vote(server):
    board = with_notes(server, ["a", "b"])
    base = f"/api/boards/{board['id']}"
    facilitator = board["tokens"]["facilitator"]
    zorg = board["parties"][1]["token"]
    guest = board["tokens"]["participant"]
    call(server, "POST", base + "/voting", facilitator, {"votes_per_participant": 3})
    ayla = join(server, board, zorg, "Ayla")["id"]
    bo = join(server, board, zorg, "Bo")["id"]  # same party link, another person
    gijs = join(server, board, guest, "Gijs", "Omega")["id"]
    assert call(server, "POST", base + "/votes", zorg,
                {"element": "a", "seat": ayla}).status_code == 200

    def ws(token: str, seat: str) -> str:
        return f"{server.ws_url}/{board['id']}?token={token}&seat={seat}"

    async def scenario() -> None:
        async with connected(ws(zorg, ayla)) as tab1, connected(ws(zorg, ayla)) as tab2, \
                connected(ws(zorg, bo)) as other, connected(ws(guest, gijs)) as outsider:
            removed = await asyncio.to_thread(call, server, "DELETE", base + f"/seats/{ayla}",
                                              facilitator)
            assert removed.status_code == 200
            # Both of the seat's sockets close with the revoked-link code, right away.
            assert await tab1.wait_closed() == 1008
            assert await tab2.wait_closed() == 1008
            assert tab1.ws.close_reason == "your seat was removed by the facilitator"
            # The same link's other seat and the guest keep their connections and can write.
            other.add_note("bo1", "still here")
            await other.flush()
            await wait_for(lambda: "bo1" in outsider.elements, what="the other seat's note")
            assert other.close_code is None and outsider.close_code is None

    asyncio.run(scenario())
    # The seat is gone with its votes: it can neither vote nor read votes; Bo still votes.
    assert call(server, "POST", base + "/votes", zorg,
                {"element": "b", "seat": ayla}).status_code == 403
    assert call(server, "GET", base + "/votes", zorg, params={"seat": ayla}).status_code == 403
    assert call(server, "GET", base + f"/seats/{ayla}", zorg).status_code == 404
    assert call(server, "POST", base + "/votes", zorg,
                {"element": "b", "seat": bo}).status_code == 200
    seats = {row["name"]: row for row in call(server, "GET", base + "/seats",
                                              facilitator).json()["seats"]}
    assert "Ayla" not in seats and seats["Bo"]["votes_used"] == 1
    results = call(server, "POST", base + "/voting/close", facilitator).json()["results"]
    assert results == {"b": 1}
