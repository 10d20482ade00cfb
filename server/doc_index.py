"""What a room judges client updates against, and how it is kept next to the stored snapshot.

Four facts about the board's document decide whether a hand-made update may be applied (see
the room): which IDs are shared types (the only things an item may name as its parent), which
items are held as deleted content (an item made and deleted before it reached the server may be
a parent too, never a live value), which positions lie between the two UTF-16 halves of a
character (no item may be split there), and which items are values of a map key (see
:meth:`DocIndex.misplaced`). A full walk of the document's encoding finds them, but
on a board of thousands of notes that walk costs several times what building the document does
(measured on a 5,000-note board: 159 ms against 28 ms). So the room keeps them up to date
update by update, stores them with every snapshot it writes (:meth:`DocIndex.encode`), and a
load takes them from there and walks only the updates stored after the snapshot.

An index describes exactly one snapshot: it carries the snapshot's sha256, and a load that finds
no index, one of another snapshot, or one that does not decode, walks the whole document instead
(the stored index is the server's own, but a wrong one would let a hand-made update through).
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate, repeat

from .yupdate import MAX_CLIENT, MAX_CLOCK, UpdateSummary, read_update

__all__ = ["DocIndex", "IndexUnusable"]

#: The encoding's version: an index of another version is not read (the document is walked).
#: Version 2 added the map entries.
VERSION = 2

ID = tuple[int, int]


class IndexUnusable(ValueError):
    """A stored index that cannot be trusted for its snapshot; the reason says why."""


@dataclass(eq=False)
class DocIndex:
    """The shared types, the deleted content and the split characters of a document."""

    #: IDs of the document's shared types.
    types: set[ID] = field(default_factory=set)
    #: Items held as deleted content: client -> [(first clock, end)].
    dead: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    #: Positions (client, clock) between the two halves of a character in its strings.
    inside_pairs: set[ID] = field(default_factory=set)
    #: Items that are values of a map key: client -> sorted, separate [(first clock, end)].
    entries: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def walk(cls, encoded: bytes) -> DocIndex:
        """The index of a whole document's encoding (raises UpdateRejected when it does not
        read)."""
        return cls.fresh(read_update(encoded, max_string=1 << 30), {})

    @classmethod
    def fresh(cls, summary: UpdateSummary, clocks: dict[int, int],
              known: DocIndex | None = None) -> DocIndex:
        """What an update adds at clocks the document does not hold yet (``clocks``: its
        state). yrs skips the rest, so whatever the document holds there stays what it is:
        an update claiming a type or deleted content at a held ID must not make it pass as
        one, and the walk of the document after it would not find it either. ``known``: the
        index of the document it is applied to (its map entries are what an item set again
        after one of them is placed against)."""
        types = {(client, clock) for client, clock in summary.types
                 if clock >= clocks.get(client, 0)}
        dead: dict[int, list[tuple[int, int]]] = {}
        for client, start, end in summary.dead:
            held = clocks.get(client, 0)
            if end > held:
                dead.setdefault(client, []).append((max(start, held), end))
        # A pair at ``clock`` is between the characters at clock - 1 and clock: new only when
        # both are.
        pairs = {(client, clock) for client, clock in summary.inside_pairs
                 if clock > clocks.get(client, 0)}
        entries = _entries(summary, clocks, known) if summary.keyed or summary.placed else {}
        if any(len(ranges) > 1 for ranges in entries.values()):
            entries = _merged(entries)  # _entries joins a client's values in a row itself
        return cls(types, dead, pairs, entries)

    def add(self, other: DocIndex) -> None:
        """Take in what an applied update added (see :meth:`fresh`)."""
        self.types |= other.types
        self.inside_pairs |= other.inside_pairs
        dead = self.dead
        for client, ranges in other.dead.items():
            dead.setdefault(client, []).extend(ranges)
        entries = self.entries
        for client, ranges in other.entries.items():
            held = entries.setdefault(client, [])
            for start, end in ranges:  # after what is held: a client's clocks only grow
                if held and start <= held[-1][1]:
                    held[-1] = (held[-1][0], max(end, held[-1][1]))
                else:
                    held.append((start, end))

    def is_entry(self, client: int, clock: int) -> bool:
        """Whether the item at (client, clock) is the value of a map key."""
        ranges = self.entries.get(client)
        if not ranges:
            return False
        last = ranges[-1]  # most lookups: a value set lately
        if last[0] <= clock:
            return clock < last[1]
        at = bisect_right(ranges, (clock, MAX_CLOCK + 1)) - 1
        return at >= 0 and ranges[at][0] <= clock < ranges[at][1]

    def misplaced(self, summary: UpdateSummary, fresh: DocIndex) -> str | None:
        """Why an update places items where Yjs never does, or None.

        A map's value is set after the value before it and never names a right origin; a
        sequence's item names neighbours of its own sequence; String content is a text's.
        yrs takes an item whose origin is a character of a text and whose right origin is a
        map value, and deletes the rest of that text where Yjs deletes nothing: the deletion
        is in no update, so the stored board and every client differ (found in an attack
        review: a participant's 41 bytes emptied the facilitator's note text on reload). A
        map value in String content reads as one character in Yjs and as the whole string
        in yrs."""
        def entry(client: int, clock: int) -> bool:
            return self.is_entry(client, clock) or fresh.is_entry(client, clock)

        for client, clock, right_client, right_clock in summary.rights:
            if entry(right_client, right_clock) or entry(client, clock):
                return "an item placed against a map value as if in a sequence"
        for client, clock in summary.strings:
            if entry(client, clock):
                return "a map value held as String content"
        return None

    def replay(self, clocks: dict[int, int], updates: list[bytes]) -> None:
        """Bring a snapshot's index up to the document after ``updates``, the updates stored
        after the snapshot in the order they were stored, as the room took each in when it
        came. ``clocks`` (the snapshot's state) move on with each update: every stored update
        was integrated whole (the room keeps none that waits) and continues its clients where
        the board had them (see client_ids). Raises UpdateRejected for one that does not
        read."""
        for update in updates:
            summary = read_update(update, max_string=1 << 30)
            self.add(self.fresh(summary, clocks, self))
            for client, (_start, end) in summary.writes.items():
                if end > clocks.get(client, 0):
                    clocks[client] = end

    def is_dead(self, client: int, clock: int) -> bool:
        return any(start <= clock < end for start, end in self.dead.get(client, ()))

    def may_hold(self, parent: ID) -> bool:
        """Whether ``parent`` may be an item's parent: a shared type or deleted content."""
        return parent in self.types or self.is_dead(*parent)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DocIndex):
            return NotImplemented
        return (self.types == other.types and self.inside_pairs == other.inside_pairs
                and _merged(self.dead) == _merged(other.dead)
                and _merged(self.entries) == _merged(other.entries))

    __hash__ = None  # type: ignore[assignment]

    # -- stored next to a snapshot -----------------------------------------------------------

    def encode(self, snapshot: bytes) -> bytes:
        """The index as stored with ``snapshot`` (compact JSON: clocks as differences)."""
        return json.dumps({
            "v": VERSION, "snapshot": hashlib.sha256(snapshot).hexdigest(),
            "types": _clock_lists(self.types), "dead": _range_lists(self.dead),
            "pairs": _clock_lists(self.inside_pairs), "entries": _range_lists(self.entries),
        }, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes, snapshot: bytes) -> DocIndex:
        """The stored index of ``snapshot``; IndexUnusable unless it is exactly that."""
        try:
            stored = json.loads(data)
        except (ValueError, RecursionError) as error:  # (UnicodeDecodeError is a ValueError)
            raise IndexUnusable(f"it does not parse ({type(error).__name__})") from None
        if not isinstance(stored, dict) or type(stored.get("v")) is not int or (
                stored["v"] != VERSION):
            raise IndexUnusable("not an index of this version")
        if stored.get("snapshot") != hashlib.sha256(snapshot).hexdigest():
            raise IndexUnusable("it describes another snapshot")
        index = cls()
        for client, clocks in _client_lists(stored.get("types")):
            index.types.update(zip(repeat(client), _from_differences(clocks), strict=False))
        for client, clocks in _client_lists(stored.get("pairs")):
            index.inside_pairs.update(zip(repeat(client), _from_differences(clocks),
                                          strict=False))
        index.dead = _ranges(stored.get("dead"))
        index.entries = _merged(_ranges(stored.get("entries")))
        return index


def _entries(summary: UpdateSummary, clocks: dict[int, int],
             known: DocIndex | None) -> dict[int, list[tuple[int, int]]]:
    """The map values among an update's new items (at clocks past ``clocks``): those under a
    key written out, and those set after a map value (of the document, ``known``, or of the
    update itself, in any order: an origin may be an item listed later)."""
    found: dict[int, list[tuple[int, int]]] = {}
    waiting: dict[ID, list[tuple[int, int, int]]] = {}
    ready: list[tuple[int, int, int]] = list(summary.keyed)
    is_entry = known.is_entry if known is not None else None
    for client, clock, end, origin_client, origin_clock in summary.placed:
        if is_entry is not None and is_entry(origin_client, origin_clock):
            ready.append((client, clock, end))
        else:
            waiting.setdefault((origin_client, origin_clock), []).append((client, clock, end))
    while ready:
        client, clock, end = ready.pop()
        held = clocks.get(client, 0)
        if end > held:
            start = clock if clock > held else held
            ranges = found.get(client)
            if ranges is None:
                found[client] = [(start, end)]
            elif ranges[-1][1] == start:  # the common case: one client's values in a row
                ranges[-1] = (ranges[-1][0], end)
            elif ranges[-1][0] == end:
                ranges[-1] = (start, ranges[-1][1])
            else:
                ranges.append((start, end))
        if waiting:
            for at in range(clock, end):
                ready.extend(waiting.pop((client, at), ()))
    return found


def _merged(dead: dict[int, list[tuple[int, int]]]) -> dict[int, list[tuple[int, int]]]:
    """Ranges of clocks sorted, with overlapping and touching ones joined."""
    merged: dict[int, list[tuple[int, int]]] = {}
    for client, ranges in dead.items():
        joined: list[tuple[int, int]] = []
        for start, end in sorted(ranges):
            if joined and start <= joined[-1][1]:
                if end > joined[-1][1]:
                    joined[-1] = (joined[-1][0], end)
            else:
                joined.append((start, end))
        if joined:
            merged[client] = joined
    return merged


def _range_lists(ranges: dict[int, list[tuple[int, int]]]) -> dict[str, list[int]]:
    """client -> its ranges as first clock and length, one after the other."""
    return {str(client): [n for start, end in found for n in (start, end - start)]
            for client, found in _merged(ranges).items()}


def _ranges(section: object) -> dict[int, list[tuple[int, int]]]:
    """A section of ranges of the stored index (see _range_lists), checked."""
    found = {}
    for client, numbers in _client_lists(section):
        if len(numbers) % 2 or max(numbers, default=0) > MAX_CLOCK:
            raise IndexUnusable("a range out of shape")
        starts, lengths = numbers[::2], numbers[1::2]
        found[client] = [(start, start + length)
                         for start, length in zip(starts, lengths, strict=True)]
    return found


def _clock_lists(ids: set[ID]) -> dict[str, list[int]]:
    """client -> its clocks in order, each as the difference to the one before."""
    clocks: dict[int, list[int]] = {}
    for client, clock in ids:
        clocks.setdefault(client, []).append(clock)
    lists = {}
    for client, found in clocks.items():
        found.sort()
        lists[str(client)] = [found[0], *(b - a for a, b in zip(found, found[1:], strict=False))]
    return lists


def _client_lists(section: object) -> list[tuple[int, list[int]]]:
    """A section of the stored index as (client, numbers), each checked for its type and range
    (json gives any shape: a garbage index must fail here, not in the room's checks)."""
    if not isinstance(section, dict):
        raise IndexUnusable("a section is missing")
    found = []
    for key, numbers in section.items():
        client = int(key) if key.isascii() and key.isdigit() else -1
        if not 0 <= client <= MAX_CLIENT or not isinstance(numbers, list) or any(
                type(n) is not int or n < 0 for n in numbers):
            raise IndexUnusable("a client's entry out of shape")
        found.append((client, numbers))
    return found


def _from_differences(differences: list[int]) -> list[int]:
    clocks = list(accumulate(differences))
    if clocks and clocks[-1] > MAX_CLOCK:
        raise IndexUnusable("a clock out of range")
    return clocks
