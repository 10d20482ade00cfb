"""Benchmark edits: small note changes, generated with pycrdt before the clock starts.

A writer's edits only touch notes it created itself, so its updates can be produced in
advance from its own document and stay valid whatever else the board holds; the timed loop
then only sends bytes. Every edit carries its sequence number as a marker (see wire.py).
"""

from __future__ import annotations

import time

from pycrdt import Doc, Map, Text
from wire import marker, sync_update

__all__ = ["WRITER_SPAN", "EditSource", "note"]

#: Sequence numbers of writer ``w`` are ``w * WRITER_SPAN + k``; markers have nine digits.
WRITER_SPAN = 10_000_000


def note(text: str, x: float, y: float) -> Map:
    """A note shaped like the ones the web client makes (DESIGN.md section 6)."""
    return Map({
        "kind": "note", "x": x, "y": y, "w": 160.0, "h": 100.0, "text": Text(text),
        "author": "bench", "org": "Gemeente", "color": "#ffe066", "created": time.time() * 1000,
    })


class EditSource:
    """One writer's stream of edits: every fifth adds a note, the others move the last note."""

    def __init__(self, writer: int) -> None:
        self.writer = writer
        self.k = 0
        self.doc = Doc()
        self.elements = self.doc.get("elements", type=Map)
        self._updates: list[bytes] = []
        self._sub = self.doc.observe(lambda event: self._updates.append(event.update))
        self._last: Map | None = None

    def take(self, count: int) -> list[tuple[int, bytes]]:
        """The next ``count`` edits as (sequence number, sync Update frame)."""
        edits = []
        for _ in range(count):
            seq = self.writer * WRITER_SPAN + self.k
            if self.k % 5 == 0 or self._last is None:
                with self.doc.transaction():
                    key = f"w{self.writer}n{self.k}"
                    self.elements[key] = note(f"idea {marker(seq)}", self.k % 900, self.k % 600)
                self._last = self.elements[key]
            else:
                with self.doc.transaction():
                    self._last["x"] = float(self.k % 900)
                    self._last["y"] = float(self.k % 600)
                    self._last["rev"] = marker(seq)
            edits.append((seq, sync_update(self._updates.pop())))
            self.k += 1
        return edits
