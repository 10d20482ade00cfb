"""Replay frames against a fresh server: which one closes the connection, kills the process or
writes a traceback. Used to confirm a finding's suspects, one at a time, or (``--sequence``) to
replay a whole round that killed the server and cut it down to the few frames that still do.

    .venv/bin/python tests/wsfuzz/replay.py --role participant HEX [HEX ...]
    .venv/bin/python tests/wsfuzz/replay.py --sequence tests/wsfuzz/out/death-1.hex --minimize
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

import websockets  # noqa: E402
from conftest import ServerProcess  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402
from wsfuzz.logscan import log_errors  # noqa: E402

from partnerboard.server import yprotocol as yp  # noqa: E402

__all__ = ["Outcome", "replay", "sequence_kills", "minimize"]


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


def replay(frames: list[bytes | str], role: str = "participant",
           python: str = sys.executable) -> list[Outcome]:
    """Each frame on its own fresh server and board."""
    outcomes = []
    for frame in frames:
        with tempfile.TemporaryDirectory(prefix="pb-replay-") as tmp:
            server = ServerProcess(Path(tmp), python=python).start(timeout=120)
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
                log = server.log_path.read_text(errors="replace")
                errors = [error.summary for error in log_errors(log)]
                outcomes.append(Outcome(code, alive, errors))
            finally:
                server.stop()
    return outcomes


async def _sequence(url: str, frames: list[bytes], alive: Callable[[], bool]) -> int | None:
    """Send frames in order, one connection at a time (a new one after each close); the index of
    the frame after which the server was dead, or None."""
    ws = None
    for index, frame in enumerate(frames):
        if ws is None:
            try:
                ws = await websockets.connect(url, max_size=None, compression=None,
                                              ping_interval=None)
            except OSError:
                return index - 1 if not alive() else None
        with contextlib.suppress(ConnectionClosed):
            await ws.send(frame)
            await ws.send(yp.sync_step1(b"\x00"))
        try:
            async for message in ws:
                if isinstance(message, bytes) and message[:2] == b"\x00\x01":
                    break
            else:
                ws = None
        except ConnectionClosed:
            ws = None
        if ws is None and not alive():
            return index
    if ws is not None:
        await ws.close()
    return None


def sequence_kills(frames: list[bytes], role: str, python: str,
                   errors: list[str] | None = None, base: bytes = b"") -> int | None:
    """Replay a sequence on a fresh server and board: the index of the killing frame, or None;
    the log's errors are added to ``errors``. ``base``, the fuzzed board's state when its round
    started, is written first by the facilitator (the frames refer to its items)."""
    with tempfile.TemporaryDirectory(prefix="pb-replay-") as tmp:
        server = ServerProcess(Path(tmp), python=python).start(timeout=120)
        try:
            board = server.create_board()

            def alive() -> bool:
                assert server.proc is not None
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.proc.wait(0.3)
                return server.proc.poll() is None

            if base:
                asyncio.run(_sequence(server.board_ws(board, "facilitator"),
                                      [yp.sync_update(base)], alive))
            return asyncio.run(_sequence(server.board_ws(board, role), frames, alive))
        finally:
            server.stop()
            if errors is not None:
                log = server.log_path.read_text(errors="replace")
                errors.extend(error.summary for error in log_errors(log))


def minimize(frames: list[bytes], role: str, python: str, base: bytes = b"") -> list[bytes]:
    """The shortest sequence found (by removing chunks) that still kills the server."""
    killer = sequence_kills(frames, role, python, base=base)
    if killer is None:
        return []
    frames = frames[: killer + 1]
    chunk = max(1, len(frames) // 2)
    while True:
        start = 0
        while start < len(frames) - 1:
            trial = frames[:start] + frames[start + chunk :]
            killer = sequence_kills(trial, role, python, base=base) if trial else None
            if killer is not None:
                frames = trial[: killer + 1]
            else:
                start += chunk
        if chunk == 1:
            return frames
        chunk = max(1, chunk // 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="replay.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--role", default="participant",
                        choices=("participant", "observer", "facilitator"))
    parser.add_argument("--server-python", default=sys.executable,
                        help="the interpreter that runs the server (another checkout's venv)")
    parser.add_argument("--file", type=Path, help="frames in hex, one a line, from a file")
    parser.add_argument("--sequence", action="store_true",
                        help="replay the frames as one sequence on one board (--file)")
    parser.add_argument("--minimize", action="store_true",
                        help="with --sequence: cut it down to the frames that still kill")
    parser.add_argument("frames", nargs="*", help="frames in hex")
    args = parser.parse_args(argv)
    texts = list(args.frames)
    if args.file:
        texts += [line.strip() for line in args.file.read_text().splitlines() if line.strip()]
    base = bytes.fromhex(texts.pop(0)[5:]) if texts and texts[0].startswith("base ") else b""
    frames = [bytes.fromhex(text) for text in texts]
    if args.sequence:
        if args.minimize:
            kept = minimize(frames, args.role, args.server_python, base)
            print(f"{len(kept)} of {len(frames)} frames still kill the server" if kept else
                  "the sequence does not kill the server")
            for frame in kept:
                print(frame.hex())
        else:
            errors: list[str] = []
            killer = sequence_kills(frames, args.role, args.server_python, errors, base)
            print("no death" if killer is None else f"dead after frame {killer}")
            print("log errors:", "; ".join(errors) or "none")
        return 0
    outcomes = replay(frames, args.role, args.server_python)
    for text, outcome in zip(texts, outcomes, strict=True):
        print(f"{text[:60]}{'...' if len(text) > 60 else ''}: {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
