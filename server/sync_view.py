"""What a reader's sync answer holds: the board without the content of deleted items.

The room's document keeps the content of deleted items: the guard's undo needs it to put
back what a refused update deleted (pycrdt's UndoManager keeps whatever a tracked transaction
deletes, and every client update is applied as one), and stored updates are replayed with the
same items the room had (``skip_gc``: see doc_load). Encoded as it is, that document gave
everyone who opened the board later every text typed and deleted before, and every value
overwritten: the browser's Yjs drops such content on arrival, a hand-made client reads it.
Only the facilitator sees a board's past (the history API).

So the room answers a SyncStep1 from :class:`SyncView`: a second document that collects
deleted content, as Yjs clients and y-websocket do, kept up to date from the room's document
when a reader asks. Each answer first applies what the room's document holds beyond the
view's state; that always includes the whole delete set, so whatever was deleted since is
deleted (and collected) in the view too. A burst of readers joining pays for building the
view once; the room drops it when nobody asked for a while (see :meth:`SyncView.drop_unused`).
"""

from __future__ import annotations

import time

from pycrdt import Doc

__all__ = ["SyncView"]


class SyncView:
    """A collected copy of one room's document, built on demand."""

    __slots__ = ("_doc", "used")

    def __init__(self) -> None:
        self._doc: Doc | None = None
        #: time.monotonic() of the last answer.
        self.used = 0.0

    def answer(self, live: Doc, state_vector: bytes) -> bytes:
        """The update that brings a reader at ``state_vector`` to ``live``'s state, without the
        content of deleted items. Raises what pycrdt raises for a bad state vector."""
        view = self._doc
        if view is None:
            view = Doc()
            view.apply_update(live.get_update())
        else:
            view.apply_update(live.get_update(view.get_state()))
        answer = view.get_update(state_vector)
        self._doc, self.used = view, time.monotonic()
        return answer

    def drop(self) -> None:
        """Forget the copy (the room's document was replaced or dropped)."""
        self._doc = None

    def drop_unused(self, horizon: float) -> None:
        """Forget the copy unless it answered after ``horizon`` (time.monotonic())."""
        if self.used < horizon:
            self._doc = None
