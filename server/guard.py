"""What a participant's update may change, checked on the server.

Facilitation state lives in the board document (``meta``: step, lock, timer, voting, ...;
``partners``), so a participant's client could in principle rewrite it. The guard applies a
non-facilitator's update under a tracked origin, watches what it touched, and if it touched
something that role may not change, undoes it at once: the room stores the update and its
reversal, sends the reversal back to the sender, and the document never shows the change.

Rules for participants:

* ``meta`` and ``partners`` are the facilitator's: no change at all. Even the facilitator's
  meta values keep the type and range every page reads them with, and the keys the server
  writes (voting and brainstorm rounds, ``finalized``) are the server's (:mod:`.meta_rules`).
  ``partners`` is the server's too: a partner is added through the API with its party link.
* an element's ``status`` (agreed / parked) is set only by the facilitator.
* while the facilitator has locked the board to the current step, participants change only
  elements inside that step's zone (before and after the change).
* a new element obeys the same rules as an edit, and has the shape of DESIGN.md §6
  (:mod:`.element_rules`); no common key is removed.

Everyone's updates are held to the board's element limit here as well as before applying: an
element set again under a key that once held one is written against the old entry, not under
the board's map, so only the applied update tells that it filled a key.

The facilitator's updates go through the guard too: they may change the settings and mark
elements, but every element they add or change has the shape of DESIGN.md §6 like anyone's
(a malformed element breaks the covenant and every reader for everyone), and ``meta.canvas``
never changes (a board without it can't be loaded again).

Fail closed: when the check itself fails (reading the changes, RecursionError, anything),
:meth:`UpdateGuard.apply` raises :class:`GuardFailed` and the room discards its document and
reloads it from the store, so an update that could not be checked leaves no trace.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map, Text, UndoManager

from partnerboard.plugins import CanvasSpec, Element, zone_of
from partnerboard.plugins.board import element_geometry

from .doc_reads import map_value, map_values
from .doc_watch import ROOTS, Change, DocWatch
from .element_rules import COMMON_KEYS, MAX_KEYS, MAX_TEXT, element_problem, value_problem
from .meta_rules import SERVER_META, is_plain_key, meta_problem

__all__ = ["UpdateGuard", "GuardFailed", "FACILITATOR_KEYS", "BOARD_ROOTS"]

#: Element keys only the facilitator may set.
FACILITATOR_KEYS = frozenset({"status"})
#: Settings fixed when the board is created: not even the facilitator changes them.
FIXED_META = frozenset({"canvas"})
#: The root types of a board (DESIGN §6); a client writes nowhere else.
BOARD_ROOTS = frozenset(ROOTS)
_GUARDED = "partnerboard.guarded-update"


class GuardFailed(Exception):
    """The guard could not check an update: the document must be restored from the store."""


class _Watch:
    """What one guarded update touched, read from its recorded changes."""

    def __init__(self, facilitator: bool) -> None:
        self.facilitator = facilitator
        self.problems: list[str] = []
        self.touched: set[str] = set()
        self.deleted: set[str] = set()
        #: Elements added (or replaced as a whole) by the update.
        self.new: set[str] = set()
        #: element id -> {key: new value} the update set (for elements it did not add).
        self.changed: dict[str, dict[str, Any]] = {}
        #: Elements that gained a key, and elements whose text changed.
        self.grown: set[str] = set()
        self.texts: set[str] = set()
        #: Keys of ``elements`` that hold an element now and did not before the update.
        self.added = 0


class UpdateGuard:
    def __init__(self, doc: Doc, spec: CanvasSpec | None) -> None:
        self.doc = doc
        self.spec = spec
        #: What an update changed (shared with the attribution, which reads it after us).
        self.watch = DocWatch(doc)
        # The watch's wrappers of the roots, not new ones (each holds a few dicts and sets).
        self.meta, self.partners, self.elements = (
            self.watch.roots["meta"], self.watch.roots["partners"], self.watch.roots["elements"])
        self.undo = UndoManager(
            scopes=[self.meta, self.partners, self.elements], capture_timeout_millis=0
        )
        self.undo.include_origin(_GUARDED)
        #: element id -> zone id, kept only while the board is locked (to judge deletions).
        self._zones: dict[str, str | None] | None = None
        #: (the watch's count of changes to ``meta``, the locked zone read then).
        self._lock_read: tuple[int, str | None] | None = None

    def _undo_unobserved(self) -> None:
        """Undo the update with no observer subscribed: yrs builds the events of every
        subscribed type, and for some hostile updates (found by the WebSocket fuzzer: a
        client's structs listed twice, one of them deleting the item they follow) building
        the undo's events read freed memory and killed the process. Nobody needs those
        events: the reversal is computed from the state vectors."""
        with self.watch.unsubscribed():
            self.undo.undo()

    def _settings(self, watch: _Watch, changes: list[Change]) -> None:
        """``meta`` and ``partners``: ``meta`` is the facilitator's, ``meta.canvas`` never
        changes, and every meta value has the type and range its readers expect
        (:mod:`.meta_rules`); ``partners`` is written by the server alone."""
        if not changes:
            return
        if not watch.facilitator:
            watch.problems.append("only the facilitator changes the board settings")
            return
        for change in changes:
            if change.root == "partners":
                # The parties of the agreement: each has its party link in the store, made
                # with it through the API. Renamed, added or removed here they would put a
                # name in the covenant beside another party's signature.
                watch.problems.append("the partners are the server's: add one with POST "
                                      "/api/boards/{id}/partners, which makes its party link")
                return
            if change.root != "meta":
                continue
            if change.path:  # inside a shared type a client keeps under meta: read it whole
                key = str(change.path[0])
                problem = meta_problem(key, map_value(self.meta, key), self.spec) \
                    if not is_plain_key(key, self.spec) else f"meta {key!r} is a plain value"
                if problem is not None:
                    watch.problems.append(problem)
                    return
                continue
            keys = change.keys or {}
            if FIXED_META & set(keys):
                watch.problems.append("the canvas of a board never changes")
                return
            for key, event in keys.items():
                if event["action"] == "delete":
                    problem = meta_problem(str(key), None, self.spec) if key in SERVER_META \
                        else None
                else:
                    problem = meta_problem(str(key), event.get("newValue"), self.spec)
                if problem is not None:
                    watch.problems.append(problem)
                    return

    @staticmethod
    def _record(watch: _Watch, changes: list[Change]) -> None:
        for event in changes:
            keys = event.keys or {}
            if event.path:
                element_id = str(event.path[0])
                watch.touched.add(element_id)
                if len(event.path) == 1:
                    changed = watch.changed.setdefault(element_id, {})
                    for key, change in keys.items():
                        if change["action"] != "delete":
                            changed[str(key)] = change.get("newValue")
                        if change["action"] == "add":
                            watch.grown.add(element_id)
                elif event.path[1] == "text":
                    watch.texts.add(element_id)
                else:  # inside a value that should be plain JSON
                    watch.problems.append("only 'text' of an element is a shared type")
                if len(event.path) == 1:
                    if FACILITATOR_KEYS & set(keys) and not watch.facilitator:
                        watch.problems.append("only the facilitator marks notes agreed or parked")
                    removed = {k for k, change in keys.items() if change["action"] == "delete"}
                    if removed & COMMON_KEYS.keys():
                        watch.problems.append("the common keys of an element stay")
                continue
            for key, change in keys.items():
                if change["action"] == "delete":
                    watch.deleted.add(str(key))
                else:
                    watch.touched.add(str(key))
                    watch.new.add(str(key))
                    watch.added += change["action"] == "add"

    def locked_zone(self) -> str | None:
        """The zone participants are held to, or None when the board is not locked. Read again
        only after ``meta`` changed (every update asks; few change the settings)."""
        changes = self.watch.meta_changes
        lock_read = self._lock_read
        if lock_read is None or lock_read[0] != changes:
            lock_read = self._lock_read = (changes, self._read_locked_zone())
        return lock_read[1]

    def _read_locked_zone(self) -> str | None:
        if self.spec is None or not map_value(self.meta, "locked"):
            return None
        step = map_value(self.meta, "step")
        if isinstance(step, int | float) and 1 <= step <= len(self.spec.steps):
            return self.spec.steps[int(step) - 1]
        return None

    def _zone_now(self, element_id: str) -> str | None:
        raw = map_value(self.elements, element_id)
        if not isinstance(raw, Map) or self.spec is None:
            return None
        values = map_values(raw, ("x", "y", "w", "h"))
        zone = zone_of(Element(id=element_id, kind="", **element_geometry(values)), self.spec)
        return zone.id if zone else None

    def _zone_map(self) -> dict[str, str | None]:
        """Every element's zone while the board is locked, kept up to date: by the guard for
        the updates it lets through, and for changes made outside it (a reveal, a restore,
        another node's update) from what the watch noted as moved."""
        moved = self.watch.moved_outside
        if self._zones is None:
            self.watch.moved_outside = set()
            with self.doc.transaction():
                self._zones = {eid: self._zone_now(eid) for eid in self.elements.keys()}
        elif moved:
            self.watch.moved_outside = set()
            for element_id in moved:
                if element_id in self.elements:
                    self._zones[element_id] = self._zone_now(element_id)
                else:
                    self._zones.pop(element_id, None)
        return self._zones

    def _forget_zones(self) -> None:
        self._zones = None
        self.watch.moved_outside = None

    def _shape_problems(self, watch: _Watch) -> list[str]:
        """Elements the update added or changed that do not have an element's shape."""
        # New elements are read whole; for edits the events carry the new values, so a move
        # needs no read at all (and no read transaction, whose commit runs every observer).
        for element_id in watch.touched - watch.deleted - watch.new:
            for key, value in watch.changed.get(element_id, {}).items():
                problem = value_problem(key, value)
                if problem is not None:
                    return [problem]
        reads = (watch.new | watch.grown | watch.texts) - watch.deleted
        if not reads:
            return []
        with self.doc.transaction():  # one transaction for all the reads
            for element_id in reads:
                element = map_value(self.elements, element_id)
                if element_id in watch.new:
                    if not isinstance(element, Map):
                        return ["an element must be a map"]
                    values = map_values(element)
                    problem = element_problem(values)
                    if problem is None and not watch.facilitator and (
                            FACILITATOR_KEYS & values.keys()):
                        problem = "only the facilitator marks notes agreed or parked"
                    if problem is not None:
                        return [problem]
                    continue
                if not isinstance(element, Map):
                    continue
                if element_id in watch.grown and len(element) > MAX_KEYS:
                    return [f"an element has at most {MAX_KEYS} keys"]
                text = element.get("text") if element_id in watch.texts else None
                if isinstance(text, Text) and len(text) > MAX_TEXT:
                    return [f"a text is at most {MAX_TEXT} characters"]
        return []

    def apply(
        self, update: bytes, *, facilitator: bool, counted_elements: int = 0,
        max_elements: int | None = None,
    ) -> tuple[bytes | None, str | None]:
        """Apply an update; return ``(reversal, reason)`` when it had to be undone.

        ``max_elements``: the board's element limit. The room checks it before applying, but
        only for the elements an update names under the root map (``counted_elements``): an
        element set again under a key that held one before names the old entry instead (Yjs
        writes every set of a key that way), so only the applied update tells how many keys
        it filled; past the limit it is undone."""
        watch = _Watch(facilitator)
        with self.watch.record() as recording, self.doc.transaction(origin=_GUARDED):
            # Read in the update's own transaction, before it is applied: a read outside one
            # opens and commits a transaction of its own, which costs more than the read.
            locked = self.locked_zone()
            if locked is None:
                self._forget_zones()
            zones_before = self._zone_map() if locked else None
            self.doc.apply_update(update)
        if recording.error is not None:
            raise GuardFailed(f"the update could not be checked: {recording.error!r}"[:200])
        self._settings(watch, [c for c in recording.changes if c.root != "elements"])
        self._record(watch, recording.of("elements"))
        problems, touched, deleted = watch.problems, watch.touched, watch.deleted
        if not problems:
            problems.extend(self._shape_problems(watch))
        if (not problems and max_elements is not None and watch.added > counted_elements
                and self.watch.element_count() > max_elements):
            problems.append(f"the board is full (at most {max_elements} elements)")
        if locked and zones_before is not None and not facilitator:
            for element_id in touched | deleted:
                before = zones_before.get(element_id, locked)
                after = locked if element_id in deleted else self._zone_now(element_id)
                if before != locked or after != locked:
                    problems.append(f"the board is locked to the zone {locked!r}")
                    break
        reversal = None
        if problems:
            state = self.doc.get_state()
            self._undo_unobserved()
            reversal = self.doc.get_update(state)
        elif locked and zones_before is not None:
            for element_id in touched:
                zones_before[element_id] = self._zone_now(element_id)
            for element_id in deleted:
                zones_before.pop(element_id, None)
        self.undo.clear()
        return reversal, (problems[0] if problems else None)
