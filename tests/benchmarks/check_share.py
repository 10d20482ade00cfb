"""The hardening checks' share of the real server's CPU per update (issue 16).

``update_path.py`` times an update's path inside one process, with receivers that take their
frames without a system call and without the WebSocket layer. This runs the real server
(``partnerboard serve``, started by this script with the same parts of the path timed) and
drives it as the soak does (soak.py): ``--clients`` over ``--boards`` boards, each client moving
its own note once a second and receiving the others' edits, over loopback sockets from other
processes. After ``--warmup`` seconds the server is told (SIGUSR1) to start counting, and after
``--seconds`` more (SIGUSR2) to write what it counted.

Reported per client update: the CPU time of the server's event-loop thread over the window
(everything it did: reading frames, the checks, storing, writing a frame to each other client's
socket), each timed part of it, and the whole process's CPU (SQLite and the rest).

    .venv/bin/python tests/benchmarks/check_share.py [--clients 200] [--boards 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from peers import PartnerboardServer  # noqa: E402
from soak import start_clients  # noqa: E402
from update_path import install_timers, per_update, print_parts  # noqa: E402

#: Every client frame is parsed once as a y-protocol message: the count of updates.
FRAMES = "frames: y-protocol parse"


def serve(dump: Path, argv: list[str]) -> int:
    """Run ``partnerboard serve`` in this process with the update path timed; SIGUSR1 starts
    a window, SIGUSR2 writes it to ``dump``."""
    from partnerboard.server import yprotocol
    from partnerboard.server.cli import main as cli_main
    from partnerboard.server.store.sqlite import SQLiteStore

    timers = install_timers(SQLiteStore)
    timers.wrap(yprotocol, "parse_message", FRAMES)
    began = {"thread": 0.0, "process": 0.0}

    def start(*_: object) -> None:
        timers.reset()
        began.update(thread=time.thread_time(), process=time.process_time())

    def stop(*_: object) -> None:
        dump.write_text(json.dumps({
            "seconds": timers.seconds, "calls": timers.calls,
            "thread": time.thread_time() - began["thread"],
            "process": time.process_time() - began["process"],
        }))

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    return cli_main(argv)


class TimedServer(PartnerboardServer):
    """Our server under this script's ``--serve``, writing its window to ``dump``."""

    def __init__(self) -> None:
        super().__init__()
        self.dump = self.tmp / "window.json"

    def command(self) -> tuple[list[str], dict[str, str]]:
        argv, env = super().command()
        serve_args = argv[argv.index("serve"):]
        return [sys.executable, str(Path(__file__).resolve()), "--serve", str(self.dump),
                *serve_args], env


def measure(clients: int, boards: int, warmup: float, seconds: float,
            processes: int) -> dict[str, float]:
    server = TimedServer()
    server.start()
    try:
        pipes, procs, _connected, errors = start_clients(
            server, clients, boards, warmup + seconds + 2, processes)
        if errors:
            raise RuntimeError(f"clients failed to connect: {errors[:3]}")
        for pipe in pipes:
            pipe.send("go")
        time.sleep(warmup)
        server.proc.send_signal(signal.SIGUSR1)  # type: ignore[union-attr]
        time.sleep(seconds)
        server.proc.send_signal(signal.SIGUSR2)  # type: ignore[union-attr]
        deadline = time.monotonic() + 10
        while not server.dump.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        window = json.loads(server.dump.read_text())
        for pipe in pipes:
            pipe.poll(120)
        for proc in procs:
            proc.join(10)
    finally:
        server.cleanup()
    updates = window["calls"][FRAMES]
    per = per_update(window["seconds"], updates, window["thread"])
    per["process"] = 1e6 * window["process"] / updates
    per["updates"] = updates
    return per


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 2 and sys.argv[1] == "--serve":
        return serve(Path(sys.argv[2]), sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--boards", type=int, default=20)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    per = measure(args.clients, args.boards, args.warmup, args.seconds, args.processes)
    updates, process = int(per.pop("updates")), per.pop("process")
    others = args.clients // args.boards - 1
    print(f"The real server, {args.clients} clients over {args.boards} boards (each moving its "
          f"own note once a second, every edit sent to the board's {others} "
          f"other clients over loopback sockets), {updates} client updates in {args.seconds:.0f} s "
          "after a warm-up. CPU per client update: the event-loop thread's (total) and the "
          f"process's ({process:.1f} us, SQLite included). Rows overlap where one part calls "
          "another.\n")
    print_parts(per, "share of the thread's")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
