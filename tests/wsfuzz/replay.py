"""Replay frames against a fresh server: which one closes the connection, kills the process or
writes a traceback. Used to confirm a finding's suspects, one at a time.

    .venv/bin/python tests/wsfuzz/replay.py --role participant HEX [HEX ...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

import websockets  # noqa: E402
from conftest import ServerProcess  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from partnerboard.server import yprotocol as yp  # noqa: E402

__all__ = ["Outcome", "replay"]


@dataclass
class Outcome:
    close_code: int | None
    alive: bool
    log_errors: list[str]

    def __str__(self) -> str:
        errors = "; ".join(self.log_errors) or "none"
        return (f"close code {self.close_code}, server {'alive' if self.alive else 'DEAD'}, "
                f"log errors: {errors}")


async def _send(url: str, frame: bytes | str) -> int | None:
    async with websockets.connect(url, max_size=None, compression=None) as ws:
        await ws.send(frame)
        await ws.send(yp.sync_step1(b"\x00"))
        try:
            async for message in ws:  # until the probe's answer, or the close
                if isinstance(message, bytes) and message[:2] == b"\x00\x01":
                    return None
        except ConnectionClosed:
            pass
        return ws.close_code


def replay(frames: list[bytes | str], role: str = "participant") -> list[Outcome]:
    """Each frame on its own fresh server and board."""
    from wsfuzz.harness import _log_errors

    outcomes = []
    for frame in frames:
        with tempfile.TemporaryDirectory(prefix="pb-replay-") as tmp:
            server = ServerProcess(Path(tmp)).start()
            try:
                board = server.create_board()
                code = None
                with contextlib.suppress(OSError, ConnectionClosed, TimeoutError):
                    code = asyncio.run(asyncio.wait_for(
                        _send(server.board_ws(board, role), frame), 30))
                assert server.proc is not None
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.proc.wait(2)  # a crash takes a moment to be reaped
                alive = server.proc.poll() is None
                errors = _log_errors(server.log_path.read_text(errors="replace"))
                outcomes.append(Outcome(code, alive, errors))
            finally:
                server.stop()
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="replay.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--role", default="participant",
                        choices=("participant", "observer", "facilitator"))
    parser.add_argument("frames", nargs="+", help="frames in hex")
    args = parser.parse_args(argv)
    for text, outcome in zip(args.frames, replay([bytes.fromhex(f) for f in args.frames],
                                                 args.role), strict=True):
        print(f"{text[:60]}{'...' if len(text) > 60 else ''}: {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
