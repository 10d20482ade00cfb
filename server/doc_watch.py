"""What one applied update changed in a board document, read from pycrdt's native events.

The guard and the attribution both need, for every client update: which shared types under
``meta``, ``partners`` and ``elements`` changed (their path from the root) and, for a map, which
keys changed and to what. pycrdt's ``observe``/``observe_deep`` wrap every native event before
calling back and read all of its attributes eagerly: the target, the path, the keys of a map
and the *delta* of a text, converting every value. The checks use none of the targets and
deltas; computing them was most of the observers' cost (measured in ``update_path.py``), and a
text delta walks the items of the changed text, the most exposed read there is for a hostile
update (the process deaths the WebSocket fuzzer found all happened inside ``apply_update``
while such observers were subscribed). So :class:`DocWatch` subscribes once per root to the
native type, and while :meth:`DocWatch.record` is active reads only the path of each event and
the keys of a map event. Nothing else is read, and outside a recording nothing at all (but
a count of the changes to ``meta``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Map
from pycrdt._base import process_event  # wraps a native type as pycrdt's Map, Text, ...
from pycrdt._pycrdt import MapEvent as NativeMapEvent

__all__ = ["Change", "Recording", "DocWatch", "ROOTS"]

#: The root types of a board (DESIGN §6), in the order they are watched.
ROOTS = ("meta", "partners", "elements")
#: Values a map event gives as they are (process_event only wraps native shared types).
_PLAIN = frozenset({float, int, str, bool, type(None)})
#: The keys that place an element (and so decide its zone).
_PLACE = frozenset({"x", "y", "w", "h"})


@dataclass(frozen=True, slots=True)
class Change:
    """One changed shared type: its root, its path below the root, and for a map the keys."""

    root: str
    path: tuple[str | int, ...]
    #: key -> {"action": "add" | "update" | "delete", "oldValue": ..., "newValue": ...};
    #: None for a text (or any other sequence: only what changed is known, not how).
    keys: dict[str, dict[str, Any]] | None


@dataclass(slots=True)
class Recording:
    """The changes of the transactions applied while recording, in the order they came."""

    changes: list[Change] = field(default_factory=list)
    #: Set when reading an event failed: the update could not be checked.
    error: BaseException | None = None

    def of(self, root: str) -> list[Change]:
        return [change for change in self.changes if change.root == root]


class DocWatch:
    """One lean subscription per board root, recording only while asked to."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.roots = {name: doc.get(name, type=Map) for name in ROOTS}
        self.recording: Recording | None = None
        #: Counts the transactions that changed ``meta`` (recorded or not), so a reader of the
        #: settings can keep what it read until they change (see UpdateGuard.locked_zone).
        self.meta_changes = 0
        #: The last finished recording, until the attribution takes it (:meth:`take_last`).
        self.last: Recording | None = None
        #: While set (the guard keeps zones: see UpdateGuard), the elements that a change
        #: outside a recording (the server's own, another node's) may have moved, added or
        #: removed, for the guard to judge again.
        self.moved_outside: set[str] | None = None
        #: How many keys of ``elements`` hold an element, kept from the map's own events (see
        #: element_count); None when not known (counted again when asked).
        self._elements: int | None = None
        self._subscriptions: list[Any] = []
        self._subscribe()

    def _subscribe(self) -> None:
        self._subscriptions = [
            shared.integrated.observe_deep(lambda events, root=name: self._on_events(root, events))
            for name, shared in self.roots.items()
        ]

    def _on_events(self, root: str, events: list[Any]) -> None:
        if root == "meta":
            self.meta_changes += 1
        elif root == "elements" and self._elements is not None:
            self._count_elements(events)
        recording = self.recording
        if recording is None:
            if root == "elements" and self.moved_outside is not None:
                self._note_moved(events)
            return
        try:
            for event in events:
                keys = None
                if isinstance(event, NativeMapEvent):
                    keys = {str(key): {name: value if name == "action" or type(value) in _PLAIN
                                       else process_event(value, self.doc)
                                       for name, value in change.items()}
                            for key, change in event.keys.items()}
                recording.changes.append(Change(root, tuple(event.path), keys))
        except BaseException as error:  # noqa: BLE001 - anything here means "cannot check"
            recording.error = error

    def _count_elements(self, events: list[Any]) -> None:
        """Keys of ``elements`` filled or emptied (an event of the map itself has no path; a
        change inside an element is an event of that element)."""
        count = self._elements
        try:
            for event in events:
                if not event.path:
                    for change in event.keys.values():
                        action = change["action"]
                        count += (action == "add") - (action == "delete")
        except BaseException:  # noqa: BLE001 - not read: counted again when asked
            count = None
        self._elements = count

    def element_count(self) -> int:
        """How many elements the board holds. yrs counts a map's entries by walking all of
        them (0.1 ms on a board of 15,000 notes, 0.2 ms on 30,000, asked before every update
        that adds one), so the count is taken once and kept from the map's events."""
        if self._elements is None:
            self._elements = len(self.roots["elements"])
        return self._elements

    def _note_moved(self, events: list[Any]) -> None:
        moved = self.moved_outside
        assert moved is not None
        for event in events:
            path = event.path
            if not path:  # elements added or removed
                moved.update(str(key) for key in event.keys)
            elif len(path) == 1 and _PLACE.intersection(event.keys):
                moved.add(str(path[0]))

    @contextmanager
    def record(self) -> Iterator[Recording]:
        """Record the changes of what runs inside the block (an applied update)."""
        recording = self.recording = Recording()
        try:
            yield recording
        finally:
            self.recording = None
            self.last = recording

    def take_last(self) -> Recording:
        """The last finished recording, forgotten here. It holds a wrapper of every value the
        update set (a burst of twenty notes merged into one update: twenty maps with their
        texts, about 20 KiB), which a room nobody edits should not keep."""
        last, self.last = self.last, None
        return last if last is not None else Recording()

    @contextmanager
    def unsubscribed(self) -> Iterator[None]:
        """Run the block with no subscription at all (the guard's undo: see UpdateGuard)."""
        self.close()
        try:
            yield
        finally:
            self._subscribe()

    def close(self) -> None:
        """Drop the subscriptions. Until then the callbacks keep the document alive from the
        native side, a cycle Python's collector cannot see (see idle_docs)."""
        for subscription in self._subscriptions:
            subscription.drop()
        self._subscriptions = []
        self._elements = None  # what changes from now on is not counted
