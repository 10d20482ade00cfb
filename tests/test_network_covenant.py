"""Issue 17: the network's covenant, composed from the latest finalized board of each canvas,
made in versions on request, with what changed between versions (section and item level) and
which member organisations signed the boards each version is made of."""

from __future__ import annotations

import asyncio

import httpx
from test_network_members import call, finalize, make_network, network_board
from yclient import connected, wait_for


def centre(server, canvas: str, zone: str) -> tuple[float, float]:  # noqa: ANN001
    spec = httpx.get(f"{server.url}/api/canvases/{canvas}", timeout=10).json()
    rect = next(z["rect"] for z in spec["zones"] if z["id"] == zone)
    return rect["x"] + rect["w"] / 2 - 80, rect["y"] + rect["h"] / 2 - 50


def edit(server, board: dict, notes: dict[str, tuple[str, str]] = {},  # noqa: ANN001, B006
         reword: dict[str, str] = {}, remove: tuple[str, ...] = ()) -> None:  # noqa: B006
    """Add notes (id -> (zone, text)), reword and remove notes, as the board's facilitator."""
    canvas = call(server, "GET", f"/api/boards/{board['id']}",
                  board["tokens"]["facilitator"]).json()["canvas"]

    async def work() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            await asyncio.wait_for(client.synced.wait(), 10)
            for note_id, (zone, text) in notes.items():
                x, y = centre(server, canvas, zone)
                client.add_note(note_id, text, x=x, y=y, org="Gemeente Noord")
            for note_id, text in reword.items():
                body = client.elements[note_id]["text"]
                body.clear()
                body += text
            for note_id in remove:
                del client.elements[note_id]
            await client.flush()
        async with connected(server.board_ws(board, "observer")) as check:
            await wait_for(lambda: all(k in check.elements for k in notes)
                           and not any(k in check.elements for k in remove),
                           what="the edits are stored")

    asyncio.run(work())


def versions(server, net: dict) -> list[dict]:  # noqa: ANN001
    answer = call(server, "GET", f"/api/networks/{net['id']}/covenants", net["key"])
    assert answer.status_code == 200, answer.text
    return answer.json()


def sign(server, board: dict, index: int, name: str) -> None:  # noqa: ANN001
    signed = call(server, "POST", f"/api/boards/{board['id']}/signatures",
                  board["parties"][index]["token"], json={"name": name})
    assert signed.status_code == 201, signed.text


def test_the_network_covenant_is_versioned_with_changes_and_signatures(server):
    net = make_network(server)
    path = f"/api/networks/{net['id']}/covenants"
    assert call(server, "POST", path, net["key"]).status_code == 409  # nothing finalized yet
    card = network_board(server, net)
    edit(server, card, {"v1": ("values", "Every child grows up safe"),
                        "r1": ("relations", "We meet every month")})
    finalize(server, card)
    rules = network_board(server, net, "game-rules")
    edit(server, rules, {"g1": ("rules", "Call before you escalate")})
    finalize(server, rules)
    network_board(server, net, "building-blocks")  # open: not part of any version

    first = call(server, "POST", path, net["key"])
    assert first.status_code == 201, first.text
    one = first.json()
    assert one["version"] == 1 and one["changes"] is None
    assert {b["id"] for b in one["boards"]} == {card["id"], rules["id"]}
    again = call(server, "POST", path, net["key"])
    assert again.status_code == 409 and "these very boards" in again.json()["error"]

    # Gemeente Noord signs both parts, Zorggroep one of them.
    sign(server, card, 0, "Ayla Noord")
    sign(server, rules, 0, "Ayla Noord")
    sign(server, rules, 1, "Bas Zorg")
    signed = {s["name"]: (s["signed"], s["parts"]) for s in versions(server, net)[0]["signatures"]}
    assert signed == {"Gemeente Noord": (2, 2), "Zorggroep": (1, 2), "Stichting Jeugd": (0, 2)}

    # A new version of the map, made through the board: one note reworded, one removed, one new.
    version = call(server, "POST", f"/api/boards/{card['id']}/versions",
                   card["tokens"]["facilitator"]).json()
    edit(server, version, {"v2": ("values", "Parents are heard")},
         reword={"r1": "We meet every two weeks"}, remove=("v1",))
    finalize(server, version)
    second = call(server, "POST", path, net["key"])
    assert second.status_code == 201, second.text
    two = second.json()
    assert two["version"] == 2
    assert {b["id"] for b in two["boards"]} == {version["id"], rules["id"]}
    changes = two["changes"]
    assert changes["sections_added"] == [] and changes["sections_removed"] == []
    by_section = {s["id"]: s for s in changes["sections"]}
    assert by_section["values"]["added"] == ["Parents are heard"]
    assert by_section["values"]["removed"] == ["Every child grows up safe"]
    assert by_section["process_agreements"]["reworded"] == [
        {"before": "We meet every month", "after": "We meet every two weeks"}]
    assert "game_rules" not in by_section  # the same rules board: nothing changed there
    # The new map is not signed yet: Gemeente Noord signed one part of two now.
    signed = {s["name"]: (s["signed"], s["parts"]) for s in versions(server, net)[1]["signatures"]}
    assert signed["Gemeente Noord"] == (1, 2)

    # Each version downloads in every format, with its own hash; version 1 never changes.
    first_html = call(server, "GET", f"{path}/1?format=html", net["key"])
    assert first_html.status_code == 200 and "Every child grows up safe" in first_html.text
    assert first_html.headers["x-covenant-sha256"] == one["sha256"]
    call(server, "PATCH", f"/api/networks/{net['id']}/members/m1", net["key"],
         json={"name": "Gemeente Noorderland"})
    assert [v["sha256"] for v in versions(server, net)] == [one["sha256"], two["sha256"]]
    doc = call(server, "GET", f"{path}/2?format=json", net["key"]).json()
    assert "Gemeente Noord" in [p["name"] for p in doc["parties"]]
    assert {s["name"] for s in doc["signatures"]} == {"Ayla Noord", "Bas Zorg"}
    assert call(server, "GET", f"{path}/2?format=docx", net["key"]).status_code == 200

    page = call(server, "GET", f"/n/{net['id']}?key={net['key']}&lang=en").text
    assert "Version 2" in page and "reworded" in page and "signed 1 of 2 parts" in page


def test_covenant_versions_refuse_wrong_keys_unknown_versions_and_bad_formats(server):
    net, other = make_network(server), make_network(server)
    board = network_board(server, net, "game-rules")
    finalize(server, board)
    path = f"/api/networks/{net['id']}/covenants"
    assert call(server, "POST", path).status_code == 401
    assert call(server, "POST", path, other["key"]).status_code == 403
    assert call(server, "POST", path, board["tokens"]["facilitator"]).status_code == 403
    assert call(server, "POST", path, net["key"]).status_code == 201
    assert call(server, "GET", f"{path}/1", other["key"]).status_code == 403
    for version in ("2", "0", "x", "1e9"):
        assert call(server, "GET", f"{path}/{version}", net["key"]).status_code == 404
    assert call(server, "GET", f"{path}/1?format=exe", net["key"]).status_code == 400
    # Another network's boards never enter this network's covenant.
    theirs = network_board(server, other, "partnership-map")
    finalize(server, theirs)
    assert call(server, "POST", path, net["key"]).status_code == 409
    page = call(server, "POST", f"/n/{net['id']}/covenants", data={"key": net["key"]})
    assert page.status_code == 409
