"""What a reader's sync answer holds: the board without the content of deleted items.

The room's document keeps the content of deleted items: the guard's undo needs it to put
back what a refused update deleted (pycrdt's UndoManager keeps whatever a tracked transaction
deletes, and every client update is applied as one), and stored updates are replayed with the
same items the room had (``skip_gc``: see doc_load). Encoded as it is, that document gave
everyone who opened the board later every text typed and deleted before, and every value
overwritten: the browser's Yjs drops such content on arrival, a hand-made client reads it.
Only the facilitator sees a board's past (the history API).

So the room answers a SyncStep1 from :class:`SyncView`: the document's encoding applied to a
document that collects deleted content, as Yjs clients and y-websocket do, and encoded again.
What it keeps between answers are those two encodings (bytes), not a second document: a second
document made among the room's own allocations left the heap fragmented once it was dropped
(measured: 3.6 KiB more per idle room). A burst of readers joining an unchanged board pays one
encoding and a byte comparison each; a reader that sends a state vector (one coming back) gets
its part diffed from the collected encoding (pycrdt's ``get_update``, Yjs's ``diffUpdate``),
which costs about half of decoding it into a document for the answer (4.0 against 7.6 ms at
3,000 notes). The room drops the bytes when
nobody has asked for a while (see :meth:`SyncView.drop_unused`).
"""

from __future__ import annotations

import time

from pycrdt import Doc, get_update

from .doc_load import collected_encoding

__all__ = ["SyncView"]

#: The state vector of a reader that holds nothing (Yjs encodes it as one zero).
EMPTY_STATE = b"\x00"


class SyncView:
    """What one room's readers are answered from, made on demand."""

    __slots__ = ("_source", "_collected", "used")

    def __init__(self) -> None:
        #: The room's document encoded when ``_collected`` was made from it.
        self._source: bytes | None = None
        self._collected = b""
        #: time.monotonic() of the last answer.
        self.used = 0.0

    def answer(self, live: Doc, state_vector: bytes) -> bytes:
        """The update that brings a reader at ``state_vector`` to ``live``'s state, without the
        content of deleted items. Raises what pycrdt raises for a bad state vector."""
        encoded = live.get_update()
        if encoded != self._source:
            self._collected, self._source = collected_encoding(encoded), encoded
        self.used = time.monotonic()
        if state_vector == EMPTY_STATE:
            return self._collected
        return get_update(self._collected, state_vector)  # Yjs's diffUpdate: no document

    def drop(self) -> None:
        """Forget what was made (the room's document was replaced or dropped)."""
        self._source, self._collected = None, b""

    def drop_unused(self, horizon: float) -> None:
        """Forget what was made unless it answered after ``horizon`` (time.monotonic())."""
        if self.used < horizon:
            self.drop()
