"""Issue 17: member organisations kept once (renamed on every open board, live; finalized
boards keep them as agreed; leaving members are not offered again), and boards listed
whatever way they were made (a version made through the board itself too)."""

from __future__ import annotations

import asyncio

import httpx
from pycrdt import Map
from yclient import connected, wait_for

MEMBERS = [{"name": "Gemeente Noord", "short_name": "GN", "color": "#0072b2"},
           {"name": "Zorggroep", "color": "#009e73"}, {"name": "Stichting Jeugd"}]


def call(server, method: str, path: str, key: str | None = None, **kwargs) -> httpx.Response:  # noqa: ANN001, ANN003
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.request(method, server.url + path, headers=headers, timeout=20, **kwargs)


def make_network(server, members=MEMBERS) -> dict:  # noqa: ANN001
    made = call(server, "POST", "/api/networks", json={"name": "Jeugd Noord", "members": members})
    assert made.status_code == 201, made.text
    return made.json()


def network_board(server, net: dict, canvas: str = "partnership-map", **body) -> dict:  # noqa: ANN001, ANN003
    made = call(server, "POST", f"/api/networks/{net['id']}/boards", net["key"],
                json={"canvas": canvas, "title": f"{canvas} board", "language": "en", **body})
    assert made.status_code == 201, made.text
    return made.json()


def finalize(server, board: dict) -> dict:  # noqa: ANN001
    done = call(server, "POST", f"/api/boards/{board['id']}/finalize",
                board["tokens"]["facilitator"])
    assert done.status_code == 200, done.text
    return done.json()


def party_name(server, board: dict, index: int) -> str:  # noqa: ANN001
    token = board["parties"][index]["token"]
    return call(server, "GET", f"/api/boards/{board['id']}", token).json()["party"]["name"]


def test_renaming_a_member_shows_live_on_open_boards_and_never_on_finalized_ones(server):
    net = make_network(server)
    live = network_board(server, net)
    agreed = network_board(server, net, "game-rules")
    before = finalize(server, agreed)
    members = f"/api/networks/{net['id']}/members"

    async def scenario() -> None:
        async with connected(server.board_ws(live, "facilitator")) as facilitator, \
                connected(server.board_ws(live, "observer")) as watcher:
            await wait_for(lambda: "p1" in watcher.doc.get("partners", type=Map),
                           what="watcher synced")
            facilitator.add_note("n1", "Shared youth desk", x=2000, y=300, org="Gemeente Noord")
            await facilitator.flush()
            await wait_for(lambda: "n1" in watcher.elements, what="note arrived")
            changed = call(server, "PATCH", f"{members}/m1", net["key"],
                           json={"name": "Gemeente Noorderland", "color": "#112233",
                                 "contact": "Ayla <ayla@example.org>"})
            assert changed.status_code == 200, changed.text
            assert changed.json()["boards_updated"] == [live["id"]]
            for client in (watcher, facilitator):
                partners = client.doc.get("partners", type=Map)
                await wait_for(lambda p=partners: p["p1"]["name"] == "Gemeente Noorderland",
                               what="the rename reached the client")
                assert partners["p1"]["color"] == "#112233"
                assert partners["p1"]["contact"] == "Ayla <ayla@example.org>"
                assert partners["p1"]["short_name"] == "GN"
                assert client.elements["n1"]["org"] == "Gemeente Noorderland"

    asyncio.run(scenario())
    # The open board's party link now speaks for the new name; the finalized one's for the old.
    assert party_name(server, live, 0) == "Gemeente Noorderland"
    assert party_name(server, agreed, 0) == "Gemeente Noord"
    covenant = call(server, "GET", f"/api/boards/{agreed['id']}/covenant",
                    agreed["tokens"]["observer"]).json()
    assert covenant["covenant_sha256"] == before["covenant_sha256"]
    assert [p["name"] for p in covenant["parties"]][0] == "Gemeente Noord"
    # The rename is in the open board's history, as the facilitator's.
    points = call(server, "GET", f"/api/boards/{live['id']}/history",
                  live["tokens"]["facilitator"]).json()
    assert points[-1]["by"] == "facilitator"
    # A new board gets the member as it is now.
    fresh = network_board(server, net, "building-blocks")
    assert fresh["partners"][0]["name"] == "Gemeente Noorderland"
    assert fresh["partners"][0]["color"] == "#112233"


def test_a_member_that_leaves_stays_on_finalized_boards_and_is_not_offered_again(server):
    net = make_network(server)
    agreed = network_board(server, net)
    finalize(server, agreed)
    left = call(server, "DELETE", f"/api/networks/{net['id']}/members/m2", net["key"])
    assert left.status_code == 200 and left.json()["left_at"] > 0
    fresh = network_board(server, net)
    assert [p["name"] for p in fresh["partners"]] == ["Gemeente Noord", "Stichting Jeugd"]
    assert party_name(server, agreed, 1) == "Zorggroep"
    listed = call(server, "GET", f"/api/networks/{net['id']}", net["key"]).json()
    assert [m["name"] for m in listed["members"] if m.get("left_at")] == ["Zorggroep"]
    # Gone is gone: no rename, no second leave; the name is free for a new member.
    assert call(server, "PATCH", f"/api/networks/{net['id']}/members/m2", net["key"],
                json={"name": "Z"}).status_code == 409
    assert call(server, "DELETE", f"/api/networks/{net['id']}/members/m2",
                net["key"]).status_code == 409
    again = call(server, "POST", f"/api/networks/{net['id']}/members", net["key"],
                 json={"name": "Zorggroep", "color": "#cc79a7"})
    assert again.status_code == 201 and again.json()["id"] == "m4"


def test_member_changes_refuse_bad_input_wrong_keys_and_other_networks(server):
    net, other = make_network(server), make_network(server)
    path = f"/api/networks/{net['id']}/members"
    assert call(server, "PATCH", f"{path}/m1", json={"name": "X"}).status_code == 401
    assert call(server, "PATCH", f"{path}/m1", other["key"], json={"name": "X"}).status_code == 403
    for unknown in ("nope", "%00", "x" * 300):
        assert call(server, "PATCH", f"/api/networks/{unknown}/members/m1", net["key"],
                    json={"name": "X"}).status_code == 403
    board = network_board(server, net)
    # A board's facilitator token is not the network's key.
    assert call(server, "PATCH", f"{path}/m1", board["tokens"]["facilitator"],
                json={"name": "X"}).status_code == 403
    for body, status, words in (
        ({"color": "red"}, 400, "colour"),
        ({"name": ""}, 400, "'name'"),
        ({"name": 5}, 400, "'name'"),
        ({"name": "x" * 101}, 400, "longer"),
        ({}, 400, "changes nothing"),
        ({"name": "zorggroep"}, 409, "already"),
    ):
        answer = call(server, "PATCH", f"{path}/m1", net["key"], json=body)
        assert answer.status_code == status, (body, answer.text)
        assert words in answer.json()["error"]
    assert call(server, "PATCH", f"{path}/m9", net["key"], json={"name": "X"}).status_code == 404
    answer = call(server, "PATCH", f"{path}/m1", net["key"], content=b"[1]")
    assert answer.status_code == 400
    # Nothing changed anywhere.
    assert party_name(server, board, 0) == "Gemeente Noord"


def test_a_version_made_through_the_board_is_listed_with_the_members_of_now(server):
    net = make_network(server)
    first = network_board(server, net, "game-rules")
    finalize(server, first)
    call(server, "PATCH", f"/api/networks/{net['id']}/members/m3", net["key"],
         json={"name": "Stichting Jeugd en Gezin"})
    made = call(server, "POST", f"/api/boards/{first['id']}/versions",
                first["tokens"]["facilitator"])
    assert made.status_code == 201, made.text
    version = made.json()
    listed = {b["id"]: b for b in call(server, "GET", f"/api/networks/{net['id']}",
                                       net["key"]).json()["boards"]}
    assert listed[first["id"]]["state"] == "superseded"
    assert listed[version["id"]]["state"] == "open"
    assert listed[version["id"]]["predecessor"] == first["id"]
    assert listed[version["id"]]["partners"][2] == "Stichting Jeugd en Gezin"
    # Its link opens it as facilitator, though the network page never made it.
    token = listed[version["id"]]["link"].split("token=")[1]
    assert token == version["tokens"]["facilitator"]
    # A version of a version is found through the chain as well.
    finalize(server, version)
    third = call(server, "POST", f"/api/boards/{version['id']}/versions",
                 version["tokens"]["facilitator"]).json()
    listed = {b["id"]: b for b in call(server, "GET", f"/api/networks/{net['id']}",
                                       net["key"]).json()["boards"]}
    assert listed[third["id"]]["link"].endswith(third["tokens"]["facilitator"])
    # Another network's key sees none of it.
    other = make_network(server)
    seen = call(server, "GET", f"/api/networks/{other['id']}", other["key"]).json()["boards"]
    assert seen == []


def test_the_page_forms_change_and_remove_members_without_script(server):
    net = make_network(server)
    board = network_board(server, net)
    page = f"/n/{net['id']}/members"
    changed = call(server, "POST", f"{page}/m2?lang=en", follow_redirects=False,
                   data={"key": net["key"], "name": "Zorggroep Noord", "short_name": "ZN",
                         "color": "#cc79a7", "contact": ""})
    assert changed.status_code == 303, changed.text
    assert party_name(server, board, 1) == "Zorggroep Noord"
    refused = call(server, "POST", f"{page}/m2?lang=en",
                   data={"key": net["key"], "color": "<script>"})
    assert refused.status_code == 400 and "&lt;script&gt;" not in refused.text
    wrong = call(server, "POST", f"{page}/m2/leave", data={"key": "x" * 43})
    assert wrong.status_code == 403
    gone = call(server, "POST", f"{page}/m2/leave?lang=en", data={"key": net["key"]},
                follow_redirects=False)
    assert gone.status_code == 303
    html = call(server, "GET", f"/n/{net['id']}?key={net['key']}&lang=en").text
    assert "Organisations that left" in html and "Zorggroep Noord" in html
    hostile = call(server, "POST", page, data={"key": net["key"], "name": "<b>Bold</b> & co"},
                   follow_redirects=False)
    assert hostile.status_code == 303
    html = call(server, "GET", f"/n/{net['id']}?key={net['key']}&lang=en").text
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html and "<b>Bold" not in html


def test_a_change_made_meanwhile_elsewhere_is_not_overwritten(tmp_path, database_url):
    """Two requests (two nodes) read the members, both change them: the later write is refused
    (the API answers 409) instead of silently undoing the earlier one."""
    from conftest import app_settings

    from partnerboard.server.networks import new_network
    from partnerboard.server.store import open_store

    store = open_store(app_settings(tmp_path, database_url))
    try:
        network, _key = new_network(store, "N", [{"id": "m1", "name": "A", "color": ""}])
        first = store.network(network["id"])[0]["members"]
        second = store.network(network["id"])[0]["members"]
        assert store.set_network_members(network["id"], [{**first[0], "name": "B"}], first)
        assert not store.set_network_members(network["id"], [{**second[0], "left_at": 1.5}],
                                              second)
        assert store.network(network["id"])[0]["members"] == [{**first[0], "name": "B"}]
    finally:
        store.close()
