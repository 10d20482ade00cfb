"""Privacy on a network's boards (issue 17): pages that ask no other host, a person's export
and erasure on request, and names replaced by their organisation after the network's
retention period. Against a real server, on the suite's store (SQLite, or PostgreSQL with
``--store postgres``); attack-minded: wrong keys, another network's people, names that look
like SQL or hide in Unicode."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import jsonschema
import pytest
from conftest import app_settings
from starlette.testclient import TestClient
from yclient import connected, wait_for

from partnerboard.canvases.partnership_map.spec import SPEC
from partnerboard.server.app import create_app

AYLA = "Ayla Zorgvuldig"
BRAM = "Bram Bestuur"
MEMBERS = [{"name": "Gemeente Noord"}, {"name": "Zorggroep"}]
DAY = 86400.0


@pytest.fixture
def client(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    app = create_app(app_settings(tmp_path, database_url))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_pages_allow_no_other_host(client):
    for path in ("/", "/networks"):
        policy = client.get(path, headers={"host": "board.example.org:8443"}).headers[
            "content-security-policy"]
        sources = [word for part in policy.split(";") for word in part.split()[1:]]
        assert "*" not in sources and "ws:" not in sources and "wss:" not in sources
        assert all(word.startswith("'") or word in (
            "data:", "ws://board.example.org:8443", "wss://board.example.org:8443")
            for word in sources), policy
        assert "connect-src 'self' ws://board.example.org:8443 wss://board.example.org:8443;" \
            in policy
    # A Host header that is no host name gets no WebSocket source at all (only 'self').
    policy = client.get("/", headers={"host": "evil.example; script-src *"}).headers[
        "content-security-policy"]
    assert "connect-src 'self';" in policy and "evil" not in policy


# -- helpers -----------------------------------------------------------------------------------


def call(server, method: str, path: str, key: str | None = None, body: object = None,
         **more: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.request(method, server.url + path, json=body, headers=headers, timeout=30,
                         **more)


def new_network(server, name: str = "Jeugd in Noord") -> dict:
    made = call(server, "POST", "/api/networks", body={"name": name, "members": MEMBERS})
    assert made.status_code == 201, made.text
    return made.json()


def new_board(server, net: dict, title: str = "Kaart", language: str = "nl") -> dict:
    made = call(server, "POST", f"/api/networks/{net['id']}/boards", net["key"],
                {"canvas": "partnership-map", "title": title, "language": language})
    assert made.status_code == 201, made.text
    return made.json()


def party(board: dict, name: str) -> str:
    return next(p["token"] for p in board["parties"] if p["name"] == name)


def seat(server, board: dict, token: str, name: str, org: str = "") -> str:
    made = call(server, "POST", f"/api/boards/{board['id']}/seats", token,
                {"name": name, "org": org})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def write(server, board: dict, token: str, seat_id: str, notes: dict[str, str],
          comment_on: str | None = None, edit: str | None = None, zone: str = "values",
          **fields: object) -> None:
    """As a seated person: add notes (the server stamps author and organisation; ``fields``
    go on each), a comment, and an edit of someone else's note (the server lists the
    editor)."""
    url = f"{server.ws_url}/{board['id']}?token={token}&seat={seat_id}"
    rect = SPEC.zone(zone).rect

    async def scenario() -> None:
        async with connected(url) as person:
            for i, (note_id, text) in enumerate(notes.items()):
                person.add_note(note_id, text, x=rect.x + 20, y=rect.y + 20 + 110 * i,
                                **fields)
            if comment_on:
                person.add_note(f"c-{seat_id}", "A remark", kind="comment", on=comment_on,
                                w=1, h=1, x=rect.x + 5, y=rect.y + 5)
            if edit:
                await wait_for(lambda: edit in person.elements, what="the note to edit")
                text = person.elements[edit]["text"]
                text += " (and more)"
            await person.flush()
            await asyncio.sleep(0)
        async with connected(f"{server.ws_url}/{board['id']}?token="
                             f"{board['tokens']['observer']}") as watcher:
            await wait_for(lambda: all(
                n in watcher.elements and watcher.elements[n].get("author") != "test"
                for n in notes), what="the server's stamps")

    asyncio.run(scenario())


def moment(server, board: dict) -> dict:
    """The board now, as plain JSON (through the facilitator's history API)."""
    token = board["tokens"]["facilitator"]
    points = call(server, "GET", f"/api/boards/{board['id']}/history", token).json()
    return call(server, "GET", f"/api/boards/{board['id']}/history/{points[-1]['seq']}",
                token).json()


def finalize(server, board: dict) -> dict:
    done = call(server, "POST", f"/api/boards/{board['id']}/finalize",
                board["tokens"]["facilitator"])
    assert done.status_code == 200, done.text
    return done.json()


def covenant(server, board: dict) -> dict:
    answer = call(server, "GET", f"/api/boards/{board['id']}/covenant", board["tokens"]["observer"],
                  params={"format": "json"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def people_board(server, net: dict, title: str = "Kaart") -> dict:
    """A network board where Ayla (Zorggroep) and Bram (Gemeente Noord) wrote; Bram edited
    Ayla's note and Ayla commented on Bram's."""
    board = new_board(server, net, title)
    zorg, gemeente = party(board, "Zorggroep"), party(board, "Gemeente Noord")
    ayla, bram = seat(server, board, zorg, AYLA), seat(server, board, gemeente, BRAM)
    write(server, board, zorg, ayla, {"n-ayla": "Samen sterker"})
    write(server, board, gemeente, bram, {"n-bram": "Elke maand overleg"}, edit="n-ayla")
    write(server, board, zorg, ayla, {}, comment_on="n-bram")
    return board


# -- export ----------------------------------------------------------------------------------


def test_export_gives_what_one_person_wrote_on_this_network_only(server):
    net, other = new_network(server), new_network(server, "Regio West")
    board = people_board(server, net)
    elsewhere = new_board(server, other, "Elders")
    write(server, elsewhere, party(elsewhere, "Zorggroep"),
          seat(server, elsewhere, party(elsewhere, "Zorggroep"), AYLA), {"n-west": "West"})

    # Case, spaces and an invisible character do not make another person.
    answer = call(server, "POST", f"/api/networks/{net['id']}/people/export", net["key"],
                  {"name": "  ayla\u200b   ZORGVULDIG "})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    [listed] = found["boards"]
    assert listed["id"] == board["id"]
    assert [(e["id"], e["role"], e["org"]) for e in listed["elements"]] == [
        ("n-ayla", "author", "Zorggroep")]
    assert [c["on"] for c in listed["comments"]] == ["n-bram"]
    assert [s["name"] for s in listed["seats"]] == [AYLA]
    assert listed["history"] and {h["org"] for h in listed["history"]} == {"Zorggroep"}
    # Bram edited Ayla's note: his export lists it as edited, not written.
    bram = call(server, "POST", f"/api/networks/{net['id']}/people/export", net["key"],
                {"name": BRAM, "organisation": "Gemeente Noord"}).json()
    roles = {e["id"]: e["role"] for e in bram["boards"][0]["elements"]}
    assert roles == {"n-bram": "author", "n-ayla": "editor"}
    # Narrowed to another organisation: nobody.
    assert call(server, "POST", f"/api/networks/{net['id']}/people/export", net["key"],
                {"name": AYLA, "organisation": "Gemeente Noord"}).status_code == 404
    # Someone who wrote only on another network's board is nobody here, whatever the key says.
    west = party(elsewhere, "Gemeente Noord")
    write(server, elsewhere, west, seat(server, elsewhere, west, "Wendy West"), {"n-w": "W"})
    for action in ("export", "erase"):
        assert call(server, "POST", f"/api/networks/{net['id']}/people/{action}", net["key"],
                    {"name": "Wendy West"}).status_code == 404
    assert moment(server, elsewhere)["elements"]["n-w"]["author"] == "Wendy West"


def test_privacy_routes_refuse_wrong_keys_and_bad_input_clearly(server):
    net, other = new_network(server), new_network(server, "Regio West")
    people_board(server, net)
    base = f"/api/networks/{net['id']}"
    for method, path, body in (("POST", "/people/export", {"name": AYLA}),
                               ("POST", "/people/erase", {"name": AYLA}),
                               ("PUT", "/retention", {"months": 6}),
                               ("GET", "/retention", None)):
        assert call(server, method, base + path, None, body).status_code == 401
        assert call(server, method, base + path, other["key"], body).status_code == 403
        board_token = new_board(server, net)["tokens"]["facilitator"]
        assert call(server, method, base + path, board_token, body).status_code == 403
        unknown = call(server, method, "/api/networks/nope" + path, net["key"], body)
        assert unknown.status_code == 403
    for body, words in (
        ({}, "'name'"), ({"name": 5}, "'name'"), ({"name": "\u200b\u2060"}, "visible"),
        ({"name": "x" * 101}, "longer"), ({"name": "a\x00b"}, "NUL"),
        ({"name": AYLA, "organisation": ["Zorggroep"]}, "'organisation'"),
        ({"name": AYLA, "remove_text": "yes"}, "'remove_text'"),
    ):
        answer = call(server, "POST", base + "/people/erase", net["key"], body)
        assert answer.status_code == 400, (body, answer.text)
        assert words in answer.json()["error"]
    for raw in (b"[]", b"{", b"\xff\xfe", b"[" * 5000 + b"]" * 5000):
        answer = httpx.post(server.url + base + "/people/export", content=raw, timeout=10,
                            headers={"Authorization": f"Bearer {net['key']}",
                                     "content-type": "application/json"})
        assert answer.status_code == 400, raw[:10]
    # Names that look like SQL are names: nobody by that name, and every table still there.
    for name in ("'; DROP TABLE seats; --", "\" OR 1=1 --", "%", "_", "Robert'); --"):
        assert call(server, "POST", base + "/people/erase", net["key"],
                    {"name": name}).status_code == 404
    assert call(server, "POST", base + "/people/export", net["key"],
                {"name": AYLA}).status_code == 200


# -- erasure ---------------------------------------------------------------------------------


def test_erasure_replaces_the_name_everywhere_on_this_network_and_nowhere_else(server):
    net, other = new_network(server), new_network(server, "Regio West")
    board = people_board(server, net)
    signed = people_board(server, net, "Afgerond")
    before = finalize(server, signed)
    assert call(server, "POST", f"/api/boards/{signed['id']}/signatures",
                party(signed, "Zorggroep"), {"name": AYLA}).status_code == 201
    elsewhere = people_board(server, other, "Elders")

    answer = call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                  {"name": AYLA})
    assert answer.status_code == 200, answer.text
    assert {b["id"] for b in answer.json()["boards"]} == {board["id"], signed["id"]}

    # The open board: Ayla's note is Zorggroep's, Bram (the editor) is still Bram.
    now = moment(server, board)["elements"]
    assert now["n-ayla"]["author"] == "Zorggroep"
    assert [e["name"] for e in now["n-ayla"]["editors"]] == [BRAM]
    assert now["n-bram"]["author"] == BRAM
    assert now[next(k for k in now if k.startswith("c-"))]["author"] == "Zorggroep"
    # Its history starts again: no point can show or restore the name.
    history = call(server, "GET", f"/api/boards/{board['id']}/history",
                   board["tokens"]["facilitator"]).json()
    assert AYLA not in str(history)
    seats = call(server, "GET", f"/api/boards/{board['id']}/seats",
                 board["tokens"]["facilitator"]).json()["seats"]
    assert sorted(s["name"] for s in seats) == [BRAM, "Zorggroep"]

    # The finalized board: names gone from the covenant, sections kept, the signature kept
    # (now under the organisation) and still counted, the old hash recorded.
    after = covenant(server, signed)
    assert AYLA not in str(after)
    assert {"name": "Zorggroep", "organisation": "Zorggroep"} in after["participants"]
    assert {"name": BRAM, "organisation": "Gemeente Noord"} in after["participants"]
    assert after["covenant_sha256"] != before["covenant_sha256"]
    [redaction] = after["redactions"]
    assert redaction["covenant_sha256_before"] == before["covenant_sha256"]
    assert redaction["reason"] == "erasure"
    assert [(s["organisation"], s["name"]) for s in after["signatures"]] == [
        ("Zorggroep", "Zorggroep")]
    info = call(server, "GET", f"/api/boards/{signed['id']}", signed["tokens"]["observer"]).json()
    assert info["covenant_sha256"] == after["covenant_sha256"]
    schema = call(server, "GET", "/api/covenant.schema.json").json()
    jsonschema.validate(after, schema)
    for fmt in ("md", "html"):
        rendered = call(server, "GET", f"/api/boards/{signed['id']}/covenant",
                        signed["tokens"]["observer"], params={"format": fmt})
        assert rendered.status_code == 200 and AYLA not in rendered.text
    picture = call(server, "GET", f"/api/boards/{signed['id']}/image",
                   signed["tokens"]["observer"], params={"format": "svg"})
    assert picture.status_code == 200 and AYLA not in picture.text
    # The redacted board moves as a board file like any other: its hashes hold.
    file = call(server, "GET", f"/api/boards/{signed['id']}/export",
                signed["tokens"]["facilitator"])
    assert file.status_code == 200
    with zipfile.ZipFile(io.BytesIO(file.content)) as archive:
        for entry in archive.namelist():
            body = archive.read(entry)
            assert AYLA.encode() not in body, entry
            for line in body.splitlines() if entry.endswith(".jsonl") else ():
                assert AYLA.encode() not in base64.b64decode(json.loads(line)["data"])
    moved = httpx.post(server.url + "/api/boards/import", content=file.content, timeout=30)
    assert moved.status_code == 201, moved.text
    # Zorggroep signed this agreement already: not again under the new hash.
    assert call(server, "POST", f"/api/boards/{signed['id']}/signatures",
                party(signed, "Zorggroep"), {"name": "Iemand"}).status_code == 409

    # Another network's Ayla is untouched, and the name is gone from this network.
    assert moment(server, elsewhere)["elements"]["n-ayla"]["author"] == AYLA
    assert call(server, "POST", f"/api/networks/{other['id']}/people/export", other["key"],
                {"name": AYLA}).status_code == 200
    assert call(server, "POST", f"/api/networks/{net['id']}/people/export", net["key"],
                {"name": AYLA}).status_code == 404


def test_an_open_board_changes_live_and_an_erasure_is_no_reason_to_forget_its_use(server):
    net = new_network(server)
    board = people_board(server, net)
    server.query("UPDATE boards SET created_at = created_at - ? WHERE id = ?", 400 * DAY,
                 board["id"])

    async def scenario() -> None:
        async with connected(f"{server.ws_url}/{board['id']}?token="
                             f"{board['tokens']['observer']}") as watcher:
            await wait_for(lambda: "n-ayla" in watcher.elements, what="the board")
            async with httpx.AsyncClient(timeout=30) as http:
                answer = await http.post(
                    f"{server.url}/api/networks/{net['id']}/people/erase", json={"name": AYLA},
                    headers={"Authorization": f"Bearer {net['key']}"})
                assert answer.status_code == 200, answer.text
            await wait_for(lambda: watcher.elements["n-ayla"].get("author") == "Zorggroep",
                           what="the erasure reaching a connected client")

    asyncio.run(scenario())
    # Made long ago, but used today: the erasure folded its history, not the memory of that.
    applied = call(server, "PUT", f"/api/networks/{net['id']}/retention", net["key"],
                   {"months": 6}).json()["applied"]
    assert applied == []
    assert moment(server, board)["elements"]["n-bram"]["author"] == BRAM


def test_a_name_is_matched_in_any_unicode_form_and_only_exactly(server):
    net = new_network(server)
    board = new_board(server, net, "Unicode", language="en")
    zorg = party(board, "Zorggroep")
    composed, decomposed = "Zoë 🌷 Ünal", "Zoe\u0308 🌷 U\u0308nal"
    write(server, board, zorg, seat(server, board, zorg, composed), {"n-zoe": "Hallo"})
    write(server, board, zorg, seat(server, board, zorg, "Zoë"), {"n-short": "Kort"})
    # (A seat name with a bidirectional control is refused: a zero-width space is invisible too.)
    guest = seat(server, board, board["tokens"]["participant"], "\u200bZoë 🌷 Ünal")
    write(server, board, board["tokens"]["participant"], guest, {"n-rtl": "Gast"})
    answer = call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                  {"name": decomposed})
    assert answer.status_code == 200, answer.text
    now = moment(server, board)["elements"]
    assert now["n-zoe"]["author"] == "Zorggroep"
    # A shorter name, or one that differs in more than invisible characters, is another person.
    assert now["n-short"]["author"] == "Zoë"
    # The guest gave no organisation (the zero-width space is invisible: the same name).
    assert now["n-rtl"]["author"] == "participant"


def test_a_word_that_is_nobodys_name_is_not_found_and_leaves_the_history(server):
    """"note" is in every board's history (each element's ``kind``), as nobody's name: no
    board is redacted for it (its history would be folded away) and the answer is 404."""
    net = new_network(server)
    board = people_board(server, net)
    token = board["tokens"]["facilitator"]
    before = call(server, "GET", f"/api/boards/{board['id']}/history", token).json()
    for word in ("note", "values", "#ffe066"):
        answer = call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                      {"name": word})
        assert answer.status_code == 404, (word, answer.text)
    assert call(server, "GET", f"/api/boards/{board['id']}/history", token).json() == before


def test_a_name_kept_only_in_the_history_is_still_erased(own_server):
    """The author of a note deleted since, whose seat is gone and whose updates name no
    sender (kept before migration 0008): only the history's bytes hold the name."""
    server = own_server.start()
    net = new_network(server)
    board = people_board(server, net)
    zorg = party(board, "Zorggroep")
    write(server, board, zorg, seat(server, board, zorg, "Cas Vergeten"), {"n-cas": "Weg"})

    async def remove() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            await wait_for(lambda: "n-cas" in client.elements, what="the note")
            del client.elements["n-cas"]
            await client.flush()

    asyncio.run(remove())
    server.query("DELETE FROM seats WHERE name = ?", "Cas Vergeten")
    server.query("UPDATE updates SET person = NULL WHERE person = ?", "Cas Vergeten")
    assert b"Cas Vergeten" in own_server.raw_store()
    answer = call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                  {"name": "Cas Vergeten"})
    assert answer.status_code == 200, answer.text
    assert [b["id"] for b in answer.json()["boards"]] == [board["id"]]
    assert b"Cas Vergeten" not in own_server.raw_store()


def test_an_action_owned_by_the_person_is_exported_and_erased(server):
    net = new_network(server)
    board = people_board(server, net)
    gemeente = party(board, "Gemeente Noord")
    write(server, board, gemeente, seat(server, board, gemeente, BRAM),
          {"n-action": "Subsidie aanvragen"}, zone="actions", owner="ayla zorgvuldig",
          due="2027-01-31")
    exported = call(server, "POST", f"/api/networks/{net['id']}/people/export", net["key"],
                    {"name": AYLA}).json()
    roles = {e["id"]: e["role"] for e in exported["boards"][0]["elements"]}
    assert roles["n-action"] == "owner"
    assert call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                {"name": AYLA}).status_code == 200
    action = moment(server, board)["elements"]["n-action"]
    # Ayla is Zorggroep's, whoever wrote the action.
    assert (action["owner"], action["author"], action["due"]) == (
        "Zorggroep", BRAM, "2027-01-31")


def test_erasure_can_remove_the_text_only_the_person_wrote(server):
    net = new_network(server)
    board = people_board(server, net)
    zorg = party(board, "Zorggroep")
    ayla = seat(server, board, zorg, AYLA)
    write(server, board, zorg, ayla, {"n-alone": "Alleen van Ayla"})
    agreed = new_board(server, net, "Afgerond")
    agreed_zorg = party(agreed, "Zorggroep")
    write(server, agreed, agreed_zorg, seat(server, agreed, agreed_zorg, AYLA),
          {"n-agreed": "Wat we afspraken"})
    finalize(server, agreed)
    done = call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                {"name": AYLA, "remove_text": True})
    assert done.status_code == 200, done.text
    now = moment(server, board)["elements"]
    assert now["n-alone"]["text"] == "" and now["n-alone"]["author"] == "Zorggroep"
    # Bram edited Ayla's first note: it is not hers alone, its text stays.
    assert now["n-ayla"]["text"].startswith("Samen sterker")
    # What a finalized board agreed keeps its text; only the name goes.
    kept = covenant(server, agreed)
    assert "Wat we afspraken" in str(kept["sections"]) and AYLA not in str(kept)
    assert moment(server, agreed)["elements"]["n-agreed"]["text"] == "Wat we afspraken"


def test_erasure_renames_the_hidden_notes_of_a_private_brainstorm(server):
    net = new_network(server)
    board = people_board(server, net)
    facilitator, zorg = board["tokens"]["facilitator"], party(board, "Zorggroep")
    ayla = seat(server, board, zorg, AYLA)
    base = f"/api/boards/{board['id']}"
    assert call(server, "POST", base + "/brainstorm", facilitator).status_code == 201
    assert call(server, "POST", base + "/drafts", zorg,
                {"seat": ayla, "text": "Nog geheim"}).status_code == 201
    exported = call(server, "POST", f"/api/networks/{net['id']}/people/export", net["key"],
                    {"name": AYLA}).json()
    assert [d["text"] for d in exported["boards"][0]["drafts"]] == ["Nog geheim"]
    assert call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                {"name": AYLA}).status_code == 200
    assert call(server, "POST", base + "/brainstorm/reveal", facilitator).status_code == 200
    revealed = [e for e in moment(server, board)["elements"].values()
                if e.get("text") == "Nog geheim"]
    assert [e["author"] for e in revealed] == ["Zorggroep"]


# -- retention -------------------------------------------------------------------------------


def backdate(server, board: dict, days: float) -> None:
    """Make the board look unchanged for ``days``."""
    shift = days * DAY
    server.query("UPDATE updates SET at = at - ? WHERE board_id = ?", shift, board["id"])
    server.query("UPDATE boards SET created_at = created_at - ?,"
                 " finalized_at = finalized_at - ? WHERE id = ?", shift, shift, board["id"])


def test_retention_replaces_names_on_boards_unused_for_longer(server):
    net, other = new_network(server), new_network(server, "Regio West")
    base = f"/api/networks/{net['id']}/retention"
    for bad in (0, 121, "6", True, 1.5, [6]):
        answer = call(server, "PUT", base, net["key"], {"months": bad})
        assert answer.status_code == 400 and "'months'" in answer.json()["error"], bad
    assert call(server, "PUT", base, net["key"], {}).status_code == 400
    assert call(server, "GET", base, net["key"]).json() == {"months": None}

    old, recent = people_board(server, net, "Oud"), people_board(server, net, "Nieuw")
    guest = seat(server, old, old["tokens"]["participant"], "Gast Zonder Org")
    write(server, old, old["tokens"]["participant"], guest, {"n-guest": "Van een gast"})
    theirs = people_board(server, other, "Ander werkverband")
    for board in (old, theirs):
        backdate(server, board, 7 * 31)
    backdate(server, recent, 3 * 31)

    answer = call(server, "PUT", base, net["key"], {"months": 6})
    assert answer.status_code == 200, answer.text
    assert [b["id"] for b in answer.json()["applied"]] == [old["id"]]
    assert call(server, "GET", base, net["key"]).json() == {"months": 6}
    now = moment(server, old)["elements"]
    assert (now["n-ayla"]["author"], now["n-bram"]["author"]) == ("Zorggroep", "Gemeente Noord")
    assert now["n-guest"]["author"] == "participant" or now["n-guest"]["author"] == "deelnemer"
    assert [e["name"] for e in now["n-ayla"]["editors"]] == ["Gemeente Noord"]
    # The recent board and the other network's keep their names.
    assert moment(server, recent)["elements"]["n-ayla"]["author"] == AYLA
    assert moment(server, theirs)["elements"]["n-ayla"]["author"] == AYLA
    # Applying again changes nothing more; clearing the period keeps names from then on.
    assert call(server, "PUT", base, net["key"], {"months": 6}).json()["applied"] == []
    assert call(server, "PUT", base, net["key"], {"months": None}).json() == {
        "months": None, "applied": []}


def test_retention_on_a_finalized_board_and_by_command(own_server):
    server = own_server.start()
    net = new_network(server)
    board = people_board(server, net)
    finalize(server, board)
    assert call(server, "PUT", f"/api/networks/{net['id']}/retention", net["key"],
                {"months": 1}).json()["applied"] == []
    backdate(server, board, 40)
    own_server.stop()

    command = [sys.executable, "-m", "partnerboard.server.cli", "privacy", "apply-retention",
               "--data-dir", str(own_server.data_dir)]
    if own_server.own_database:
        command += ["--database-url", own_server.own_database]
    helped = subprocess.run([*command[:5], "--help"], capture_output=True, text=True,
                            check=True)
    assert "retention" in helped.stdout and "--data-dir" in helped.stdout
    ran = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert "1 board" in ran.stdout

    own_server.start()
    after = covenant(server, board)
    assert AYLA not in str(after) and BRAM not in str(after)
    assert after["redactions"][0]["reason"] == "retention"
    assert AYLA.encode() not in own_server.raw_store()
    assert BRAM.encode() not in own_server.raw_store()


def test_erasure_leaves_no_byte_of_the_name_in_the_store(own_server):
    server = own_server.start()
    net = new_network(server)
    board = people_board(server, net)
    signed = people_board(server, net, "Afgerond")
    finalize(server, signed)
    call(server, "POST", f"/api/boards/{signed['id']}/signatures", party(signed, "Zorggroep"),
         {"name": AYLA})
    assert AYLA.encode() in own_server.raw_store()
    assert call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                {"name": AYLA}).status_code == 200
    assert AYLA.encode() not in own_server.raw_store()
    assert BRAM.encode() in own_server.raw_store()
    # The board still works: a new note by Bram arrives and is kept.
    gemeente = party(board, "Gemeente Noord")
    write(server, board, gemeente, seat(server, board, gemeente, BRAM), {"n-later": "Later"})
    assert moment(server, board)["elements"]["n-later"]["author"] == BRAM


def network_version(server, net: dict, version: int = 1, fmt: str = "json") -> httpx.Response:
    answer = call(server, "GET", f"/api/networks/{net['id']}/covenants/{version}", net["key"],
                  params={"format": fmt})
    assert answer.status_code == 200, answer.text
    return answer


def test_erasure_reaches_the_network_covenant_versions(own_server):
    """A network covenant version copies the participants, editors and owners of its boards'
    covenants: an erasure replaces the name there too, with a record of the hash before, and
    the signatures on its boards still count."""
    server = own_server.start()
    net = new_network(server)
    signed = people_board(server, net, "Afgerond")
    finalize(server, signed)
    assert call(server, "POST", f"/api/boards/{signed['id']}/signatures",
                party(signed, "Gemeente Noord"), {"name": BRAM}).status_code == 201
    made = call(server, "POST", f"/api/networks/{net['id']}/covenants", net["key"])
    assert made.status_code == 201, made.text
    assert AYLA in network_version(server, net).text

    erased = call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                  {"name": AYLA})
    assert erased.status_code == 200, erased.text
    for fmt in ("json", "md", "html"):
        assert AYLA not in network_version(server, net, fmt=fmt).text, fmt
    after = network_version(server, net).json()
    assert {"name": "Zorggroep", "organisation": "Zorggroep"} in after["participants"]
    assert {"name": BRAM, "organisation": "Gemeente Noord"} in after["participants"]
    [redaction] = after["redactions"]
    assert (redaction["reason"], redaction["covenant_sha256_before"]) == (
        "erasure", made.json()["sha256"])
    assert after["covenant_sha256"] != made.json()["sha256"]
    assert [v["sha256"] for v in call(server, "GET", f"/api/networks/{net['id']}/covenants",
                                      net["key"]).json()] == [after["covenant_sha256"]]
    assert [s["name"] for s in after["signatures"]] == [BRAM]
    assert AYLA.encode() not in own_server.raw_store()
    assert BRAM.encode() in own_server.raw_store()


def test_retention_reaches_the_network_covenant_versions(own_server):
    server = own_server.start()
    net = new_network(server)
    board = people_board(server, net)
    finalize(server, board)
    assert call(server, "POST", f"/api/networks/{net['id']}/covenants",
                net["key"]).status_code == 201
    backdate(server, board, 40)
    applied = call(server, "PUT", f"/api/networks/{net['id']}/retention", net["key"],
                   {"months": 1}).json()["applied"]
    assert [b["id"] for b in applied] == [board["id"]]
    after = network_version(server, net).json()
    assert AYLA not in str(after) and BRAM not in str(after)
    assert after["redactions"][0]["reason"] == "retention"
    assert AYLA.encode() not in own_server.raw_store()


def test_a_damaged_board_is_reported_and_the_others_are_still_erased(own_server):
    server = own_server.start()
    net = new_network(server)
    sound, damaged = people_board(server, net, "Heel"), people_board(server, net, "Kapot")
    own_server.stop()
    server.query("UPDATE snapshots SET data = ? WHERE board_id = ?", b"\x01\x02garbage" * 20,
                 damaged["id"])
    own_server.start()
    answer = call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                  {"name": AYLA})
    assert answer.status_code == 200, answer.text
    by_id = {b["id"]: b for b in answer.json()["boards"]}
    assert by_id[damaged["id"]]["damaged"] is True
    assert by_id[sound["id"]]["names"] >= 2
    assert moment(server, sound)["elements"]["n-ayla"]["author"] == "Zorggroep"


def test_the_server_applies_retention_when_it_starts(own_server):
    server = own_server.start()
    net = new_network(server)
    board = people_board(server, net)
    assert call(server, "PUT", f"/api/networks/{net['id']}/retention", net["key"],
                {"months": 2}).json()["applied"] == []
    own_server.stop()
    backdate(server, board, 70)
    own_server.start()
    # Applied by a task of the starting server: wait for it, under a deadline.
    deadline = time.monotonic() + 20
    while call(server, "POST", f"/api/networks/{net['id']}/people/export", net["key"],
               {"name": AYLA}).status_code != 404:
        assert time.monotonic() < deadline, "the starting server did not apply the retention"
        time.sleep(0.05)
    assert moment(server, board)["elements"]["n-ayla"]["author"] == "Zorggroep"


def test_the_page_forms_answer_bad_input_with_a_page_and_escape_titles(server):
    net, other = new_network(server), new_network(server, "Regio West")
    board = people_board(server, net, "<script>alert(1)</script>")

    def form(action: str, **fields: str) -> httpx.Response:
        return httpx.post(f"{server.url}/n/{net['id']}/{action}?lang=en",
                          data={"key": net["key"], **fields}, timeout=30)

    for action in ("retention", "people/export", "people/erase"):
        wrong = httpx.post(f"{server.url}/n/{net['id']}/{action}?lang=en", timeout=30,
                           data={"key": other["key"], "name": AYLA, "months": "6",
                                 "confirm": "yes"})
        assert wrong.status_code == 403 and 'data-field="key"' in wrong.text
    for months in ("abc", "0", "121", "1e3", "6.5"):
        answer = form("retention", months=months)
        assert answer.status_code == 400 and 'data-message="privacy_bad_months"' in answer.text
    assert form("people/export", name="   ").status_code == 400
    assert form("people/erase", name=AYLA).status_code == 400  # not confirmed
    assert form("people/erase", name="Niemand", confirm="yes").status_code == 404
    assert moment(server, board)["elements"]["n-ayla"]["author"] == AYLA

    erased = form("people/erase", name=AYLA, confirm="yes")
    assert erased.status_code == 200, erased.text
    assert "<script>alert(1)</script>" not in erased.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in erased.text
    assert AYLA not in erased.text
    kept = form("retention", months="")
    assert kept.status_code == 200 and "none: names are kept" in kept.text


def test_a_member_contact_person_is_exported_and_erased_too(server):
    """The contact field of a member names a person (and often their e-mail address): an
    export lists it and an erasure empties it, only where it names that person."""
    made = call(server, "POST", "/api/networks", body={"name": "Contacten", "members": [
        {"name": "Zorggroep", "contact": "Ayla  ZORGVULDIG <ayla@zorg.example>"},
        {"name": "Gemeente Noord", "contact": "Bram Bestuur"}]})
    assert made.status_code == 201, made.text
    net = made.json()
    path = f"/api/networks/{net['id']}/people"
    # Only a contact, on no board: still found (no 404), and only that member.
    found = call(server, "POST", f"{path}/export", net["key"], {"name": AYLA})
    assert found.status_code == 200, found.text
    assert found.json()["boards"] == []
    assert [c["name"] for c in found.json()["contacts"]] == ["Zorggroep"]
    # In another organisation it is somebody else.
    assert call(server, "POST", f"{path}/export", net["key"],
                {"name": AYLA, "organisation": "Gemeente Noord"}).status_code == 404
    erased = call(server, "POST", f"{path}/erase", net["key"], {"name": AYLA})
    assert erased.status_code == 200, erased.text
    assert len(erased.json()["contacts"]) == 1
    members = call(server, "GET", f"/api/networks/{net['id']}", net["key"]).json()["members"]
    contacts = {m["name"]: m["contact"] for m in members}
    assert contacts == {"Zorggroep": "", "Gemeente Noord": "Bram Bestuur"}
    assert call(server, "POST", f"{path}/export", net["key"], {"name": AYLA}).status_code == 404


def test_a_contact_is_matched_by_whole_words_so_a_short_name_leaves_others(server):
    """Erasing "Jan" empties the contact "Jan Bakker" (and "jan@..."), never the contact of
    Marjan de Vries, whose name merely holds the letters."""
    made = call(server, "POST", "/api/networks", body={"name": "Contacten", "members": [
        {"name": "Zorggroep", "contact": "Marjan de Vries <marjan@zorg.example>"},
        {"name": "Gemeente Noord", "contact": "Jan Bakker"},
        {"name": "Stichting Jeugd", "contact": "Secretariaat <jan@jeugd.example>"}]})
    assert made.status_code == 201, made.text
    net = made.json()
    path = f"/api/networks/{net['id']}/people"
    found = call(server, "POST", f"{path}/export", net["key"], {"name": "Jan"}).json()
    assert sorted(c["name"] for c in found["contacts"]) == ["Gemeente Noord", "Stichting Jeugd"]
    assert call(server, "POST", f"{path}/export", net["key"], {"name": "arja"}).status_code == 404
    erased = call(server, "POST", f"{path}/erase", net["key"], {"name": "Jan"})
    assert erased.status_code == 200, erased.text
    members = call(server, "GET", f"/api/networks/{net['id']}", net["key"]).json()["members"]
    assert {m["name"]: m["contact"] for m in members} == {
        "Zorggroep": "Marjan de Vries <marjan@zorg.example>", "Gemeente Noord": "",
        "Stichting Jeugd": ""}


def test_an_erased_contact_person_leaves_the_partners_of_every_network_board(own_server):
    """A member's contact is copied into the partners of each board made for the network (the
    board answer, its document, a finalized board's snapshot): an erasure takes it off every
    one of them, and off the store, and leaves the other members' contacts."""
    server = own_server.start()
    made = call(server, "POST", "/api/networks", body={"name": "Contacten", "members": [
        {"name": "Zorggroep", "contact": f"{AYLA} <ayla@zorg.example>"},
        {"name": "Gemeente Noord", "contact": BRAM}]})
    assert made.status_code == 201, made.text
    net = made.json()
    unsigned, signed = new_board(server, net, "Open"), new_board(server, net, "Afgerond")
    before = finalize(server, signed)
    assert call(server, "POST", f"/api/boards/{signed['id']}/signatures",
                party(signed, "Gemeente Noord"), {"name": BRAM}).status_code == 201
    for board in (unsigned, signed):
        info = call(server, "GET", f"/api/boards/{board['id']}", board["tokens"]["observer"])
        assert "ayla@zorg.example" in info.text

    erased = call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                  {"name": AYLA})
    assert erased.status_code == 200, erased.text
    assert {b["id"] for b in erased.json()["boards"]} == {unsigned["id"], signed["id"]}
    for board in (unsigned, signed):
        info = call(server, "GET", f"/api/boards/{board['id']}",
                    board["tokens"]["observer"]).json()
        partners = {p["name"]: p for p in info["partners"]}
        assert "contact" not in partners["Zorggroep"], board["title"]
        assert partners["Gemeente Noord"]["contact"] == BRAM
        document = moment(server, board)["partners"]
        assert AYLA not in str(document) and BRAM in str(document)
    # The finalized board's covenant names its new snapshot; Bram's signature still counts.
    after = covenant(server, signed)
    assert after["board"]["snapshot_sha256"] != before["snapshot_sha256"]
    assert after["redactions"][0]["snapshot_sha256_before"] == before["snapshot_sha256"]
    assert [s["name"] for s in after["signatures"]] == [BRAM]
    stored = own_server.raw_store()
    assert AYLA.encode() not in stored and b"ayla@zorg.example" not in stored


async def everything_a_reader_gets(url: str, seconds: float = 1.0) -> bytes:
    """Every frame a fresh reader of the board receives in ``seconds``, as bytes."""
    import websockets
    from pycrdt import Doc

    from partnerboard.server import yprotocol as yp

    got = b""
    async with websockets.connect(url, max_size=None) as socket:
        await socket.send(yp.sync_step1(Doc().get_state()))
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = await asyncio.wait_for(socket.recv(), left)
            except TimeoutError:
                break
            got += frame if isinstance(frame, bytes) else frame.encode()
    return got


def test_an_erasure_on_a_finalized_board_someone_has_open_leaves_no_name(own_server):
    """The open room kept the old names as deleted content: a fresh reader was sent them, and
    the room wrote them back into the store when it closed."""
    server = own_server.start()
    net = new_network(server)
    board = people_board(server, net)
    url = f"{server.ws_url}/{board['id']}?token={board['tokens']['observer']}"

    async def scenario() -> bytes:
        async with connected(url) as watcher:
            await wait_for(lambda: "n-ayla" in watcher.elements, what="the board")
            finalize(server, board)
            erased = call(server, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                          {"name": AYLA})
            assert erased.status_code == 200, erased.text
            return await everything_a_reader_gets(url)

    assert AYLA.encode() not in asyncio.run(scenario())
    time.sleep(1.5)  # everyone left: the room folds and unloads
    assert AYLA.encode() not in own_server.raw_store()
    assert covenant(server, board)["redactions"]
