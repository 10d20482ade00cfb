"""``partnerboard backup`` of a running server and ``restore`` on a stopped one."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
from conftest import ServerProcess, sqlite_file_only
from yclient import connected, note_texts, wait_for


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "partnerboard.server.cli", *args],
                          capture_output=True, text=True, timeout=120)


@sqlite_file_only("SQLite's online backup; on PostgreSQL, pg_dump backs up")
def test_backup_of_a_running_server_while_edits_arrive_restores_to_a_consistent_board(tmp_path):
    live = ServerProcess(tmp_path / "live").start()
    backup_file = tmp_path / "copy.sqlite3"
    try:
        board = live.create_board()

        async def edit_during_backup() -> subprocess.CompletedProcess[str]:
            async with connected(live.board_ws(board)) as writer:
                for index in range(30):
                    writer.add_note(f"n{index:03}", f"before {index}")
                await writer.flush()
                async with connected(live.board_ws(board, "observer")) as watcher:
                    await wait_for(lambda: len(watcher.elements) == 30, what="stored")
                running = asyncio.create_task(asyncio.to_thread(
                    cli, "backup", str(backup_file), "--data-dir", str(live.data_dir)))
                index = 30
                while not running.done() and index < 400:
                    writer.add_note(f"n{index:03}", f"during {index}")
                    await writer.flush()
                    index += 1
                return await running

        result = asyncio.run(edit_during_backup())
        assert result.returncode == 0, result.stderr
        assert "backed up 1 board(s)" in result.stdout
        # A second backup to the same name is refused rather than overwriting the first.
        again = cli("backup", str(backup_file), "--data-dir", str(live.data_dir))
        assert again.returncode == 2 and "already exists" in again.stderr
        # Restoring onto the running server's data dir is refused, and changes nothing.
        before = (live.data_dir / "partnerboard.sqlite3").stat().st_mtime_ns
        refused = cli("restore", str(backup_file), "--data-dir", str(live.data_dir))
        assert refused.returncode == 2 and "running" in refused.stderr
        assert (live.data_dir / "partnerboard.sqlite3").stat().st_mtime_ns == before
        # A second server on the same data dir is refused too.
        second = cli("serve", "--port", "0", "--data-dir", str(live.data_dir))
        assert second.returncode == 2 and "already serving" in second.stderr
    finally:
        live.stop()

    restored_dir = tmp_path / "restored"
    result = cli("restore", str(backup_file), "--data-dir", str(restored_dir))
    assert result.returncode == 0, result.stderr
    server = ServerProcess(restored_dir).start()
    try:
        async def read() -> dict[str, str]:
            async with connected(server.board_ws(board, "observer")) as reader:
                return note_texts(reader.doc)

        texts = asyncio.run(read())
        keys = sorted(texts)
        # One consistent moment: every note up to some point, none missing in between.
        assert keys == [f"n{index:03}" for index in range(len(keys))] and len(keys) >= 30
        info = httpx.get(f"{server.url}/api/boards/{board['id']}", timeout=10,
                         headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
        assert info.status_code == 200
    finally:
        server.stop()


def test_restore_refuses_what_is_not_a_whole_store_and_keeps_the_replaced_one(tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x01" * 5000)
    result = cli("restore", str(junk), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    missing = cli("restore", str(tmp_path / "nothing"), "--data-dir", str(tmp_path / "data"))
    assert missing.returncode == 2 and "not a file" in missing.stderr
    empty = cli("backup", str(tmp_path / "b.sqlite3"), "--data-dir", str(tmp_path / "none"))
    assert empty.returncode == 2 and "no partnerboard store" in empty.stderr

    data = tmp_path / "data"
    assert cli("migrate", "--data-dir", str(data)).returncode == 0
    assert cli("backup", str(tmp_path), "--data-dir", str(data)).returncode == 0
    copy = next(tmp_path.glob("partnerboard-*.sqlite3"))
    done = cli("restore", str(copy), "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    assert list(data.glob("partnerboard.sqlite3.before-restore-*"))
