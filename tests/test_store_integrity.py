"""A damaged data file is refused at start; a damaged board answers 503 and harms no other."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import websockets
from conftest import ServerProcess, sqlite_file_only
from yclient import connected


def _serve(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "partnerboard.server.cli", "serve", "--port", "0",
         "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=60,
    )


def _fill(tmp_path: Path, boards: int = 40) -> Path:
    server = ServerProcess(tmp_path / "data").start()
    try:
        for index in range(boards):
            server.create_board(title=f"Bord {index} " + "x" * 150,
                                partners=[{"name": f"Partner {i}"} for i in range(20)])
    finally:
        server.terminate()
    return server.data_dir / "partnerboard.sqlite3"


@sqlite_file_only("damage to the SQLite file; PostgreSQL checks its own pages")
@pytest.mark.parametrize("where", ["middle", "header"])
def test_a_damaged_data_file_is_refused_at_start_with_a_clear_message(tmp_path, where):
    path = _fill(tmp_path)
    size = path.stat().st_size
    assert size > 8 * 4096, "the file should span many pages"
    noise = random.Random(9).randbytes(size // 3)
    with path.open("r+b") as file:
        file.seek(size // 3 if where == "middle" else 0)
        file.write(noise)
    started = _serve(path.parent)
    assert started.returncode == 2
    message = started.stderr
    assert f"the data file {path} is damaged" in message
    assert "backup" in message and "will not start" in message
    assert "Traceback" not in message and "listening on" not in message


@sqlite_file_only("the sound SQLite file beside the damaged ones")
def test_a_sound_file_starts(tmp_path):
    path = _fill(tmp_path, boards=3)
    server = ServerProcess(path.parent).start()
    server.stop()


def test_a_damaged_board_answers_503_and_the_others_work(tmp_path):
    server = ServerProcess(tmp_path / "data", "--room-idle-seconds", "0").start()
    try:
        damaged, sound, final, broken_update = (server.create_board() for _ in range(4))
        token = final["tokens"]["facilitator"]
        finalized = httpx.post(f"{server.url}/api/boards/{final['id']}/finalize",
                               headers={"authorization": f"Bearer {token}"}, timeout=60)
        assert finalized.status_code == 200
    finally:
        server.terminate()
    server.query("UPDATE snapshots SET data = ? WHERE board_id = ?",
                 b"\x01\x02garbage" * 20, damaged["id"])
    server.query("INSERT INTO updates (board_id, data) VALUES (?, ?)",
                 broken_update["id"], b"\x05\xff\xff\xff\x0f")
    other = server.query("SELECT data FROM snapshots WHERE board_id = ?", sound["id"])[0][0]
    server.query("UPDATE final_snapshots SET data = ? WHERE board_id = ?", other, final["id"])
    server.start()
    try:
        def call(board: dict, method: str, path: str, **kwargs) -> httpx.Response:
            headers = {"authorization": f"Bearer {board['tokens']['facilitator']}"}
            return httpx.request(method, f"{server.url}/api/boards/{board['id']}{path}",
                                 headers=headers, timeout=60, **kwargs)

        reads = [("GET", "/compare", {}), ("GET", "/participation", {}),
                 ("GET", "/covenant/preview", {}),
                 ("POST", "/voting", {"json": {"votes_per_participant": 3}}),
                 ("POST", "/finalize", {})]
        # (Reading votes needs a seat the server issued; a made-up voter is refused first.)
        for board in (damaged, broken_update):
            for method, path, kwargs in reads:
                answer = call(board, method, path, **kwargs)
                assert answer.status_code == 503, (path, answer.text)
                assert "damaged" in answer.json()["error"]
            page = httpx.get(f"{server.url}/b/{board['id']}?token={board['tokens']['observer']}")
            assert page.status_code == 503 and 'data-field="damaged"' in page.text
        # A new version starts from the final snapshot, which no longer matches its hash...
        answer = call(final, "POST", "/versions")
        assert answer.status_code == 503, answer.text
        # ...while the covenant was stored at finalize and is served as it was signed.
        for path in ("/covenant", "/covenant?format=docx"):
            assert call(final, "GET", path).status_code == 200, path

        async def sockets() -> None:
            async with websockets.connect(server.board_ws(damaged)) as ws:
                with pytest.raises(websockets.ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)
                assert ws.close_code == 1011
                assert "damaged" in ws.close_reason
            async with connected(server.board_ws(sound)) as client:
                client.add_note("n1", "still works")
                await client.flush()
                assert "n1" in client.elements

        asyncio.run(sockets())
        for method, path, kwargs in reads[:3]:
            assert call(sound, method, path, **kwargs).status_code == 200, path
        page = httpx.get(f"{server.url}/b/{sound['id']}?token={sound['tokens']['observer']}")
        assert page.status_code == 200
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert "Traceback" not in log
    assert f"board {damaged['id']}: stored data is damaged" in log
