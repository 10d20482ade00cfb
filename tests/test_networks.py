"""A home for each regional network (issue 17, first part): a network with its members and a
key, its boards listed by state with facilitator links the key opens, new boards with the
members filled in (party links included), and nobody else getting in."""

from __future__ import annotations

import httpx


def post(server, path: str, body: object, key: str | None = None) -> httpx.Response:  # noqa: ANN001
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(server.url + path, json=body, headers=headers, timeout=10)


def network(server, key: str, network_id: str) -> httpx.Response:  # noqa: ANN001
    return httpx.get(f"{server.url}/api/networks/{network_id}", timeout=10,
                     headers={"Authorization": f"Bearer {key}"})


MEMBERS = [{"name": "Gemeente Noord", "short_name": "GN", "color": "#0072b2",
            "contact": "Ayla, ayla@example.org"},
           {"name": "Zorggroep", "color": "#009e73"}, {"name": "Stichting Jeugd"}]


def test_a_network_keeps_its_members_and_boards_behind_its_key(server):
    made = post(server, "/api/networks", {"name": "Jeugd in Noord", "members": MEMBERS})
    assert made.status_code == 201, made.text
    net = made.json()
    key, net_id = net["key"], net["id"]
    assert net["link"].endswith(f"/n/{net_id}?key={key}")
    assert [m["name"] for m in net["members"]] == ["Gemeente Noord", "Zorggroep",
                                                   "Stichting Jeugd"]
    assert network(server, key, net_id).json()["boards"] == []

    # A board for the network: its members are the partners, in their colours, with links.
    board = post(server, f"/api/networks/{net_id}/boards",
                 {"canvas": "partnership-map", "title": "Kaart 2026", "language": "nl"}, key)
    assert board.status_code == 201, board.text
    answer = board.json()
    assert [(p["name"], p["color"]) for p in answer["partners"]] == [
        ("Gemeente Noord", "#0072b2"), ("Zorggroep", "#009e73"),
        ("Stichting Jeugd", answer["partners"][2]["color"])]
    assert [p["name"] for p in answer["parties"]] == ["Gemeente Noord", "Zorggroep",
                                                      "Stichting Jeugd"]

    # The network lists it, and its link opens the board as facilitator.
    [listed] = network(server, key, net_id).json()["boards"]
    assert (listed["id"], listed["state"], listed["title"]) == (answer["id"], "open", "Kaart 2026")
    token = listed["link"].split("token=")[1]
    assert token == answer["tokens"]["facilitator"]
    info = httpx.get(f"{server.url}/api/boards/{answer['id']}", timeout=10,
                     headers={"Authorization": f"Bearer {token}"}).json()
    assert info["role"] == "facilitator"

    # Finalized: the network shows it as such.
    facilitator = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{server.url}/api/boards/{answer['id']}/finalize", headers=facilitator,
                      timeout=10).status_code == 200
    states = {b["id"]: b["state"] for b in network(server, key, net_id).json()["boards"]}
    assert states == {answer["id"]: "finalized"}

    # A board made without a network is not listed, and keeps working.
    alone = server.create_board()
    assert alone["id"] not in {b["id"] for b in network(server, key, net_id).json()["boards"]}


def test_nobody_without_the_key_gets_in(server):
    net = post(server, "/api/networks", {"name": "Regio Oost", "members": MEMBERS}).json()
    other = post(server, "/api/networks", {"name": "Regio West", "members": []}).json()
    assert network(server, other["key"], net["id"]).status_code == 403
    assert httpx.get(f"{server.url}/api/networks/{net['id']}", timeout=10).status_code == 401
    assert network(server, "x" * 43, "no-such-network").status_code == 403
    made = post(server, f"/api/networks/{net['id']}/boards",
                {"canvas": "partnership-map", "title": "X"}, other["key"])
    assert made.status_code == 403
    # A board's own facilitator token is no network key.
    board = post(server, f"/api/networks/{net['id']}/boards",
                 {"canvas": "game-rules", "title": "Spelregels"}, net["key"]).json()
    assert network(server, board["tokens"]["facilitator"], net["id"]).status_code == 403
    page = httpx.get(f"{server.url}/n/{net['id']}?key={other['key']}", timeout=10)
    assert page.status_code == 403 and "not (or no longer) valid" in page.text


def test_bad_network_input_gets_a_clear_answer(server):
    for body, words in (
        ({"members": []}, "'name'"),
        ({"name": "N", "members": "Gemeente"}, "'members'"),
        ({"name": "N", "members": [{"name": "A"}, {"name": "a"}]}, "twice"),
        ({"name": "N", "members": [{"name": "A", "color": "red"}]}, "colour"),
        ({"name": "N", "members": [{"name": "A"}] * 41}, "'members'"),
    ):
        answer = post(server, "/api/networks", body)
        assert answer.status_code == 400, body
        assert words in answer.json()["error"]
    net = post(server, "/api/networks", {"name": "N"}).json()
    assert post(server, f"/api/networks/{net['id']}/boards", {"canvas": "nope", "title": "T"},
                net["key"]).status_code == 404


def test_creating_networks_is_rate_limited_per_address(tmp_path):
    from conftest import ServerProcess

    limited = ServerProcess(tmp_path / "data", "--create-per-minute", "2").start()
    try:
        codes = [post(limited, "/api/networks", {"name": f"N{i}"}).status_code for i in range(3)]
        assert codes == [201, 201, 429]
    finally:
        limited.stop()
