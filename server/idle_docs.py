"""An idle room keeps its board as the stored snapshot, not as a live pycrdt document.

A loaded pycrdt document costs about twenty times its encoded size in memory (measured: 59 KiB
for a 20-note board whose update is 2.7 KiB; with the guard's and attribution's watchers, 114
KiB per room). A board people have open but nobody edits needs none of it: presence (cursors,
who is here) is handled without the document. So a room whose document nobody used for
``--doc-idle-seconds`` is compacted (the store then holds exactly its document as one
snapshot) and drops the document and everything built on it. The first thing that needs the
document again (an update, a newcomer's sync, an API call) loads it back from that snapshot,
the way the room reloads after a failed check.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from typing import Any

__all__ = ["DocWhenNeeded", "LoadedOnUse", "give_back_memory"]


def _malloc_trim() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


_trim = _malloc_trim()


def give_back_memory() -> None:
    """Return the memory of dropped documents to the system.

    pycrdt's documents live in the C heap in many small blocks; glibc keeps freed blocks
    for reuse, so the process's resident size stays at its peak (measured: 118 KiB per room
    still resident after its 20-note document was dropped, 22 KiB after trimming). Called
    after rooms were put to sleep or unloaded, not per update.
    """
    if _trim is not None:
        _trim(0)


class LoadedOnUse:
    """A room attribute built from the document, that wakes a sleeping room when read (kept
    in ``_<name>``; dropped with the document)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, room: Any, owner: type | None = None) -> Any:
        if room is None:
            return self
        room._awake()
        return getattr(room, self.slot)

    def __set__(self, room: Any, value: Any) -> None:
        setattr(room, self.slot, value)


class _Document(LoadedOnUse):
    """The document itself: replacing it lets go of the one before (see ``_release``)."""

    def __set__(self, room: Any, value: Any) -> None:
        if room._doc is not None and value is not room._doc:
            room._release()  # reloaded (after a failed check, or waking): the old one goes
        room._doc = value


class DocWhenNeeded:
    """Mixin for the room: ``doc``, ``guard``, ``attribution`` and ``meta`` are loaded on use.

    The room assigns them in ``_load`` as before; reading one of them while the room sleeps
    wakes it (``_restore``: load from the store, then the client ids' clocks).
    """

    # Slots, not a __dict__: see Room.__slots__.
    __slots__ = ("_doc", "_guard", "_attribution", "_meta", "doc_used")

    doc = _Document()
    guard = LoadedOnUse()
    attribution = LoadedOnUse()
    meta = LoadedOnUse()

    def __init__(self) -> None:
        self._doc: Any = None
        self._guard: Any = None
        self._attribution: Any = None
        self._meta: Any = None
        #: time.monotonic() of the last use of the document.
        self.doc_used = 0.0

    def _awake(self) -> None:
        self.doc_used = time.monotonic()
        if self._doc is None:
            self._restore()  # type: ignore[attr-defined]

    @property
    def asleep(self) -> bool:
        return self._doc is None

    def sleep(self) -> bool:
        """Drop the document if it can be loaded back exactly; True when it was dropped."""
        closed = self.stale or self.closed  # type: ignore[attr-defined]
        if self._doc is None or closed:
            return False
        self.compact()  # type: ignore[attr-defined]
        if self.pending_updates:  # type: ignore[attr-defined]
            return False
        self.drop_document()
        return True

    def drop_document(self) -> None:
        """Let go of the document and what watches it (at unload, or to sleep)."""
        self._release()
        self._doc = self._guard = self._attribution = self._meta = None

    def _release(self) -> None:
        """Drop the subscriptions of the guard's watch on the document.

        Without this a dropped document is never freed: pycrdt keeps each observer callback
        alive from the Rust side, the callback holds the watch, which holds the document, a
        cycle Python's collector cannot see. Measured: every load of a 20-note board (room
        load, reload after a failed check, a server change on a closed board) kept its ~110
        KiB for the rest of the process.
        """
        if self._guard is not None:
            self._guard.watch.close()
