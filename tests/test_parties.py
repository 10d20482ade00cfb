"""A link per partner: party links in the create answer, re-issue and revoke, adding a partner
later, boards made before party links, and what the store keeps of the tokens."""

from __future__ import annotations

import asyncio
import base64

import httpx
from pycrdt import Map
from yclient import YClient, connected, wait_for


def call(server, method: str, path: str, token: str, body: object = None) -> httpx.Response:
    return httpx.request(method, server.url + path, json=body, timeout=10,
                         headers={"Authorization": f"Bearer {token}"})


def party_ws(server, board, token: str) -> str:
    return f"{server.ws_url}/{board['id']}?token={token}"


def test_create_answer_has_one_link_per_partner_in_request_order(server):
    names = ["Zorg", "Gemeente", "Bibliotheek", "Politie"]
    board = server.create_board(partners=[{"name": n} for n in names])
    parties = board["parties"]
    assert [p["name"] for p in parties] == names
    assert [p["id"] for p in parties] == ["p1", "p2", "p3", "p4"]
    tokens = [p["token"] for p in parties] + list(board["tokens"].values())
    assert len(set(tokens)) == len(tokens) == 7
    for party in parties:
        assert len(base64.urlsafe_b64decode(party["token"] + "==")) * 8 >= 192
        assert party["link"] == f"{server.url}/b/{board['id']}?token={party['token']}"
        seen = call(server, "GET", f"/api/boards/{board['id']}", party["token"]).json()
        assert seen["role"] == "participant"
        assert seen["party"] == {"id": party["id"], "name": party["name"]}
    guest = call(server, "GET", f"/api/boards/{board['id']}", board["tokens"]["participant"])
    assert guest.json()["party"] is None and guest.json()["guest"] is True
    other = server.create_board()
    assert call(server, "GET", f"/api/boards/{other['id']}", parties[0]["token"]).status_code \
        == 403  # a party link opens only its own board
    assert server.create_board(partners=[])["parties"] == []


def test_the_store_holds_no_token_in_the_clear(server):
    board = server.create_board()
    raw = server.raw_store()
    assert board["id"].encode() in raw
    for token in [*board["tokens"].values(), *(p["token"] for p in board["parties"])]:
        assert token.encode() not in raw


def test_reissue_revokes_the_old_token_and_closes_its_sockets(server):
    board = server.create_board()
    zorg = board["parties"][1]
    facilitator = board["tokens"]["facilitator"]
    base = f"/api/boards/{board['id']}"

    async def scenario() -> dict:
        async with connected(party_ws(server, board, zorg["token"])) as old, \
                connected(server.board_ws(board, "participant")) as guest:
            answer = await asyncio.to_thread(call, server, "POST", base + "/links", facilitator,
                                             {"link": "party:p2"})
            assert answer.status_code == 201
            assert await old.wait_closed() == 1008
            await asyncio.sleep(0)
            assert guest.close_code is None  # other links keep working
            return answer.json()

    fresh = asyncio.run(scenario())
    assert fresh["party"] == {"id": "p2", "name": "Zorg"} and fresh["token"] != zorg["token"]
    assert fresh["qr"].startswith("data:image/svg+xml")
    assert call(server, "GET", base, zorg["token"]).status_code == 403
    assert call(server, "GET", base, fresh["token"]).json()["party"]["name"] == "Zorg"
    listed = {row["link_id"]: row for row in call(server, "GET", base + "/links",
                                                   facilitator).json()["links"]}
    assert listed["party:p2"]["token"] == fresh["token"]
    assert listed["party:p1"]["token"] == board["parties"][0]["token"]
    assert listed["participant"]["token"] == board["tokens"]["participant"]
    assert all(row["qr"].startswith("data:image/svg+xml") for row in listed.values())
    for who in ("participant", "observer"):
        assert call(server, "GET", base + "/links", board["tokens"][who]).status_code == 403
        assert call(server, "POST", base + "/links", board["tokens"][who],
                    {"link": "party:p1"}).status_code == 403
    assert call(server, "POST", base + "/links", facilitator,
                {"link": "party:p9"}).status_code == 400
    assert call(server, "POST", base + "/links", facilitator,
                {"link": "../tokens"}).status_code == 400


def test_reissuing_the_facilitator_link_keeps_the_others_readable(server):
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    old = board["tokens"]["facilitator"]
    new = call(server, "POST", base + "/links", old, {"link": "facilitator"}).json()["token"]
    assert call(server, "GET", base + "/links", old).status_code == 403
    rows = {row["link_id"]: row["token"] for row in
            call(server, "GET", base + "/links", new).json()["links"]}
    assert rows == {"facilitator": new, "participant": board["tokens"]["participant"],
                    "observer": board["tokens"]["observer"],
                    "party:p1": board["parties"][0]["token"],
                    "party:p2": board["parties"][1]["token"]}


def test_a_partner_added_later_gets_its_own_link(server):
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    facilitator = board["tokens"]["facilitator"]
    added = call(server, "POST", base + "/partners", facilitator, {"name": "School"})
    assert added.status_code == 201
    party = added.json()["party"]
    assert party["id"] == "p3" and party["name"] == "School"
    assert call(server, "GET", base, party["token"]).json()["party"] == {"id": "p3",
                                                                         "name": "School"}
    assert call(server, "POST", base + "/partners", facilitator,
                {"name": "school"}).status_code == 409
    assert call(server, "POST", base + "/partners", board["tokens"]["participant"],
                {"name": "Mallory"}).status_code == 403

    async def scenario() -> None:
        async with connected(server.board_ws(board, "observer")) as client:
            partners = client.doc.get("partners", type=Map)
            await wait_for(lambda: "p3" in partners, what="new partner in the document")
            assert partners["p3"]["name"] == "School"

    asyncio.run(scenario())


def test_a_board_made_before_party_links_keeps_working(server):
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    # What a board from the first round has: role tokens only.
    server.query("DELETE FROM party_links WHERE board_id = ?", board["id"])
    server.query("DELETE FROM sealed_links WHERE board_id = ?", board["id"])
    facilitator = board["tokens"]["facilitator"]
    assert call(server, "GET", base, board["parties"][0]["token"]).status_code == 403
    assert call(server, "GET", base, board["tokens"]["participant"]).status_code == 200
    rows = {row["link_id"]: row for row in
            call(server, "GET", base + "/links", facilitator).json()["links"]}
    assert rows["party:p1"]["link"] is None and rows["participant"]["link"] is None
    issued = call(server, "POST", base + "/links", facilitator, {"link": "party:p1"}).json()
    assert call(server, "GET", base, issued["token"]).json()["party"]["name"] == "Gemeente"
    assert call(server, "GET", base, board["tokens"]["participant"]).status_code == 200

    async def scenario() -> None:
        client = await YClient(party_ws(server, board, issued["token"])).connect()
        await asyncio.wait_for(client.synced.wait(), 5)
        await client.close()

    asyncio.run(scenario())
