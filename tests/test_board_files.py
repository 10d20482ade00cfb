"""Board files: export a board from one server and import it on another."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import zipfile

import httpx
import pytest
from conftest import ServerProcess
from yclient import connected, note_texts, wait_for


def api(server, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, server.url + path, headers=headers, timeout=30, **kwargs)


@pytest.fixture
def other(tmp_path):
    process = ServerProcess(tmp_path / "other").start()
    try:
        yield process
    finally:
        process.stop()


def fill(server, board, count: int) -> dict[str, str]:
    async def scenario() -> dict[str, str]:
        async with connected(server.board_ws(board)) as client:
            for index in range(count):
                client.add_note(f"n{index}", f"note {index} ✓", x=100 * index, y=200)
                await client.flush()
            async with connected(server.board_ws(board, "observer")) as check:
                await wait_for(lambda: len(check.elements) == count, what="stored")
                return note_texts(check.doc)

    return asyncio.run(scenario())


def read(server, board) -> dict[str, str]:
    async def scenario() -> dict[str, str]:
        async with connected(server.board_ws(board, "observer")) as client:
            return note_texts(client.doc)

    return asyncio.run(scenario())


def export(server, board) -> bytes:
    answer = api(server, "GET", f"/api/boards/{board['id']}/export", board["tokens"]["facilitator"])
    assert answer.status_code == 200, answer.text
    assert "attachment" in answer.headers["content-disposition"]
    return answer.content


def test_an_open_board_moves_with_its_history_to_another_server(server, other):
    board = server.create_board()
    texts = fill(server, board, 5)
    history = api(server, "GET", f"/api/boards/{board['id']}/history",
                  board["tokens"]["facilitator"]).json()
    for role in ("participant", "observer"):
        assert api(server, "GET", f"/api/boards/{board['id']}/export",
                   board["tokens"][role]).status_code == 403

    answer = api(other, "POST", "/api/boards/import", content=export(server, board))
    assert answer.status_code == 201, answer.text
    moved = answer.json()
    assert moved["id"] != board["id"] and moved["title"] == board["title"]
    assert moved["links"]["facilitator"].startswith(other.url)
    assert read(other, moved) == texts
    # The old links do not open the new board.
    assert api(other, "GET", f"/api/boards/{moved['id']}",
               board["tokens"]["facilitator"]).status_code == 403
    moved_history = api(other, "GET", f"/api/boards/{moved['id']}/history",
                        moved["tokens"]["facilitator"]).json()
    assert [(p["by"], p["updates"], p["at"]) for p in moved_history] == [
        (p["by"], p["updates"], p["at"]) for p in history]
    for old, new in zip(history, moved_history, strict=True):
        then = api(server, "GET", f"/api/boards/{board['id']}/history/{old['seq']}",
                   board["tokens"]["facilitator"]).json()
        now = api(other, "GET", f"/api/boards/{moved['id']}/history/{new['seq']}",
                  moved["tokens"]["facilitator"]).json()
        assert now["elements"] == then["elements"]


def test_a_finalized_board_keeps_its_covenant_hash_when_imported(server, other):
    board = server.create_board()
    fill(server, board, 3)
    fac = board["tokens"]["facilitator"]
    finalized = api(server, "POST", f"/api/boards/{board['id']}/finalize", fac).json()
    original = api(server, "GET", f"/api/boards/{board['id']}/covenant?format=docx", fac).content
    file = export(server, board)
    for target in (other, server):  # on another server, and again on the same one
        moved = api(target, "POST", "/api/boards/import", content=file).json()
        info = api(target, "GET", f"/api/boards/{moved['id']}", moved["tokens"]["observer"]).json()
        assert info["state"] == "finalized"
        assert info["covenant_sha256"] == finalized["covenant_sha256"]
        assert info["snapshot_sha256"] == finalized["snapshot_sha256"]
        again = api(target, "GET", f"/api/boards/{moved['id']}/covenant?format=docx",
                    moved["tokens"]["observer"]).content
        assert again == original


def _rewrite(file: bytes, change) -> bytes:  # noqa: ANN001
    source = zipfile.ZipFile(io.BytesIO(file))
    entries = {info.filename: source.read(info.filename) for info in source.infolist()}
    change(entries)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return out.getvalue()


def test_newer_or_damaged_board_files_are_refused_with_a_message(server):
    board = server.create_board()
    fill(server, board, 2)
    file = export(server, board)

    def newer(entries: dict) -> None:
        manifest = json.loads(entries["board.json"])
        manifest["version"] = 99
        entries["board.json"] = json.dumps(manifest).encode()

    def flipped(entries: dict) -> None:
        body = bytearray(entries["document.bin"])
        body[len(body) // 2] ^= 0xFF
        entries["document.bin"] = bytes(body)

    def dropped(entries: dict) -> None:
        del entries["history/updates.jsonl"]

    def no_manifest(entries: dict) -> None:
        del entries["board.json"]

    cases = [
        (_rewrite(file, newer), 422, "newer partnerboard"),
        (_rewrite(file, flipped), 422, "document.bin does not match"),
        (_rewrite(file, dropped), 422, "missing"),
        (_rewrite(file, no_manifest), 400, "not a board file"),
        (file[: len(file) // 2], 400, "not a board file"),
        (b"hello", 400, "not a board file"),
    ]
    before = len(api(server, "GET", f"/api/boards/{board['id']}/history",
                     board["tokens"]["facilitator"]).json())
    for body, status, message in cases:
        answer = api(server, "POST", "/api/boards/import", content=body)
        assert answer.status_code == status, (message, answer.text)
        assert message in answer.json()["error"]
    assert api(server, "POST", "/api/boards/import", content=b"").status_code == 400
    after = len(api(server, "GET", f"/api/boards/{board['id']}/history",
                    board["tokens"]["facilitator"]).json())
    assert after == before


def test_a_moved_history_still_says_which_party_and_seat_sent_each_update(server, other):
    board = server.create_board()
    zorg = next(p["token"] for p in board["parties"] if p["name"] == "Zorg")
    seat = api(server, "POST", f"/api/boards/{board['id']}/seats", zorg,
               json={"name": "Ayla"}).json()["id"]

    async def scenario() -> None:
        url = f"{server.ws_url}/{board['id']}?token={zorg}&seat={seat}"
        async with connected(url) as client, \
                connected(server.board_ws(board, "observer")) as check:
            client.add_note("a1", "Short lines", x=100, y=200)
            await client.flush()
            await wait_for(lambda: "a1" in check.elements, what="stored")

    asyncio.run(scenario())
    moved = api(other, "POST", "/api/boards/import", content=export(server, board)).json()
    points = api(other, "GET", f"/api/boards/{moved['id']}/history",
                 moved["tokens"]["facilitator"]).json()
    assert {"role": "participant", "party": {"id": "p2", "name": "Zorg"}, "seat": seat,
            "name": "Ayla", "org": "Zorg", "guest": False} in [
                s for p in points for s in p["senders"]]


def _forged(file: bytes, change) -> bytes:  # noqa: ANN001
    """A board file changed by hand, its manifest's hashes made to match again: anyone can
    write one, so the hashes prove only that the file agrees with itself."""
    def rewrite(entries: dict) -> None:
        manifest = json.loads(entries.pop("board.json"))
        change(manifest, entries)
        manifest["files"] = {name: hashlib.sha256(body).hexdigest()
                             for name, body in entries.items()}
        entries["board.json"] = json.dumps(manifest).encode()
    return _rewrite(file, rewrite)


def test_a_hand_made_board_file_brings_no_signature_or_foreign_covenant(server):
    """Signatures are made on the server that holds the board, by a party's own link: an
    imported board carries none, not even the exported ones. A finalized board's covenant is
    the one of its own final snapshot. Broken partners and a covenant that is not JSON are
    refused with a message, never stored (the answer was a 500, or a board whose covenant
    never downloaded)."""
    victim = server.create_board(title="Their agreement")
    mine = server.create_board(title="My board")
    for board in (victim, mine):
        api(server, "POST", f"/api/boards/{board['id']}/finalize",
            board["tokens"]["facilitator"]).raise_for_status()
    signed = api(server, "POST", f"/api/boards/{mine['id']}/signatures",
                 mine["parties"][0]["token"], json={"name": "Ayla"})
    assert signed.status_code == 201
    file = export(server, mine)
    their_covenant = zipfile.ZipFile(io.BytesIO(export(server, victim))).read("covenant.json")

    def forge_signature(manifest: dict, _entries: dict) -> None:
        manifest["signatures"] = [{"organisation": "Zorg", "name": "Nobody signed this",
                                   "signed_at": "2024-01-01T00:00:00+00:00",
                                   "snapshot_sha256": manifest["board"]["snapshot_sha256"]}]

    moved = api(server, "POST", "/api/boards/import",
                content=_forged(file, forge_signature)).json()
    covenant = api(server, "GET", f"/api/boards/{moved['id']}/covenant",
                   moved["tokens"]["observer"]).json()
    assert covenant["signatures"] == []

    def swap_covenant(manifest: dict, entries: dict) -> None:
        entries["covenant.json"] = their_covenant
        manifest["board"]["covenant_sha256"] = hashlib.sha256(their_covenant).hexdigest()

    def no_json_covenant(manifest: dict, entries: dict) -> None:
        entries["covenant.json"] = b"not json"
        manifest["board"]["covenant_sha256"] = hashlib.sha256(b"not json").hexdigest()

    open_document = zipfile.ZipFile(io.BytesIO(
        export(server, server.create_board()))).read("document.bin")

    def other_document(_manifest: dict, entries: dict) -> None:
        entries["document.bin"] = open_document

    def partner_without_id(manifest: dict, _entries: dict) -> None:
        manifest["board"]["partners"] = [{"name": "no id"}]

    def partner_twice(manifest: dict, _entries: dict) -> None:
        manifest["board"]["partners"] = [{"id": "p1", "name": "A", "color": "#fff"},
                                         {"id": "p1", "name": "B", "color": "#000"}]

    cases = [
        (swap_covenant, "not the one of its final snapshot"),
        (no_json_covenant, "not the one of its final snapshot"),
        (other_document, "not its final snapshot"),
        (partner_without_id, "board.partners[0] is not valid"),
        (partner_twice, "board.partners[1] is not valid"),
    ]
    boards_before = len(server.query("SELECT id FROM boards"))
    for change, message in cases:
        answer = api(server, "POST", "/api/boards/import", content=_forged(file, change))
        assert answer.status_code == 422, (change.__name__, answer.text)
        assert message in answer.json()["error"]
    assert len(server.query("SELECT id FROM boards")) == boards_before
