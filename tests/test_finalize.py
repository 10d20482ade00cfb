"""Finalizing a board and its covenant, against a real server with real clients."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json

import httpx
import jsonschema
from docx import Document
from markdown_it import MarkdownIt
from pycrdt import Map
from yclient import connected, note_texts, wait_for

from partnerboard.canvases.partnership_map.spec import SPEC

SCRIPT = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'


def centre_of(zone_id: str) -> tuple[float, float]:
    rect = SPEC.zone(zone_id).rect
    return rect.x + rect.w / 2 - 80, rect.y + rect.h / 2 - 50


def fill_partnership_map(server, board) -> None:
    """Notes in every zone, written by the facilitator (whose organisations stand as written:
    a participant's are the server's to stamp)."""
    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            for zone in ("values", "relations", "acting", "conditions"):
                x, y = centre_of(zone)
                client.add_note(f"{zone}-1", f"{zone} note", x=x, y=y, org="Gemeente")
            x, y = centre_of("values")
            client.add_note("values-2", SCRIPT, x=x, y=y + 120, org="Zorg")
            x, y = centre_of("actions")
            client.add_note("act-1", "Start a pilot", x=x, y=y, org="Zorg",
                            owner="Ayla", due="2027-03-01")
            client.add_note("act-2", "Write a plan", x=x, y=y + 120, org="Gemeente")
            x, y = centre_of("parking")
            client.add_note("parked", "Maybe later", x=x, y=y, org="Gemeente")
            client.add_note("nowhere", "Off the canvas", x=-5000, y=-5000, org="Gemeente")
            await client.flush()
        async with connected(server.board_ws(board, "observer")) as check:
            assert len(check.elements) == 9

    asyncio.run(scenario())


def api(server, method: str, path: str, token: str, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, server.url + path, headers=headers, timeout=10, **kwargs)


def test_finalize_produces_exactly_the_expected_sections(server):
    board = server.create_board()
    fill_partnership_map(server, board)
    tokens = board["tokens"]
    path = f"/api/boards/{board['id']}/finalize"
    assert api(server, "POST", path, tokens["participant"]).status_code == 403
    assert api(server, "POST", path, tokens["observer"]).status_code == 403
    answer = api(server, "POST", path, tokens["facilitator"])
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["state"] == "finalized"
    covenant = result["covenant"]
    sections = covenant["sections"]

    def texts(name):
        return [item["text"] for item in sections[name]]

    assert texts("values") == ["values note", SCRIPT]
    assert texts("process_agreements") == ["relations note"]
    assert texts("roles_and_communication") == ["acting note"]
    assert texts("conditions") == ["conditions note"]
    assert [(a["text"], a["owner"], a["due"]) for a in sections["actions"]] == [
        ("Start a pilot", "Ayla", "2027-03-01"), ("Write a plan", "", "")
    ]
    every_text = [item["text"] for items in sections.values() for item in items]
    assert "Maybe later" not in every_text and "Off the canvas" not in every_text
    assert sections["actions"][0]["element"] == "act-1"
    assert sections["actions"][0]["org"] == "Zorg"
    assert covenant["board"]["snapshot_sha256"] == result["snapshot_sha256"]
    assert [p["name"] for p in covenant["parties"]] == ["Gemeente", "Zorg"]
    schema = httpx.get(server.url + "/api/covenant.schema.json").json()
    jsonschema.validate(covenant, schema)
    checks = {check["id"]: check for check in covenant["completeness"]}
    assert checks["activities"]["status"] == "partly"
    assert any("Write a plan" in note for note in checks["activities"]["notes"])
    assert checks["parties"]["status"] == "fully"
    # The second time is a conflict.
    assert api(server, "POST", path, tokens["facilitator"]).status_code == 409


def test_updates_after_finalize_are_never_applied_and_clients_see_the_freeze(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board)) as client:
            client.add_note("before", "agreed")
            await client.flush()
            answer = await asyncio.to_thread(
                api, server, "POST", f"/api/boards/{board['id']}/finalize",
                board["tokens"]["facilitator"],
            )
            assert answer.status_code == 200
            meta = client.doc.get("meta", type=Map)
            await wait_for(lambda: meta.get("finalized") is True, what="frozen flag")
            client.add_note("after", "too late")
            await client.flush()
            assert client.close_code is None  # stays connected, read-only
        async with connected(server.board_ws(board, "facilitator")) as fresh:
            assert note_texts(fresh.doc) == {"before": "agreed"}
            fresh.add_note("later", "still too late")
            await fresh.flush()
        async with connected(server.board_ws(board, "observer")) as check:
            assert note_texts(check.doc) == {"before": "agreed"}

    asyncio.run(scenario())


def test_finalizing_twice_at_the_same_moment_freezes_once(server):
    """Eight finalize requests racing while a participant types: one 200, the rest 409, and
    the stored covenant is the one the winner answered with."""
    board = server.create_board()

    async def scenario() -> list[httpx.Response]:
        async with connected(server.board_ws(board)) as typist:
            typist.add_note("n0", "first")
            await typist.flush()
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                headers = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
                typist.add_note("n1", "while finalizing")
                return await asyncio.gather(*(
                    client.post(f"/api/boards/{board['id']}/finalize", headers=headers)
                    for _ in range(8)
                ))

    answers = asyncio.run(scenario())
    assert sorted(a.status_code for a in answers) == [200] + [409] * 7
    [winner] = [a.json() for a in answers if a.status_code == 200]
    info = api(server, "GET", f"/api/boards/{board['id']}", board["tokens"]["observer"]).json()
    assert info["state"] == "finalized"
    assert info["covenant_sha256"] == winner["covenant_sha256"]


def test_snapshot_hash_is_stable_across_a_restart(own_server):
    server = own_server.start()
    board = server.create_board()
    fill_partnership_map(server, board)
    token = board["tokens"]["facilitator"]
    first = api(server, "POST", f"/api/boards/{board['id']}/finalize", token).json()
    server.kill()
    server.start()
    again = api(server, "GET", f"/api/boards/{board['id']}/covenant", token).json()
    assert again["board"]["snapshot_sha256"] == first["snapshot_sha256"]
    assert again["sections"] == first["covenant"]["sections"]
    stored = server.query("SELECT data FROM final_snapshots")[0][0]
    assert hashlib.sha256(stored).hexdigest() == first["snapshot_sha256"]


def test_covenant_documents_in_every_format_keep_user_text_inert(server):
    board = server.create_board(language="nl")
    fill_partnership_map(server, board)
    token = board["tokens"]["participant"]
    path = f"/api/boards/{board['id']}/covenant"
    assert api(server, "GET", path, token).status_code == 409  # not finalized yet
    api(server, "POST", f"/api/boards/{board['id']}/finalize", board["tokens"]["facilitator"])

    html = api(server, "GET", path, token, params={"format": "html"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<script>document.title" not in html.text
    assert "&lt;script&gt;" in html.text
    assert "Concept samenwerkingsovereenkomst" in html.text and "Ondertekening" in html.text
    csp = html.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'none'" in csp
    assert "style-src 'sha256-" in csp

    markdown = api(server, "GET", path, token, params={"format": "md"}).text
    rendered = MarkdownIt("commonmark").render(markdown)
    assert "<script" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;document.title" in rendered  # shown as text
    assert "Start a pilot" in markdown and "Ayla" in markdown

    docx = api(server, "GET", path, token, params={"format": "docx"})
    assert docx.status_code == 200
    document = Document(io.BytesIO(docx.content))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "values note" in text and "Start a pilot" in text and SCRIPT in text
    assert "Maybe later" not in text

    as_json = api(server, "GET", path, token, params={"format": "json"}).json()
    assert as_json["language"] == "nl"
    bad = api(server, "GET", path, token, params={"format": "odt"})
    assert bad.status_code == 400 and "docx" in bad.json()["error"]


def test_signatures_refer_to_the_snapshot_and_show_in_documents(server):
    board = server.create_board()
    fill_partnership_map(server, board)
    tokens = board["tokens"]
    zorg = next(p for p in board["parties"] if p["name"] == "Zorg")["token"]
    sign = f"/api/boards/{board['id']}/signatures"
    early = api(server, "POST", sign, zorg, json={"name": "Ayla"})
    assert early.status_code == 409
    api(server, "POST", f"/api/boards/{board['id']}/finalize", tokens["facilitator"])
    observer = api(server, "POST", sign, tokens["observer"], json={"name": "Olga"})
    assert observer.status_code == 403
    signed = api(server, "POST", sign, zorg, json={"name": "Ayla", "organisation": "Gemeente"})
    assert signed.status_code == 201
    assert signed.json()["party"] == {"id": "p2", "name": "Zorg"}  # its own party, always
    twice = api(server, "POST", sign, zorg, json={"name": "Ayla"})
    assert twice.status_code == 409
    covenant = api(server, "GET", f"/api/boards/{board['id']}/covenant", tokens["observer"]).json()
    assert [(s["name"], s["organisation"]) for s in covenant["signatures"]] == [("Ayla", "Zorg")]
    checks = {check["id"]: check for check in covenant["completeness"]}
    assert checks["representatives"]["status"] == "partly"
    html = api(server, "GET", f"/api/boards/{board['id']}/covenant", tokens["observer"],
               params={"format": "html"}).text
    assert "Ayla" in html


def test_new_version_copies_the_snapshot_and_never_touches_the_old_board(server):
    board = server.create_board()
    fill_partnership_map(server, board)
    tokens = board["tokens"]
    versions = f"/api/boards/{board['id']}/versions"
    assert api(server, "POST", versions, tokens["facilitator"]).status_code == 409
    api(server, "POST", f"/api/boards/{board['id']}/finalize", tokens["facilitator"])
    assert api(server, "POST", versions, tokens["participant"]).status_code == 403
    answer = api(server, "POST", versions, tokens["facilitator"])
    assert answer.status_code == 201
    new = answer.json()
    assert new["predecessor"] == board["id"] and new["state"] == "open"
    assert set(new["tokens"]) == {"facilitator", "participant", "observer"}
    assert new["tokens"]["facilitator"] != tokens["facilitator"]

    async def scenario() -> None:
        async with connected(server.board_ws(new)) as client:
            assert len(client.elements) == 9
            assert client.doc.get("meta", type=Map)["finalized"] is False
            client.add_note("v2", "new idea")
            await client.flush()
        async with connected(server.board_ws(board, "observer")) as old:
            assert "v2" not in old.elements and len(old.elements) == 9

    asyncio.run(scenario())


def test_combined_covenant_keeps_provenance(server):
    first, second = server.create_board(title="Group A"), server.create_board(title="Group B")
    for board in (first, second):
        fill_partnership_map(server, board)
        api(server, "POST", f"/api/boards/{board['id']}/finalize", board["tokens"]["facilitator"])
    body = {"title": "Regional covenant", "boards": [
        {"id": first["id"], "token": first["tokens"]["observer"]},
        {"id": second["id"], "token": second["tokens"]["participant"]},
    ]}
    answer = httpx.post(server.url + "/api/covenants", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    combined = answer.json()
    assert [b["id"] for b in combined["boards"]] == [first["id"], second["id"]]
    sources = [item["source"] for item in combined["sections"]["values"]]
    assert sources == [first["id"], first["id"], second["id"], second["id"]]
    schema = httpx.get(server.url + "/api/covenant.schema.json").json()
    jsonschema.validate(combined, schema)
    docx = httpx.post(server.url + "/api/covenants?format=docx", json=body, timeout=10)
    assert docx.status_code == 200
    bad = {**body, "boards": [{"id": first["id"], "token": "nope"}]}
    assert httpx.post(server.url + "/api/covenants", json=bad).status_code == 403
    garbage = httpx.post(server.url + "/api/covenants", content=b"{]")
    assert garbage.status_code == 400
    open_board = server.create_board()
    still_open = {**body, "boards": [{"id": open_board["id"],
                                      "token": open_board["tokens"]["observer"]}]}
    assert httpx.post(server.url + "/api/covenants", json=still_open).status_code == 409
    assert json.loads(json.dumps(combined)) == combined


def test_facilitator_sees_the_checklist_before_finalizing(server):
    board = server.create_board()
    fill_partnership_map(server, board)
    path = f"/api/boards/{board['id']}/covenant/preview"
    assert api(server, "GET", path, board["tokens"]["participant"]).status_code == 403
    draft = api(server, "GET", path, board["tokens"]["facilitator"]).json()
    assert draft["preview"] is True
    checks = {check["id"]: check for check in draft["completeness"]}
    assert checks["activities"]["status"] == "partly"
    assert [item["text"] for item in draft["sections"]["conditions"]] == ["conditions note"]
    board_state = api(server, "GET", f"/api/boards/{board['id']}", board["tokens"]["observer"])
    assert board_state.json()["state"] == "open"  # previewing changes nothing
