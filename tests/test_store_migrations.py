"""The store's schema version and migrations: old data dirs open, newer ones are refused."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
from conftest import ServerProcess, sqlite_file_only
from yclient import connected, note_texts

from partnerboard.server.store.migrations import migrations
from partnerboard.server.store.sqlite_migrate import LATEST

FIXTURE = Path(__file__).parent / "fixtures" / "store-0.1.0"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text("utf-8"))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "partnerboard.server.cli", *args],
                          capture_output=True, text=True, timeout=60)


def _get(server: ServerProcess, path: str, token: str) -> httpx.Response:
    return httpx.get(server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)


async def _notes(server: ServerProcess, board: dict) -> dict[str, str]:
    async with connected(server.board_ws(board, "observer")) as client:
        return note_texts(client.doc)


def _copy_fixture(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURE / "partnerboard.sqlite3", data / "partnerboard.sqlite3")
    return data


def _version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT max(version) FROM schema_version").fetchone()[0])
    finally:
        db.close()


@sqlite_file_only("release 0.1.0 stored its boards in SQLite only")
def test_a_data_dir_of_release_0_1_0_opens_with_every_board_and_covenant(tmp_path):
    data = _copy_fixture(tmp_path)
    server = ServerProcess(data).start()
    try:
        for entry in EXPECTED["boards"]:
            board = entry["board"]
            info = _get(server, f"/api/boards/{board['id']}", board["tokens"]["facilitator"])
            assert info.status_code == 200, info.text
            assert info.json()["title"] == board["title"]
            assert info.json()["predecessor"] == entry.get("predecessor")
            assert asyncio.run(_notes(server, board)) == entry["notes"]
            if "covenant" not in entry:
                assert info.json()["state"] == "open"
                continue
            assert info.json()["state"] == "finalized"
            assert info.json()["snapshot_sha256"] == entry["snapshot_sha256"]
            answer = _get(server, f"/api/boards/{board['id']}/covenant?format=json",
                          board["tokens"]["observer"])
            assert answer.status_code == 200, answer.text
            covenant, old = answer.json(), entry["covenant"]
            assert covenant["sections"] == old["sections"]
            assert covenant["parties"] == old["parties"]
            assert covenant["board"]["snapshot_sha256"] == entry["snapshot_sha256"]
            assert covenant["board"]["finalized_at"] == old["board"]["finalized_at"]
            assert [(s["name"], s["signed_at"]) for s in covenant["signatures"]] == [
                (s["name"], s["signed_at"]) for s in old["signatures"]
            ]
        # History starts at the snapshot 0.1.0 had kept, and reaches the board as it is.
        open_board = EXPECTED["boards"][0]["board"]
        token = open_board["tokens"]["facilitator"]
        points = _get(server, f"/api/boards/{open_board['id']}/history", token).json()
        assert points[0]["start"]
        last = _get(server, f"/api/boards/{open_board['id']}/history/{points[-1]['seq']}", token)
        assert {k: v["text"] for k, v in last.json()["elements"].items()} == (
            EXPECTED["boards"][0]["notes"])
        # The votes of the round still open when 0.1.0 stopped are still counted. Their voter
        # ids were made up by browsers, not seats: nobody reads them one by one any more.
        open_board = EXPECTED["boards"][0]["board"]
        mine = _get(server, f"/api/boards/{open_board['id']}/votes?voter=anna",
                    open_board["tokens"]["participant"])
        assert mine.status_code == 403
        closed = httpx.post(f"{server.url}/api/boards/{open_board['id']}/voting/close",
                            headers={"Authorization":
                                     f"Bearer {open_board['tokens']['facilitator']}"},
                            timeout=10)
        results = closed.json()["results"]
        for element, count in EXPECTED["boards"][0]["votes"]["2"].items():
            assert results[element] >= count
    finally:
        server.stop()
    assert _version(data / "partnerboard.sqlite3") == LATEST


def test_migrate_command_upgrades_once_and_then_reports_up_to_date(tmp_path):
    data = _copy_fixture(tmp_path)
    first = _cli("migrate", "--data-dir", str(data))
    assert first.returncode == 0, first.stderr
    assert f"from version 0 to {LATEST}" in first.stderr
    again = _cli("migrate", "--data-dir", str(data))
    assert again.returncode == 0 and "up to date" in again.stderr
    db = sqlite3.connect(data / "partnerboard.sqlite3")
    rows = db.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
    db.close()
    assert rows == [(m.version, m.name) for m in migrations("sqlite")]


def test_two_processes_migrating_an_empty_dir_at_once_both_succeed(tmp_path):
    procs = [
        subprocess.Popen([sys.executable, "-m", "partnerboard.server.cli", "migrate",
                          "--data-dir", str(tmp_path)], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    results = [(proc.returncode, err) for proc in procs for _out, err in [proc.communicate(60)]]
    # The whole of each error (an assertion's values would be cut short in the report).
    assert all(code == 0 for code, _ in results), "\n".join(err for _code, err in results)
    assert _version(tmp_path / "partnerboard.sqlite3") == LATEST


def test_a_schema_newer_than_the_code_is_refused_and_left_untouched(tmp_path):
    data = _copy_fixture(tmp_path)
    assert _cli("migrate", "--data-dir", str(data)).returncode == 0
    path = data / "partnerboard.sqlite3"
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (?, 'from_the_future', 'later')", (LATEST + 1,))
    db.commit()
    db.close()
    before = path.read_bytes()
    for command in (["serve", "--port", "0"], ["migrate"]):
        result = _cli(*command, "--data-dir", str(data))
        assert result.returncode == 2
        assert f"schema version {LATEST + 1}" in result.stderr
        assert "newer release" in result.stderr
        assert "Traceback" not in result.stderr
    assert path.read_bytes() == before


def test_a_file_that_is_no_database_is_refused_with_a_clear_message(tmp_path):
    (tmp_path / "partnerboard.sqlite3").write_bytes(b"this is not a database at all" * 100)
    result = _cli("serve", "--port", "0", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "cannot be opened" in result.stderr and "Traceback" not in result.stderr
