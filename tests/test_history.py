"""A board's history and restore, against a real server with pycrdt clients."""

from __future__ import annotations

import asyncio

import httpx
from pycrdt import Map
from test_attribution import values_spot
from yclient import YClient, connected, wait_for

from partnerboard.server.history import POINT_SPAN, history_points
from partnerboard.server.store import HistoryUpdate


def api(server, method: str, path: str, token: str, **kwargs) -> httpx.Response:
    return httpx.request(method, server.url + path, timeout=20,
                         headers={"Authorization": f"Bearer {token}"}, **kwargs)


def board_view(doc) -> dict[str, tuple[str, float, float]]:
    """What a user sees of each note: its text and position."""
    return {key: (str(value["text"]), value["x"], value["y"])
            for key, value in doc.get("elements", type=Map).items()}


def json_view(board: dict) -> dict[str, tuple[str, float, float]]:
    elements = board["elements"]
    return {key: (value["text"], value["x"], value["y"]) for key, value in elements.items()}


def test_facilitator_restores_the_moment_before_a_participant_vandalised_the_board(own_server):
    server = own_server.start()
    board = server.create_board()
    fac = board["tokens"]["facilitator"]
    base = f"/api/boards/{board['id']}"

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator, \
                connected(server.board_ws(board)) as vandal:
            for index in range(6):
                facilitator.add_note(f"n{index}", f"idea {index}", x=100 + 200 * index, y=300)
            await facilitator.flush()
            await wait_for(lambda: len(vandal.elements) == 6, what="vandal has the notes")
            vandal.elements["n1"]["x"] = 999.0
            await vandal.flush()
            await wait_for(lambda: facilitator.elements["n1"]["x"] == 999.0, what="moved")
            good = board_view(facilitator.doc)
            before = api(server, "GET", base + "/history", fac).json()[-1]["seq"]
            assert json_view(api(server, "GET", f"{base}/history/{before}", fac).json()) == good

            # A bystander goes offline holding the good board; it will return after the restore.
            bystander = await YClient(server.board_ws(board)).connect()
            await asyncio.wait_for(bystander.synced.wait(), 5)
            await wait_for(lambda: board_view(bystander.doc) == good, what="bystander synced")
            # The vandal scribbles over three notes and deletes every one.
            for key in ("n0", "n2", "n4"):
                text = vandal.elements[key]["text"]
                text.clear()
                text += "ZZZZ"
            await vandal.flush()
            for key in list(vandal.elements.keys()):
                del vandal.elements[key]
            await vandal.flush()
            await wait_for(lambda: len(facilitator.elements) == 0, what="vandalism arrived")
            await wait_for(lambda: len(bystander.elements) == 0, what="bystander saw it")
            offline_doc = bystander.doc
            await bystander.close()

            answer = api(server, "POST", base + "/restore", fac, json={"seq": before})
            assert answer.status_code == 200, answer.text
            for client in (facilitator, vandal):
                await wait_for(lambda c=client: board_view(c.doc) == good,
                               what=lambda c=client: f"restored: {board_view(c.doc)}")
            async with connected(server.board_ws(board), doc=offline_doc) as returning:
                await wait_for(lambda: board_view(returning.doc) == good, what="returning client")
            async with connected(server.board_ws(board, "observer")) as fresh:
                assert board_view(fresh.doc) == good

        points = api(server, "GET", base + "/history", fac).json()
        restores = [p for p in points if "restore_of" in p]
        assert [(p["by"], p["restore_of"]) for p in restores] == [("facilitator", before)]
        vandalism = [p for p in points if before < p["seq"] < restores[0]["seq"]]
        assert vandalism and {p["by"] for p in vandalism} == {"participant"}
        vandalised = api(server, "GET", f"{base}/history/{vandalism[-1]['seq']}", fac).json()
        assert vandalised["elements"] == {}
        # Every update is kept: the last moment before the deletions shows the scribbles.
        moments = [api(server, "GET", f"{base}/history/{seq}", fac).json()["elements"]
                   for seq in range(before + 1, restores[0]["seq"])]
        scribbled = [elements for elements in moments if len(elements) == 6][-1]
        assert sorted(k for k, v in scribbled.items() if v["text"] == "ZZZZ") == ["n0", "n2", "n4"]
        # The per-note history shows its text before, the scribble, the deletion, the return.
        steps = api(server, "GET", f"{base}/history/elements/n0", fac).json()
        seen = [s["element"]["text"] if s["element"] else None for s in steps]
        assert seen[0] == "idea 0" and "ZZZZ" in seen and None in seen and seen[-1] == "idea 0"

    asyncio.run(scenario())


def test_history_survives_compaction_and_a_restart(tmp_path):
    from conftest import ServerProcess

    server = ServerProcess(tmp_path / "data", "--compact-every", "3",
                           "--room-idle-seconds", "0").start()
    try:
        board = server.create_board()
        fac = board["tokens"]["facilitator"]
        base = f"/api/boards/{board['id']}"

        async def edit() -> None:
            async with connected(server.board_ws(board)) as client:
                for index in range(12):
                    client.add_note(f"n{index}", f"note {index}")
                    await client.flush()
                    await wait_for(lambda i=index: len(client.elements) == i + 1)

        asyncio.run(edit())
        server.kill()
        server.start()
        points = api(server, "GET", base + "/history", fac).json()
        assert points[0]["start"] and sum(p["updates"] for p in points) >= 12
        first = api(server, "GET", f"{base}/history/{points[0]['seq']}", fac).json()
        assert first["elements"] == {} and first["meta"]["title"] == "Test board"
        seen = [len(api(server, "GET", f"{base}/history/{p['seq']}", fac).json()["elements"])
                for p in points]
        assert seen == sorted(seen) and seen[-1] == 12
    finally:
        server.stop()


def test_history_is_for_the_facilitator_and_restore_refuses_bad_input(server):
    board = server.create_board()
    tokens = board["tokens"]
    base = f"/api/boards/{board['id']}"
    for role in ("participant", "observer"):
        assert api(server, "GET", base + "/history", tokens[role]).status_code == 403
        assert api(server, "GET", base + "/history/0", tokens[role]).status_code == 403
        assert api(server, "POST", base + "/restore", tokens[role],
                   json={"seq": 0}).status_code == 403
    fac = tokens["facilitator"]
    for body in ({}, {"seq": "x"}, {"seq": -1}, {"seq": True}, {"seq": 2**70}, [1]):
        answer = api(server, "POST", base + "/restore", fac, json=body)
        assert answer.status_code == 400, (body, answer.text)
    assert api(server, "GET", base + "/history/abc", fac).status_code == 400
    start = api(server, "GET", base + "/history", fac).json()[0]["seq"]
    assert api(server, "POST", base + "/restore", fac, json={"seq": start}).status_code == 200
    assert api(server, "POST", base + "/finalize", fac).status_code == 200
    answer = api(server, "POST", base + "/restore", fac, json={"seq": start})
    assert answer.status_code == 409 and "finalized" in answer.json()["error"]


def test_people_typing_at_once_share_a_point_that_lists_each_of_them():
    ayla = {"party": "p1", "seat": "s1", "name": "Ayla", "org": "Zorg"}
    gijs = {"seat": "s2", "name": "Gijs", "org": "Omega"}
    updates = [HistoryUpdate(seq, 1000.0 + seq * 0.1, "participant",
                             **(ayla if seq % 2 else gijs)) for seq in range(1, 21)]
    points = history_points(updates, 0, 999.0, {"p1": "Zorg"})
    assert len(points) == 2 and points[1]["updates"] == 20
    assert [(s["name"], s["org"], s["guest"], s["party"]) for s in points[1]["senders"]] == [
        ("Ayla", "Zorg", False, {"id": "p1", "name": "Zorg"}), ("Gijs", "Omega", True, None)]


def test_points_come_at_least_every_five_seconds_and_split_by_sender():
    updates = [HistoryUpdate(seq, 1000.0 + seq * 0.5, "participant") for seq in range(1, 31)]
    updates += [HistoryUpdate(31, 1016.0, "facilitator"), HistoryUpdate(32, 1016.1, "facilitator")]
    updates += [HistoryUpdate(33, 1016.2, "facilitator", "restore:5")]
    points = history_points(updates, 0, 999.0)
    assert points[0]["start"] and points[0]["seq"] == 0
    participant = [p for p in points if p["by"] == "participant"]
    assert len(participant) >= 3
    assert sum(p["updates"] for p in points) == 33
    for point in participant:
        assert (point["seq"] - point["from_seq"]) * 0.5 < POINT_SPAN
    assert [p["by"] for p in points[-2:]] == ["facilitator", "facilitator"]
    assert points[-1]["restore_of"] == 5 and points[-1]["updates"] == 1


def test_each_update_records_its_party_and_seat_and_keeps_them_after_the_seat_goes(server):
    """'Who sent it (role, party or seat)': a party link's seat, a guest seat, and a connection
    without a seat each show as such in the history and in a note's history, also after the
    facilitator removed the seat (the name is kept with the update)."""
    board = server.create_board()
    fac = board["tokens"]["facilitator"]
    base = f"/api/boards/{board['id']}"
    zorg = next(p["token"] for p in board["parties"] if p["name"] == "Zorg")
    guest = board["tokens"]["participant"]

    def seat(token: str, name: str, org: str = "") -> str:
        answer = api(server, "POST", base + "/seats", token, json={"name": name, "org": org})
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    ayla, gijs = seat(zorg, "Ayla"), seat(guest, "Gijs", "Omega")

    def ws(token: str, seat_id: str | None = None) -> str:
        return f"{server.ws_url}/{board['id']}?token={token}" + (
            f"&seat={seat_id}" if seat_id else "")

    async def edit() -> None:
        async with connected(ws(zorg, ayla)) as a, connected(ws(guest, gijs)) as g, \
                connected(ws(zorg)) as unseated:
            a.add_note("a1", "Short lines", **values_spot())
            await a.flush()
            await wait_for(lambda: "a1" in g.elements, what="Ayla's note")
            text = g.elements["a1"]["text"]
            text.insert(len(str(text)), " please")  # the guest edits Zorg's note
            await g.flush()
            await wait_for(lambda: str(a.elements["a1"]["text"]).endswith("please"))
            unseated.add_note("u1", "Nameless", **values_spot(120))
            await unseated.flush()
            await wait_for(lambda: "u1" in a.elements, what="the unseated note")

    asyncio.run(edit())
    assert api(server, "DELETE", f"{base}/seats/{ayla}", fac).status_code == 200

    points = api(server, "GET", base + "/history", fac).json()
    senders = [s for p in points if not p.get("start") for s in p["senders"]]
    assert {"role": "participant", "party": {"id": "p2", "name": "Zorg"}, "seat": ayla,
            "name": "Ayla", "org": "Zorg", "guest": False} in senders
    assert {"role": "participant", "party": None, "seat": gijs, "name": "Gijs", "org": "Omega",
            "guest": True} in senders
    assert {"role": "participant", "party": {"id": "p2", "name": "Zorg"}, "seat": None,
            "name": None, "org": None, "guest": False} in senders
    assert all(p["by"] == "participant" for p in points if not p.get("start"))
    # Each sender is listed once per point, in the order of their first update.
    order = [s["name"] for s in senders]
    assert order.index("Ayla") < order.index("Gijs") < order.index(None)
    for point in points:
        assert len({(s["party"] or {}).get("id", "") + (s["seat"] or "")
                    for s in point["senders"]}) == len(point["senders"])

    steps = api(server, "GET", base + "/history/elements/a1", fac).json()
    by = [(s["sender"]["name"], s["element"]["text"]) for s in steps if s["element"]]
    assert ("Ayla", "Short lines") in by and ("Gijs", "Short lines please") in by
    # Written to the store itself, not only worked out when answering.
    stored = server.query(f"SELECT sender, party, seat, person, org FROM updates WHERE board_id ="
                          f" '{board['id']}' AND seat IS NOT NULL ORDER BY id")
    assert ("participant", "p2", ayla, "Ayla", "Zorg") in stored
    assert ("participant", None, gijs, "Gijs", "Omega") in stored
