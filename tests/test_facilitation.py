"""Facilitation on the server: voting rules and participation counts, with real clients."""

from __future__ import annotations

import asyncio
import json

import httpx
from pycrdt import Map
from yclient import connected, wait_for

from partnerboard.canvases.partnership_map.spec import SPEC


def spot(zone_id: str, offset: int = 0) -> dict[str, float]:
    rect = SPEC.zone(zone_id).rect
    return {"x": rect.x + 20, "y": rect.y + 20 + offset}


def call(server, method: str, path: str, token: str, body: object = None) -> httpx.Response:
    return httpx.request(method, server.url + path, json=body, timeout=10,
                         headers={"Authorization": f"Bearer {token}"})


def add_notes(server, board, notes: dict[str, tuple[str, str]]) -> None:
    """notes: id -> (zone, organisation)."""

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            for index, (note_id, (zone, org)) in enumerate(notes.items()):
                client.add_note(note_id, f"text of {note_id}", org=org, **spot(zone, index * 5))
            await client.flush()

    asyncio.run(scenario())


def join(server, board, token: str, name: str, org: str = "") -> str:
    """A seat for ``name`` through the link of ``token``: votes are cast by seats."""
    answer = call(server, "POST", f"/api/boards/{board['id']}/seats", token,
                  {"name": name, "org": org})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_voting_round_rules_and_hidden_results(server):
    board = server.create_board()
    add_notes(server, board, {"a": ("values", "Gemeente"), "b": ("values", "Zorg")})
    tokens = board["tokens"]
    base = f"/api/boards/{board['id']}"
    voter_1 = join(server, board, tokens["participant"], "Ayla")
    voter_2 = join(server, board, tokens["participant"], "Bram")
    voter_f = join(server, board, tokens["facilitator"], "Fenna")
    vote = {"element": "a", "seat": voter_1}
    assert call(server, "POST", base + "/votes", tokens["participant"], vote).status_code == 409
    assert call(server, "POST", base + "/voting", tokens["participant"],
                {"votes_per_participant": 2}).status_code == 403
    bad = call(server, "POST", base + "/voting", tokens["facilitator"],
               {"votes_per_participant": 0})
    assert bad.status_code == 400
    opened = call(server, "POST", base + "/voting", tokens["facilitator"],
                  {"votes_per_participant": 2})
    assert opened.status_code == 201 and opened.json()["round"] == 1
    assert call(server, "POST", base + "/voting", tokens["facilitator"],
                {"votes_per_participant": 2}).status_code == 409

    assert call(server, "POST", base + "/votes", tokens["observer"], vote).status_code == 403
    first = call(server, "POST", base + "/votes", tokens["participant"], vote)
    assert first.status_code == 200 and first.json()["remaining"] == 1
    second = call(server, "POST", base + "/votes", tokens["participant"],
                  {"element": "b", "seat": voter_1})
    assert second.json() == {"round": 1, "mine": {"a": 1, "b": 1}, "remaining": 0}
    third = call(server, "POST", base + "/votes", tokens["participant"], vote)
    assert third.status_code == 409 and "all your votes" in third.json()["error"]
    missing = call(server, "POST", base + "/votes", tokens["participant"],
                   {"element": "nope", "seat": voter_2})
    assert missing.status_code == 404
    taken_back = call(server, "DELETE", base + "/votes", tokens["participant"],
                      {"element": "b", "seat": voter_1})
    assert taken_back.json()["remaining"] == 1
    call(server, "POST", base + "/votes", tokens["participant"], vote)
    call(server, "POST", base + "/votes", tokens["facilitator"], {"element": "b", "seat": voter_f})

    async def hidden_then_shown() -> None:
        async with connected(server.board_ws(board, "observer")) as watcher:
            meta = watcher.doc.get("meta", type=Map)
            assert "results" not in meta["voting"]  # hidden while open
            closed = await asyncio.to_thread(
                call, server, "POST", base + "/voting/close", tokens["facilitator"])
            assert closed.json()["results"] == {"a": 2, "b": 1}
            await wait_for(lambda: meta["voting"].get("open") is False, what="closed round")
            assert meta["voting"]["results"] == {"a": 2, "b": 1}

    asyncio.run(hidden_then_shown())
    assert call(server, "POST", base + "/votes", tokens["participant"], vote).status_code == 409
    again = call(server, "POST", base + "/voting", tokens["facilitator"],
                 {"votes_per_participant": 1})
    assert again.json()["round"] == 2


def test_participation_counts_notes_and_edits_per_organisation_and_step(server):
    board = server.create_board(partners=[{"name": "Gemeente"}, {"name": "Zorg"},
                                          {"name": "School"}])
    zorg = next(p for p in board["parties"] if p["name"] == "Zorg")
    zorg_url = f"{server.ws_url}/{board['id']}?token={zorg['token']}"

    async def scenario() -> None:
        async with connected(zorg_url) as client:
            await client.set_presence(101, 1, {"user": {"name": "Ayla", "org": "Zorg"}})
            client.add_note("z1", "a", **spot("values"))
            client.add_note("z2", "b", **spot("relations"))
            await client.flush()
        async with connected(server.board_ws(board, "facilitator")) as client:
            client.add_note("g1", "c", org="Gemeente", **spot("values", 120))
            client.add_note("w1", "d", org="Wijkbewoners", **spot("parking"))
            await client.flush()
            async with connected(server.board_ws(board, "observer")) as check:
                await wait_for(lambda: len(check.elements) == 4, what="notes stored")

    asyncio.run(scenario())
    answer = call(server, "GET", f"/api/boards/{board['id']}/participation",
                  board["tokens"]["facilitator"])
    assert answer.status_code == 200
    data = answer.json()
    rows = {row["name"]: row for row in data["organisations"]}
    assert rows["Zorg"]["notes"] == 2 and rows["Zorg"]["notes_per_step"] == {"1": 1, "2": 1}
    assert rows["Zorg"]["edits"] == 2  # the two updates that came over Zorg's link
    assert rows["Gemeente"]["notes"] == 1 and rows["Gemeente"]["edits"] == 0
    assert rows["Wijkbewoners"]["invited"] is False
    assert data["silent_partners"] == ["School"]
    assert [step["notes"] for step in data["steps"]] == [2, 1, 0, 0, 0]
    assert call(server, "GET", f"/api/boards/{board['id']}/participation",
                board["tokens"]["participant"]).status_code == 403
    json.dumps(data)


def test_group_boards_merge_into_one_board_and_compare_per_zone(server):
    groups = {
        "Professionals": {"p1": ("values", "Zorg", "Safe streets for children"),
                          "p2": ("values", "Zorg", "Short lines between teams"),
                          "p3": ("actions", "Gemeente", "Start a pilot in March"),
                          "p4": ("parking", "Zorg", "A parked idea")},
        "Residents": {"r1": ("values", "Bewoners", "Children safe on the streets"),
                      "r2": ("relations", "Bewoners", "Monthly meeting in the library")},
    }
    boards = []
    for title, notes in groups.items():
        board = server.create_board(title=title, partners=[{"name": "Zorg"}, {"name": "Bewoners"}])

        async def fill(board=board, notes=notes) -> None:
            async with connected(server.board_ws(board, "facilitator")) as client:
                for index, (note_id, (zone, org, text)) in enumerate(notes.items()):
                    client.add_note(note_id, text, org=org, **spot(zone, index * 5))
                await client.flush()

        asyncio.run(fill())
        boards.append(board)

    body = {"title": "Together", "boards": [
        {"id": board["id"], "token": board["tokens"]["facilitator"]} for board in boards
    ]}
    wrong = {"title": "x", "boards": [{"id": b["id"], "token": b["tokens"]["participant"]}
                                      for b in boards]}
    assert httpx.post(server.url + "/api/boards/merge", json=wrong).status_code == 403
    other_canvas = server.create_board(canvas="game-rules")
    mixed = {"title": "x", "boards": body["boards"][:1] + [
        {"id": other_canvas["id"], "token": other_canvas["tokens"]["facilitator"]}]}
    assert httpx.post(server.url + "/api/boards/merge", json=mixed).status_code == 400
    answer = httpx.post(server.url + "/api/boards/merge", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    merged = answer.json()

    async def inspect() -> None:
        async with connected(server.board_ws(merged, "observer")) as client:
            elements = client.elements
            assert len(elements) == 6
            per_zone_and_group: dict[tuple[str, str], int] = {}
            for element in elements.values():
                zone = next((z.id for z in SPEC.zones if z.rect.contains(
                    element["x"] + element["w"] / 2, element["y"] + element["h"] / 2)), None)
                key = (zone, element["group_label"])
                per_zone_and_group[key] = per_zone_and_group.get(key, 0) + 1
            assert per_zone_and_group == {
                ("values", "Professionals"): 2, ("actions", "Professionals"): 1,
                ("parking", "Professionals"): 1, ("values", "Residents"): 1,
                ("relations", "Residents"): 1,
            }
            groups_meta = client.doc.get("meta", type=Map)["groups"]
            assert [g["title"] for g in groups_meta] == ["Professionals", "Residents"]
            assert len({g["color"] for g in groups_meta}) == 2

    asyncio.run(inspect())
    compared = call(server, "GET", f"/api/boards/{merged['id']}/compare",
                    merged["tokens"]["participant"]).json()["zones"]
    values = next(zone for zone in compared if zone["zone"] == "values")
    assert [sorted(t["text"] for t in c["texts"]) for c in values["shared"]] == [
        ["Children safe on the streets", "Safe streets for children"]
    ]
    assert values["shared"][0]["groups"] == ["Professionals", "Residents"]
    assert [c["texts"][0]["text"] for c in values["single"]] == ["Short lines between teams"]
