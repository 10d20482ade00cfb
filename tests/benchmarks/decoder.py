"""What the bounded update reader (server/yupdate.py) costs per update, beside applying it.

Every client update is walked in Python before pycrdt sees it; this prints the cost of that
walk for the updates a session really sends (a new note, a move, a typed character) and for a
whole 5,000-note board arriving as one SyncStep2, next to pycrdt's own apply of the same bytes.

Run: ``.venv/bin/python tests/benchmarks/decoder.py`` (part of ``make bench``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from edits import note
from pycrdt import Doc, Map

from partnerboard.server.yupdate import read_update


def per_call(function: Callable[[], object], seconds: float = 0.5) -> float:
    """Microseconds per call, best of three rounds of about ``seconds`` each."""
    best = float("inf")
    for _ in range(3):
        calls, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds / 3:
            function()
            calls += 1
        best = min(best, (time.perf_counter() - started) / calls)
    return best * 1e6


def samples() -> dict[str, bytes]:
    doc = Doc()
    elements = doc.get("elements", type=Map)
    updates: dict[str, bytes] = {}
    state = doc.get_state()
    elements["n0"] = note("A shared goal for the region", 100, 100)
    updates["new note"] = doc.get_update(state)
    state = doc.get_state()
    elements["n0"]["x"] = 140.0
    updates["move"] = doc.get_update(state)
    state = doc.get_state()
    elements["n0"]["text"] += "!"
    updates["one character"] = doc.get_update(state)
    board = Doc()
    with board.transaction():
        for i in range(5_000):
            board.get("elements", type=Map)[f"n{i}"] = note(f"Note {i}: a goal", i % 80, i)
    updates["5,000-note board"] = board.get_update()
    return updates


def main() -> None:
    header = ("update", "bytes", "read_update µs", "pycrdt apply µs", "ratio")
    print("{:<18} {:>9} {:>15} {:>16} {:>6}".format(*header))
    for name, data in samples().items():
        read = per_call(lambda data=data: read_update(data))
        apply = per_call(lambda data=data: Doc().apply_update(data))
        print(f"{name:<18} {len(data):>9} {read:>15.1f} {apply:>16.1f} {read / apply:>6.2f}")


if __name__ == "__main__":
    main()
