"""Where one update's server time goes, in-process: checks, CRDT, store, fan-out (issue 16).

A real room on a real SQLite store (in a temporary directory) with one participant writer (the
guest link, as in the fan-out benchmark) and ``--receivers`` in-memory receivers takes the same
edits as the fan-out benchmark (every fifth a new note, the others move the last note). Each
part of the path is timed with the thread's CPU clock (CLOCK_THREAD_CPUTIME_ID), so the figures
do not depend on what else the machine runs; the receivers' transports only count bytes, so the
system calls of real sockets are not in them (the fan-out benchmark has those).

The hardening checks are: the bounded reader (``read_update``), the client-id checks before and
after applying, the board limits, and the guard's work around applying the update (its own
observers, shape checks, zone checks, the undo bookkeeping): the guard's time minus the plain
``Doc.apply_update`` inside it. Issue 16 asks them to cost under 10% of the per-update time.

    .venv/bin/python tests/benchmarks/update_path.py [--updates 5000] [--receivers 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from edits import EditSource  # noqa: E402
from pycrdt import Doc  # noqa: E402

from partnerboard.canvases.partnership_map.spec import SPEC  # noqa: E402
from partnerboard.server import client_ids  # noqa: E402
from partnerboard.server import room as room_module  # noqa: E402
from partnerboard.server.attribution import Attribution, Speaker  # noqa: E402
from partnerboard.server.boards import Boards  # noqa: E402
from partnerboard.server.doc_index import DocIndex  # noqa: E402
from partnerboard.server.guard import UpdateGuard  # noqa: E402
from partnerboard.server.room import Peer, Room  # noqa: E402
from partnerboard.server.store.sqlite import SQLiteStore  # noqa: E402
from partnerboard.server.tokens import Role  # noqa: E402

clock = time.thread_time


class NullTransport:
    """A receiver that takes every frame at once and keeps only the byte count."""

    def __init__(self) -> None:
        self.bytes = 0

    def send_now(self, data: bytes) -> bool:
        self.bytes += len(data)
        return True

    async def send(self, data: bytes) -> None:
        self.bytes += len(data)

    async def receive(self) -> bytes:
        raise NotImplementedError

    def receive_ready(self) -> bytes | None:
        return None

    async def close(self, code: int, reason: str = "") -> None:
        pass


class Timers:
    """CPU seconds per named part; nested parts are subtracted from their callers by name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.restore: list[Callable[[], None]] = []
        #: Labels whose calls are not counted while a part named in ``outside`` runs.
        self.running: set[str] = set()

    def wrap(self, owner: Any, name: str, label: str, outside: str = "") -> None:
        """Time ``owner.name`` under ``label``, except while the part ``outside`` runs."""
        original = getattr(owner, name)
        seconds, calls, running = self.seconds, self.calls, self.running

        def timed(*args: Any, **kwargs: Any) -> Any:
            if outside in running:
                return original(*args, **kwargs)
            started = clock()
            running.add(label)
            try:
                return original(*args, **kwargs)
            finally:
                running.discard(label)
                seconds[label] += clock() - started
                calls[label] += 1

        setattr(owner, name, timed)
        self.restore.append(lambda: setattr(owner, name, original))

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def undo(self) -> None:
        for restore in reversed(self.restore):
            restore()


def install_timers(store_class: type) -> Timers:
    """Time the parts of an update's path (the hardening checks among them) in this process."""
    timers = Timers()
    # The server reads its own stamp's update too: bookkeeping, not a check of the sender.
    timers.wrap(Room, "_server_wrote", "attribution: stamp bookkeeping")
    # Checks (hardening).
    timers.wrap(room_module, "read_update", "check: read_update",
                outside="attribution: stamp bookkeeping")
    timers.wrap(client_ids.ClientIds, "check", "check: client ids")
    timers.wrap(client_ids.ClientIds, "applied", "check: client ids")
    timers.wrap(Room, "_over_board_limits", "check: board limits")
    timers.wrap(DocIndex, "misplaced", "check: map entries")
    # The index of what the board holds, kept for the checks (types, map entries, ...).
    timers.wrap(DocIndex, "fresh", "index: fresh")
    timers.wrap(UpdateGuard, "apply", "guard (total)")
    timers.wrap(Doc, "apply_update", "crdt: apply_update")
    # Everything else.
    timers.wrap(Attribution, "finish", "attribution")
    timers.wrap(store_class, "append_update", "store: append")
    timers.wrap(Room, "compact", "store: compaction")
    timers.wrap(Peer, "push", "fan-out: push")
    return timers


def per_update(seconds: dict[str, float], updates: int, total: float) -> dict[str, float]:
    """Microseconds per update of each part, the guard's own work apart from the CRDT's, and
    ``total`` (CPU seconds over the same updates)."""
    s = dict(seconds)
    guard_apply = s.pop("guard (total)", 0.0)
    apply_inside_guard = min(guard_apply, s.get("crdt: apply_update", 0.0))
    s["check: guard"] = guard_apply - apply_inside_guard
    per = {k: 1e6 * v / updates for k, v in s.items()}
    per["total"] = 1e6 * total / updates
    return per


def measure(updates: int, receivers: int, compact_every: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="pb-update-path-") as tmp:
        store = SQLiteStore(Path(tmp) / "bench.sqlite3")
        record = Boards(store).create(SPEC, "bench", "en", ["Gemeente", "Zorg"]).record
        room = Room(record.id, store, spec=SPEC, compact_every=compact_every)
        writer = Peer(NullTransport(), Role.PARTICIPANT, room.limits, "participant")
        writer.speaker = Speaker(link="participant", role="participant")
        room.peers.add(writer)
        for _ in range(receivers):
            room.peers.add(Peer(NullTransport(), Role.PARTICIPANT, room.limits, "participant"))
        frames = [frame for _seq, frame in EditSource(0).take(updates)]
        warm = min(200, updates // 5)
        for frame in frames[:warm]:
            room.handle(writer, frame)

        timers = install_timers(type(store))
        started = clock()
        for frame in frames[warm:]:
            room.handle(writer, frame)
        total = clock() - started
        timers.undo()
        store.close()
    return per_update(timers.seconds, updates - warm, total)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--receivers", type=int, default=10)
    parser.add_argument("--compact-every", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    runs = [measure(args.updates, args.receivers, args.compact_every)
            for _ in range(args.repeats)]
    keys = sorted({k for run in runs for k in run}, key=lambda k: (k == "total", k))
    median = {k: statistics.median(run.get(k, 0.0) for run in runs) for k in keys}
    print(f"Per-update server CPU, {args.updates} edits, {args.receivers} in-memory receivers, "
          f"compaction every {args.compact_every}; median of {args.repeats} runs (thread CPU "
          "clock, so independent of the machine's other load). Rows overlap where one part "
          "calls another; the server's stamp of who wrote an edit goes out merged with it.\n")
    print_parts(median, "share")
    return 0


def print_parts(per: dict[str, float], share: str) -> None:
    """The parts as a Markdown table, each with its share of ``per["total"]``, and the
    hardening checks together."""
    total = per["total"]
    checks = sum(v for k, v in per.items() if k.startswith("check:"))
    print(f"| part | us per update | {share} |")
    print("|---|---|---|")
    for key in sorted(per, key=lambda k: (k == "total", k)):
        print(f"| {key} | {per[key]:.1f} | {100 * per[key] / total:.1f}% |")
    print(f"| **hardening checks together** | {checks:.1f} | **{100 * checks / total:.1f}%** "
          f"(target under 10%) |")


if __name__ == "__main__":
    raise SystemExit(main())
