"""Requests that checked a board, then waited for their body while it was finalized: the
agreed version must not change (partners, a restore, votes, seats), and requests that arrive
together must not lose one another (two partners added at once)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlparse

import httpx
from conftest import app_settings
from pycrdt import Map
from starlette.testclient import TestClient
from test_seats import call, join, open_round, with_notes
from yclient import connected

from partnerboard.server.app import create_app
from partnerboard.server.network_sync import sync_partner


class SlowBody:
    """A request whose headers go out now and whose body follows later, as a slow client's:
    the server has run the handler up to reading the body in between."""

    def __init__(self, server, path: str, token: str, body: object) -> None:  # noqa: ANN001
        self.url, self.path, self.token = server.url, path, token
        self.body = json.dumps(body).encode()

    async def __aenter__(self) -> SlowBody:
        address = urlparse(self.url)
        self.reader, self.writer = await asyncio.open_connection(address.hostname, address.port)
        self.writer.write((
            f"POST {self.path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
            f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n").encode())
        await self.writer.drain()
        await asyncio.sleep(0.5)
        return self

    async def finish(self) -> tuple[int, dict]:
        self.writer.write(self.body)
        await self.writer.drain()
        raw = await asyncio.wait_for(self.reader.read(), 30)
        head, _, body = raw.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), json.loads(body or b"{}")

    async def __aexit__(self, *exc: object) -> None:
        self.writer.close()


def finalized_meanwhile(server, board: dict, path: str, token: str, body: object
                        ) -> tuple[int, dict]:  # noqa: ANN001
    """The answer to a request whose body arrived after the board was finalized."""
    facilitator = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}

    async def race() -> tuple[int, dict]:
        async with SlowBody(server, path, token, body) as slow:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                done = await client.post(f"/api/boards/{board['id']}/finalize",
                                         headers=facilitator)
                assert done.status_code == 200, done.text
            return await slow.finish()

    return asyncio.run(race())


def test_no_partner_joins_an_agreed_version_while_it_is_finalized(server):
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    status, answer = finalized_meanwhile(server, board, base + "/partners",
                                         board["tokens"]["facilitator"], {"name": "Intruder"})
    assert status == 409, answer
    info = call(server, "GET", base, board["tokens"]["facilitator"]).json()
    assert [p["name"] for p in info["partners"]] == ["Gemeente", "Zorg"]


def test_two_partners_added_at_once_both_stay_with_links_of_their_own(server):
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    token = board["tokens"]["facilitator"]

    async def both() -> list[tuple[int, dict]]:
        async with SlowBody(server, base + "/partners", token, {"name": "Politie"}) as first, \
                SlowBody(server, base + "/partners", token, {"name": "School"}) as second:
            return [await first.finish(), await second.finish()]

    answers = asyncio.run(both())
    assert [status for status, _ in answers] == [201, 201]
    ids = {answer["party"]["id"] for _, answer in answers}
    assert len(ids) == 2
    info = call(server, "GET", base, token).json()
    assert [p["name"] for p in info["partners"]][-2:] == ["Politie", "School"]
    for _, answer in answers:
        party = call(server, "GET", base, answer["party"]["token"]).json()["party"]
        assert party["name"] == answer["party"]["name"]


def test_a_restore_arriving_after_finalize_changes_nothing(server):
    board = with_notes(server, ["early"])
    base = f"/api/boards/{board['id']}"
    token = board["tokens"]["facilitator"]
    seq = call(server, "GET", base + "/history", token).json()[0]["seq"]

    async def add_later_note() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            client.add_note("agreed", "the agreed action")
            await client.flush()

    asyncio.run(add_later_note())
    status, answer = finalized_meanwhile(server, board, base + "/restore", token, {"seq": seq})
    assert status == 409, answer

    async def look() -> tuple[list[str], object]:
        async with connected(server.board_ws(board, "observer")) as reader:
            return sorted(reader.elements.keys()), reader.doc.get("meta", type=Map)["finalized"]

    assert asyncio.run(look()) == (["agreed", "early"], True)


def test_no_vote_or_seat_changes_an_agreed_version(server):
    board = with_notes(server, ["a"])
    base = f"/api/boards/{board['id']}"
    guest, token = board["tokens"]["participant"], board["tokens"]["facilitator"]
    seat = join(server, board, guest, "Gijs", "Omega")["id"]
    open_round(server, board)
    status, answer = finalized_meanwhile(server, board, base + "/votes", guest,
                                         {"seat": seat, "element": "a"})
    assert status == 409, answer
    assert call(server, "POST", base + "/seats", guest, {"name": "Late", "org": "X"}
                ).status_code == 409
    assert call(server, "DELETE", base + f"/seats/{seat}", token).status_code == 409
    seats = call(server, "GET", base + "/seats", token).json()["seats"]
    assert [(s["name"], s["votes_used"]) for s in seats] == [("Gijs", 0)]


def test_a_member_change_keeps_a_partner_added_after_the_board_was_read(
        tmp_path, database_url):
    """carry_to_open_boards reads each board, then syncs its partner: a partner added in
    between (on another node) lost its place in the stored list, and so its party link."""
    with TestClient(create_app(app_settings(tmp_path, database_url))) as client:
        app = client.app
        board = client.post("/api/boards", json={
            "canvas": "partnership-map", "title": "t", "language": "en",
            "partners": [{"name": "Gemeente"}]}).json()
        read_before = app.state.store.get_board(board["id"])
        added = client.post(f"/api/boards/{board['id']}/partners", json={"name": "Politie"},
                            headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
        assert added.status_code == 201, added.text
        assert sync_partner(app.state, read_before, "p1", {"name": "Gemeente Noord"})
        names = [p["name"] for p in app.state.store.get_board(board["id"]).partners]
        assert names == ["Gemeente Noord", "Politie"]
        police = client.get(f"/api/boards/{board['id']}", headers={
            "Authorization": f"Bearer {added.json()['party']['token']}"})
        assert police.status_code == 200 and police.json()["party"]["name"] == "Politie"
