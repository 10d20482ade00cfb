"""Signatures: only a party link signs, only for its own party, once per finalized version;
names compared normalised; every covenant document lists each party's signature or its absence."""

from __future__ import annotations

import asyncio
import io

import httpx
from docx import Document
from yclient import connected

from partnerboard.server.signatures import name_key


def call(server, method: str, path: str, token: str, body: object = None,
         **params: str) -> httpx.Response:
    return httpx.request(method, server.url + path, json=body, timeout=10, params=params,
                         headers={"Authorization": f"Bearer {token}"})


def finalized_board(server, partners: list[str]) -> dict:
    board = server.create_board(partners=[{"name": n} for n in partners])

    async def write() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            client.add_note("n1", "We share what we learn")
            await client.flush()

    asyncio.run(write())
    done = call(server, "POST", f"/api/boards/{board['id']}/finalize",
                board["tokens"]["facilitator"])
    assert done.status_code == 200
    board["finalized"] = done.json()
    return board


def test_name_key_folds_what_looks_the_same():
    keys = {name_key(n) for n in ["ACME", "acme", "Acme ", "AC\u200bME", "ＡＣＭＥ",
                                  "Acme\u00a0", "\u2060ACME\ufeff"]}
    assert keys == {"acme"}
    assert name_key("Jan  \t Jansen") == "jan jansen"
    assert name_key("\u200b\u200d") == ""
    assert name_key("Zoë") == name_key("Zoe\u0308")  # composed or not: the same name


def test_only_a_party_link_signs_and_only_for_its_own_party(server):
    board = finalized_board(server, ["Gemeente", "Zorg"])
    path = f"/api/boards/{board['id']}/signatures"
    tokens = board["tokens"]
    for role in ("participant", "observer", "facilitator"):
        refused = call(server, "POST", path, tokens[role], {"name": "Eve"})
        assert refused.status_code == 403, role
    gemeente, zorg = board["parties"]
    # The body cannot choose the party: the token decides.
    signed = call(server, "POST", path, zorg["token"],
                  {"name": "Ayla", "organisation": "Gemeente", "party": "p1"})
    assert signed.status_code == 201
    answer = signed.json()
    assert answer["party"] == {"id": "p2", "name": "Zorg"} and answer["name"] == "Ayla"
    assert answer["covenant_sha256"] == (board["finalized"].get("covenant_sha256")
                                         or board["finalized"]["snapshot_sha256"])
    assert answer["signed_at"].endswith("+00:00")
    again = call(server, "POST", path, zorg["token"], {"name": "Olga"})
    assert again.status_code == 409  # one signature per party per version
    assert call(server, "POST", path, gemeente["token"], {"name": "Bram"}).status_code == 201
    assert call(server, "POST", path, "not-a-token", {"name": "X"}).status_code == 403
    assert call(server, "POST", path, gemeente["token"], {"name": 5}).status_code == 400


def test_an_open_board_is_not_signed(server):
    board = server.create_board()
    early = call(server, "POST", f"/api/boards/{board['id']}/signatures",
                 board["parties"][0]["token"], {"name": "Ayla"})
    assert early.status_code == 409


def test_the_same_name_in_disguise_signs_once_and_shows_as_typed(server):
    board = finalized_board(server, ["ACME", "Beta", "Gamma", "Delta"])
    path = f"/api/boards/{board['id']}/signatures"
    acme, beta, gamma, delta = (p["token"] for p in board["parties"])
    assert call(server, "POST", path, acme, {"name": "Jan  Jansen"}).status_code == 201
    for token, disguise in ((beta, "jan jansen"), (gamma, "Jan\u200b Jansen "),
                            (delta, "ＪＡＮ ＪＡＮＳＥＮ")):
        assert call(server, "POST", path, token, {"name": disguise}).status_code == 409
    invisible = call(server, "POST", path, beta, {"name": "\u200b\u2060"})
    assert invisible.status_code == 400
    covenant = call(server, "GET", f"/api/boards/{board['id']}/covenant", acme).json()
    assert [(s["organisation"], s["name"]) for s in covenant["signatures"]] == \
        [("ACME", "Jan  Jansen")]


def test_every_covenant_document_lists_each_party_signed_or_not(server):
    board = finalized_board(server, ["Gemeente", "Zorg"])
    path = f"/api/boards/{board['id']}"
    call(server, "POST", path + "/signatures", board["parties"][1]["token"], {"name": "Ayla"})
    token = board["tokens"]["observer"]
    covenant = call(server, "GET", path + "/covenant", token).json()
    signed = covenant["signatures"][0]
    assert signed["organisation"] == "Zorg" and signed["party"] == "p2"
    markdown = call(server, "GET", path + "/covenant", token, format="md").text
    assert "Ayla" in markdown and "not signed yet" in markdown
    html = call(server, "GET", path + "/covenant", token, format="html").text
    assert "Ayla" in html and "not signed yet" in html
    docx = call(server, "GET", path + "/covenant", token, format="docx").content
    text = "\n".join(cell.text for table in Document(io.BytesIO(docx)).tables
                     for row in table.rows for cell in row.cells)
    assert "Ayla" in text and "not signed yet" in text


def test_a_party_racing_itself_signs_exactly_once(server):
    """Twelve signatures for one party sent at the same moment: the store decides, one wins."""
    board = finalized_board(server, ["Gemeente", "Zorg"])
    path = f"/api/boards/{board['id']}/signatures"
    token = board["parties"][0]["token"]

    async def race() -> list[int]:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
            answers = await asyncio.gather(*(
                client.post(path, json={"name": f"Signer {n}"},
                            headers={"Authorization": f"Bearer {token}"})
                for n in range(12)
            ))
        return sorted(answer.status_code for answer in answers)

    assert asyncio.run(race()) == [201] + [409] * 11
    covenant = call(server, "GET", f"/api/boards/{board['id']}/covenant",
                    board["tokens"]["observer"]).json()
    assert [s["organisation"] for s in covenant["signatures"]] == ["Gemeente"]


def test_a_combined_covenant_counts_a_party_signed_only_when_it_signed_each_of_its_boards(
        server):
    first = finalized_board(server, ["Gemeente", "Zorg"])
    second = finalized_board(server, ["gemeente", "Zorg", "School"])
    for board, signers in ((first, {"Gemeente": "Ann", "Zorg": "Bo"}),
                           (second, {"gemeente": "Ann"})):
        for party in board["parties"]:
            if party["name"] in signers:
                assert call(server, "POST", f"/api/boards/{board['id']}/signatures",
                            party["token"], {"name": signers[party["name"]]}).status_code == 201
    combined = httpx.post(server.url + "/api/covenants", timeout=30, json={
        "title": "Regio", "language": "en", "boards": [
            {"id": b["id"], "token": b["tokens"]["observer"]} for b in (first, second)]})
    assert combined.status_code == 200, combined.text
    covenant = combined.json()
    check = next(c for c in covenant["completeness"] if c["id"] == "representatives")
    # Zorg signed the first board only; School signed none: only Gemeente signed every one.
    assert check["status"] == "partly"
    assert check["notes"] == ["not signed by Zorg", "not signed by School"]
    assert {p["name"]: p["boards"] for p in covenant["parties"]} == {
        "Gemeente": [first["id"], second["id"]], "Zorg": [first["id"], second["id"]],
        "School": [second["id"]]}
    assert sorted((s["organisation"], s["board"]) for s in covenant["signatures"]) == [
        ("Gemeente", first["id"]), ("Zorg", first["id"]), ("gemeente", second["id"])]


def test_names_with_bidi_controls_are_refused_and_partners_compared_like_signers(server):
    board = finalized_board(server, ["Gemeente", "Zorg"])
    party = board["parties"][0]["token"]
    for name in ("Ann \u202eknaB", "\u2066Ann\u2069", "Ann\u200f"):
        refused = call(server, "POST", f"/api/boards/{board['id']}/signatures", party,
                       {"name": name})
        assert refused.status_code == 400, name
        assert "bidirectional" in refused.json()["error"]
    made = httpx.post(server.url + "/api/boards", timeout=10, json={
        "canvas": "partnership-map", "title": "t", "language": "en",
        "partners": [{"name": "Zorg"}, {"name": "Gemeente\u202e"}]})
    assert made.status_code == 400 and "partners[1].name" in made.json()["error"]
    for twin in ("Zorg\u200b", "ＺＯＲＧ", "zorg\u00a0 "):
        made = httpx.post(server.url + "/api/boards", timeout=10, json={
            "canvas": "partnership-map", "title": "t", "language": "en",
            "partners": [{"name": "Zorg"}, {"name": twin}]})
        assert made.status_code == 400 and "twice" in made.json()["error"], twin
    open_board = server.create_board()
    facilitator = open_board["tokens"]["facilitator"]
    for name, status in (("Zorg\u2060", 409), ("Politie\u202d", 400)):
        assert call(server, "POST", f"/api/boards/{open_board['id']}/partners", facilitator,
                    {"name": name}).status_code == status, name
