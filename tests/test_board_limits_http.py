"""Board limits on the HTTP paths that make or fill a board (merge, brainstorm reveal, import,
new versions): the same limits as WebSocket updates, and the create key and create rate of
``POST /api/boards``. Each was a hole an attack review found: the limits held only on the
WebSocket."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import ServerProcess, app_settings
from starlette.testclient import TestClient
from test_seats import call, join
from yclient import connected, wait_for

from partnerboard.canvases import partnership_map
from partnerboard.plugins.manager import build_registry
from partnerboard.server import brainstorm
from partnerboard.server.app import create_app


@pytest.fixture
def start(tmp_path: Path) -> Iterator:
    """Start servers of this test's own with extra options; all stopped at the end."""
    started: list[ServerProcess] = []

    def start_server(*options: str) -> ServerProcess:
        started.append(ServerProcess(tmp_path / f"data{len(started)}", *options).start())
        return started[-1]

    try:
        yield start_server
    finally:
        for process in started:
            process.stop()


def add_notes(server: ServerProcess, board: dict, count: int, prefix: str, text: str = "") -> None:
    """Write notes and wait until the server holds them."""
    ids = {f"{prefix}{index}" for index in range(count)}

    async def write() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client, \
                connected(server.board_ws(board, "observer")) as check:
            for note_id in sorted(ids):
                client.add_note(note_id, text or note_id, x=100, y=100)
            await client.flush()
            await wait_for(lambda: ids <= set(check.elements.keys()), limit=15, what="stored")

    asyncio.run(write())


def elements_of(server: ServerProcess, board: dict) -> set[str]:
    async def read() -> set[str]:
        async with connected(server.board_ws(board, "observer")) as client:
            return set(client.elements.keys())

    return asyncio.run(read())


def merge(server: ServerProcess, *boards: dict) -> httpx.Response:
    return httpx.post(server.url + "/api/boards/merge", timeout=60, json={
        "title": "Merged", "boards": [
            {"id": b["id"], "token": b["tokens"]["facilitator"]} for b in boards]})


def board_count(server: ServerProcess) -> int:
    return server.query("SELECT count(*) FROM boards")[0][0]


def test_a_board_is_listed_once_in_a_merge(server):
    """Listed twelve times, one board was copied twelve times (1,440 elements in two merges)."""
    board, other = server.create_board(), server.create_board()
    before = board_count(server)
    answer = merge(server, board, other, board)
    assert answer.status_code == 400
    assert answer.json()["error"] == (f"boards[2]: board {board['id']} is listed twice; "
                                      "list each board once")
    assert board_count(server) == before
    assert merge(server, board, other).status_code == 201


def test_a_merge_over_the_element_or_byte_limit_is_refused(start):
    server = start("--max-board-elements", "5", "--max-board-bytes", "30000")
    one, two, three, four = (server.create_board() for _ in range(4))
    add_notes(server, one, 3, "a")
    add_notes(server, two, 3, "b")
    before = board_count(server)
    answer = merge(server, one, two)
    assert answer.status_code == 413
    assert answer.json()["error"] == (
        "the merged board would hold 6 elements, more than the 5 a board may hold on this "
        "server (--max-board-elements)")
    # Few elements, but too many bytes together: refused on the merged document's size.
    add_notes(server, three, 1, "c", "x" * 20_000)
    add_notes(server, four, 1, "d", "y" * 20_000)
    answer = merge(server, three, four)
    assert answer.status_code == 413
    assert answer.json()["error"].startswith("the merged board would hold ")
    assert "(--max-board-bytes)" in answer.json()["error"]
    assert board_count(server) == before
    # Within both limits, a merge works as before.
    merged = merge(server, one, server.create_board())
    assert merged.status_code == 201, merged.text
    assert len(elements_of(server, merged.json())) == 3


def test_a_merge_over_the_partner_limit_is_refused(server):
    """Three boards of 40 partners made a board of 120 (at most 40 otherwise)."""
    boards = [server.create_board(partners=[{"name": f"Org {k}-{i}"} for i in range(20)])
              for k in range(3)]
    answer = merge(server, *boards)
    assert answer.status_code == 413
    assert answer.json()["error"] == ("the merged board would have 60 partners, more than the "
                                      "40 a board may have")
    assert merge(server, *boards[:2]).status_code == 201  # 40 partners: fine


def test_drafts_and_the_reveal_stay_within_the_element_limit(start):
    server = start("--max-board-elements", "5")
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    facilitator, guest = board["tokens"]["facilitator"], board["tokens"]["participant"]
    add_notes(server, board, 3, "n")
    seat = join(server, board, guest, "Gijs", "Omega")["id"]
    assert call(server, "POST", base + "/brainstorm", facilitator).status_code == 201
    for index in range(2):
        made = call(server, "POST", base + "/drafts", guest, {"seat": seat, "text": f"d{index}"})
        assert made.status_code == 201, made.text
    # Three on the board and two hidden: a third hidden note would not fit once revealed.
    refused = call(server, "POST", base + "/drafts", guest, {"seat": seat, "text": "d2"})
    assert refused.status_code == 409
    assert refused.json()["error"] == (
        "no room for another hidden note: once revealed, the board would hold 6 elements, "
        "more than the 5 a board may hold on this server (--max-board-elements)")
    # The board fills up meanwhile: the reveal refuses, reveals nothing and keeps the drafts.
    add_notes(server, board, 2, "late")
    answer = call(server, "POST", base + "/brainstorm/reveal", facilitator)
    assert answer.status_code == 409
    assert answer.json()["error"].startswith(
        "the 2 hidden notes do not fit: the board would hold 7 elements, more than the 5 ")
    assert len(elements_of(server, board)) == 5
    assert len(call(server, "GET", base + "/drafts", guest, params={"seat": seat}).json()) == 2

    async def make_room() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client, \
                connected(server.board_ws(board, "observer")) as check:
            del client.elements["late0"]
            del client.elements["late1"]
            await client.flush()
            await wait_for(lambda: len(check.elements) == 3, limit=15, what="two notes deleted")

    asyncio.run(make_room())
    answer = call(server, "POST", base + "/brainstorm/reveal", facilitator)
    assert answer.status_code == 200, answer.text
    assert answer.json()["revealed"] == 2
    assert len(elements_of(server, board)) == 5


def board_bytes(server: ServerProcess, board: dict) -> int:
    """The size of the board's document as a client receives it."""
    async def read() -> int:
        async with connected(server.board_ws(board, "observer")) as client:
            return len(client.doc.get_update())

    return asyncio.run(read())


def test_drafts_and_the_reveal_stay_within_the_byte_limit(start):
    """Long hidden notes, round after round, grew a board past --max-board-bytes: the reveal
    is the server's change, and only the element limit was applied to it."""
    limit = 40_000
    server = start("--max-board-bytes", str(limit))
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    facilitator, guest = board["tokens"]["facilitator"], board["tokens"]["participant"]
    seat = join(server, board, guest, "Gijs", "Omega")["id"]
    assert call(server, "POST", base + "/brainstorm", facilitator).status_code == 201
    long_text = "x" * brainstorm.MAX_TEXT
    codes = [call(server, "POST", base + "/drafts", guest, {"seat": seat, "text": long_text}
                  ).status_code for _ in range(8)]
    assert 201 in codes and codes[-1] == 409, codes
    kept = codes.count(201)
    assert codes == [201] * kept + [409] * (8 - kept)
    refused = call(server, "POST", base + "/drafts", guest, {"seat": seat, "text": long_text})
    assert "bytes, more than the 40000 a board may hold" in refused.json()["error"]
    # A short draft made long again is held to the same limit.
    drafts = call(server, "GET", base + "/drafts", guest, params={"seat": seat}).json()
    short = call(server, "PUT", f"{base}/drafts/{drafts[0]['id']}", guest,
                 {"seat": seat, "text": "short"})
    assert short.status_code == 200
    assert call(server, "POST", base + "/drafts", guest,
                {"seat": seat, "text": "y" * 1500}).status_code == 201
    grown = call(server, "PUT", f"{base}/drafts/{drafts[0]['id']}", guest,
                 {"seat": seat, "text": long_text})
    assert grown.status_code == 409, grown.text
    # The board fills up meanwhile: the reveal refuses and keeps the drafts.
    add_notes(server, board, 1, "big", text="z" * (limit - board_bytes(server, board) - 4_000))
    answer = call(server, "POST", base + "/brainstorm/reveal", facilitator)
    assert answer.status_code == 409, answer.text
    assert "bytes, more than the 40000" in answer.json()["error"]
    kept_drafts = call(server, "GET", base + "/drafts", guest, params={"seat": seat}).json()
    assert len(kept_drafts) == kept + 1
    assert board_bytes(server, board) <= limit


def test_restores_stay_within_the_byte_limit(start):
    """A restore is the server's change, which no WebSocket limit sees, and every restore
    leaves what it replaced in the document: restoring two moments in turn grew a board past
    --max-board-bytes (an attack review)."""
    limit = 60_000
    server = start("--max-board-bytes", str(limit))
    board = server.create_board()
    base = f"/api/boards/{board['id']}"
    facilitator = board["tokens"]["facilitator"]

    def last_seq() -> int:
        return call(server, "GET", base + "/history", facilitator).json()[-1]["seq"]

    add_notes(server, board, 40, "n", text="a" * 300)
    full = last_seq()

    async def delete_all() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client, \
                connected(server.board_ws(board, "observer")) as check:
            with client.doc.transaction():
                for key in list(client.elements.keys()):
                    del client.elements[key]
            await client.flush()
            await wait_for(lambda: len(check.elements) == 0, limit=15, what="notes deleted")

    asyncio.run(delete_all())
    empty = last_seq()
    codes = []
    for index in range(40):
        answer = call(server, "POST", base + "/restore", facilitator,
                      {"seq": (full, empty)[index % 2]})
        codes.append(answer.status_code)
        if answer.status_code != 200:
            break
    assert codes[-1] == 409 and set(codes[:-1]) == {200} and len(codes) > 2, codes
    assert answer.json()["error"].endswith("Nothing was restored")
    assert board_bytes(server, board) <= limit


def test_a_board_holds_at_most_so_many_drafts_whatever_its_element_limit(
    tmp_path, database_url, monkeypatch
):
    """Drafts were capped per seat only: 50 a seat, 80 seats a link, many links."""
    monkeypatch.setattr(brainstorm, "MAX_DRAFTS_PER_BOARD", 3)
    registry = build_registry(entry_points=False, plugins=[("partnership-map", partnership_map)])
    with TestClient(create_app(app_settings(tmp_path, database_url), registry)) as client:
        board = client.post("/api/boards", json={
            "canvas": "partnership-map", "title": "Drafts", "language": "en",
            "partners": [{"name": "Gemeente"}]}).json()
        base = f"/api/boards/{board['id']}"

        def as_(token: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {token}"}

        guest = as_(board["tokens"]["participant"])
        seats = [client.post(base + "/seats", headers=guest, json={"name": name, "org": "O"}
                             ).json()["id"] for name in ("Ann", "Bob")]
        assert client.post(base + "/brainstorm", headers=as_(board["tokens"]["facilitator"])
                           ).status_code == 201
        codes = [client.post(base + "/drafts", headers=guest,
                             json={"seat": seat, "text": "idea"}).status_code
                 for seat in (seats[0], seats[0], seats[1], seats[1])]
        assert codes == [201, 201, 201, 409]
        refused = client.post(base + "/drafts", headers=guest, json={"seat": seats[1], "text": "x"})
        assert refused.json()["error"] == "at most 3 hidden notes per board"


def test_an_imported_board_over_the_limits_is_refused(server, start):
    """The file size was the only check: a 10-element board imported where 5 is the limit."""
    board = server.create_board()
    add_notes(server, board, 6, "n")
    raw = httpx.get(server.url + f"/api/boards/{board['id']}/export", timeout=30,
                    headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"}).content
    small = start("--max-board-elements", "5")
    answer = httpx.post(small.url + "/api/boards/import", content=raw, timeout=30)
    assert answer.status_code == 422
    assert answer.json()["error"] == (
        "the board in this file holds 6 elements, more than the 5 a board may hold on this "
        "server (--max-board-elements)")
    tight = start("--max-board-bytes", "1000")
    answer = httpx.post(tight.url + "/api/boards/import", content=raw, timeout=30)
    assert answer.status_code == 422
    assert "(--max-board-bytes)" in answer.json()["error"]
    assert board_count(small) == board_count(tight) == 0
    roomy = start("--max-board-elements", "6")
    assert httpx.post(roomy.url + "/api/boards/import", content=raw, timeout=30
                      ).status_code == 201


def finalized(server: ServerProcess) -> dict:
    made = httpx.post(server.url + "/api/boards", timeout=10, json={
        "canvas": "partnership-map", "title": "Agreed", "partners": [{"name": "A"}]})
    assert made.status_code == 201, made.text
    board = made.json()
    assert call(server, "POST", f"/api/boards/{board['id']}/finalize",
                board["tokens"]["facilitator"]).status_code == 200
    return board


def new_version(server: ServerProcess, board: dict) -> httpx.Response:
    headers = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
    return httpx.post(server.url + f"/api/boards/{board['id']}/versions", headers=headers,
                      timeout=30)


def test_merge_and_new_versions_count_against_the_create_rate(start):
    """Merging and new versions make boards: they count against the boards an address may
    make per minute. (They need no create key: their facilitators were trusted with boards.)"""
    server = start("--create-per-minute", "2")
    one, two = finalized(server), finalized(server)  # the two boards of this minute
    refused = merge(server, one, two)
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert new_version(server, one).status_code == 429
    assert board_count(server) == 2
