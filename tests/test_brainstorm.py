"""Private brainstorm (issue 14), tried as a participant with another client would: hidden
notes never reach other clients before the reveal, a seat reads and changes only its own, only
the facilitator starts and reveals, and the reveal puts every note on the board at once."""

from __future__ import annotations

import asyncio
import json

from pycrdt import Map
from test_seats import call, join
from yclient import connected

from partnerboard.canvases.partnership_map.spec import SPEC

SECRET = "Our budget is 40k short"


def party(board: dict, name: str) -> str:
    return next(p["token"] for p in board["parties"] if p["name"] == name)


def test_hidden_notes_stay_hidden_until_the_facilitator_reveals_them(server):
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    facilitator = board["tokens"]["facilitator"]
    gemeente, zorg = party(board, "Gemeente"), party(board, "Zorg")
    anna = join(server, board, gemeente, "Anna")["id"]
    bram = join(server, board, zorg, "Bram")["id"]
    guest = board["tokens"]["participant"]
    gijs = join(server, board, guest, "Gijs", "Omega")["id"]

    # Nothing before a round, and only the facilitator opens one.
    assert call(server, "POST", base + "/drafts", gemeente, {"seat": anna, "text": "x"}
                ).status_code == 409
    assert call(server, "POST", base + "/brainstorm", gemeente).status_code == 403
    # No step is chosen: the revealed notes land in the canvas's first zone.
    assert call(server, "POST", base + "/brainstorm", facilitator).status_code == 201
    assert call(server, "POST", base + "/brainstorm", facilitator).status_code == 409

    async def watch_and_write() -> dict:
        # An observer's client and another participant's client hold the live board throughout.
        async with connected(server.board_ws(board, "observer")) as watcher, \
                connected(server.board_ws(board, "participant")) as other:
            made = call(server, "POST", base + "/drafts", gemeente,
                        {"seat": anna, "text": SECRET})
            assert made.status_code == 201, made.text
            call(server, "POST", base + "/drafts", zorg, {"seat": bram, "text": "Weekly call"})
            call(server, "POST", base + "/drafts", guest, {"seat": gijs, "text": "Ask the youth"})
            await asyncio.sleep(0.5)
            for client in (watcher, other):
                assert SECRET not in json.dumps(client.doc.get("meta", type=Map).to_py())
                assert SECRET not in str(client.doc.get_update())
            counts = watcher.doc.get("meta", type=Map).to_py()["brainstorm"]["counts"]
            return {"made": made.json(), "counts": counts}

    seen = asyncio.run(watch_and_write())
    assert sorted((c["org"], c["guest"], c["n"]) for c in seen["counts"]) == [
        ("Gemeente", False, 1), ("Omega", True, 1), ("Zorg", False, 1)]
    draft = seen["made"]["id"]

    # A seat reads and changes only its own; another link's seat id gets it nothing.
    assert [d["text"] for d in call(server, "GET", base + "/drafts", gemeente,
                                    params={"seat": anna}).json()] == [SECRET]
    assert call(server, "GET", base + "/drafts", zorg, params={"seat": anna}).status_code == 403
    assert call(server, "PUT", f"{base}/drafts/{draft}", zorg,
                {"seat": bram, "text": "hijacked"}).status_code == 404
    assert call(server, "DELETE", f"{base}/drafts/{draft}", zorg,
                params={"seat": bram}).status_code == 404
    assert call(server, "PUT", f"{base}/drafts/{draft}", gemeente,
                {"seat": anna, "text": SECRET + "!"}).status_code == 200
    assert call(server, "POST", base + "/drafts", board["tokens"]["observer"],
                {"seat": anna, "text": "x"}).status_code == 403
    assert call(server, "POST", base + "/brainstorm/reveal", gemeente).status_code == 403

    revealed = call(server, "POST", base + "/brainstorm/reveal", facilitator)
    assert revealed.json() == {"revealed": 3, "round": 1}

    async def read() -> list[dict]:
        async with connected(server.board_ws(board, "observer")) as client:
            return [
                {k: str(v) if k == "text" else v for k, v in e.items()}
                for e in client.elements.values()
            ]

    notes = {note["text"]: note for note in asyncio.run(read())}
    assert set(notes) == {SECRET + "!", "Weekly call", "Ask the youth"}
    assert (notes[SECRET + "!"]["author"], notes[SECRET + "!"]["org"]) == ("Anna", "Gemeente")
    assert notes["Ask the youth"]["guest"] is True
    first_zone = next(zone.rect for zone in SPEC.zones if not zone.parking)
    for note in notes.values():
        assert first_zone.contains(note["x"] + 80, note["y"] + 50)
    # The round is over: drafts are gone and new ones are refused.
    assert call(server, "GET", base + "/drafts", gemeente, params={"seat": anna}).json() == []
    assert call(server, "POST", base + "/drafts", gemeente,
                {"seat": anna, "text": "late"}).status_code == 409


def test_a_participant_cannot_write_the_brainstorm_state_or_exceed_the_draft_limit(server):
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    gemeente = party(board, "Gemeente")
    anna = join(server, board, gemeente, "Anna")["id"]
    assert call(server, "POST", base + "/brainstorm", board["tokens"]["facilitator"]
                ).status_code == 201

    async def forge() -> dict:
        # A hand-made update as a participant: close the round and claim counts.
        async with connected(server.board_ws(board, "participant")) as client:
            client.doc.get("meta", type=Map)["brainstorm"] = {"open": False, "counts": [
                {"org": "Gemeente", "guest": False, "n": 99}]}
            await asyncio.sleep(0.5)
        async with connected(server.board_ws(board, "observer")) as reader:
            return reader.doc.get("meta", type=Map).to_py()["brainstorm"]

    state = asyncio.run(forge())
    assert state["open"] is True and state["counts"] == []
    codes = [call(server, "POST", base + "/drafts", gemeente, {"seat": anna, "text": f"n{i}"}
                  ).status_code for i in range(51)]
    assert codes == [201] * 50 + [409]
