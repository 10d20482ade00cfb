"""What a room judges client updates against, and how it is kept next to the stored snapshot.

Three facts about the board's document decide whether a hand-made update may be applied (see
the room): which IDs are shared types (the only things an item may name as its parent), which
items are held as deleted content (an item made and deleted before it reached the server may be
a parent too, never a live value), and which positions lie between the two UTF-16 halves of a
character (no item may be split there). A full walk of the document's encoding finds them, but
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
from dataclasses import dataclass, field
from itertools import accumulate, repeat

from .yupdate import MAX_CLIENT, MAX_CLOCK, UpdateSummary, read_update

__all__ = ["DocIndex", "IndexUnusable"]

#: The encoding's version: an index of another version is not read (the document is walked).
VERSION = 1

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

    @classmethod
    def walk(cls, encoded: bytes) -> DocIndex:
        """The index of a whole document's encoding (raises UpdateRejected when it does not
        read)."""
        return cls.fresh(read_update(encoded, max_string=1 << 30), {})

    @classmethod
    def fresh(cls, summary: UpdateSummary, clocks: dict[int, int]) -> DocIndex:
        """What an update adds at clocks the document does not hold yet (``clocks``: its
        state). yrs skips the rest, so whatever the document holds there stays what it is:
        an update claiming a type or deleted content at a held ID must not make it pass as
        one, and the walk of the document after it would not find it either."""
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
        return cls(types, dead, pairs)

    def add(self, other: DocIndex) -> None:
        """Take in what an applied update added (see :meth:`fresh`)."""
        self.types |= other.types
        self.inside_pairs |= other.inside_pairs
        dead = self.dead
        for client, ranges in other.dead.items():
            dead.setdefault(client, []).extend(ranges)

    def replay(self, clocks: dict[int, int], updates: list[bytes]) -> None:
        """Bring a snapshot's index up to the document after ``updates``, the updates stored
        after the snapshot in the order they were stored, as the room took each in when it
        came. ``clocks`` (the snapshot's state) move on with each update: every stored update
        was integrated whole (the room keeps none that waits) and continues its clients where
        the board had them (see client_ids). Raises UpdateRejected for one that does not
        read."""
        for update in updates:
            summary = read_update(update, max_string=1 << 30)
            self.add(self.fresh(summary, clocks))
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
                and _merged(self.dead) == _merged(other.dead))

    __hash__ = None  # type: ignore[assignment]

    # -- stored next to a snapshot -----------------------------------------------------------

    def encode(self, snapshot: bytes) -> bytes:
        """The index as stored with ``snapshot`` (compact JSON: clocks as differences)."""
        dead = {str(client): [n for start, end in ranges for n in (start, end - start)]
                for client, ranges in _merged(self.dead).items()}
        return json.dumps({
            "v": VERSION, "snapshot": hashlib.sha256(snapshot).hexdigest(),
            "types": _clock_lists(self.types), "dead": dead,
            "pairs": _clock_lists(self.inside_pairs),
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
        for client, numbers in _client_lists(stored.get("dead")):
            if len(numbers) % 2 or max(numbers, default=0) > MAX_CLOCK:
                raise IndexUnusable("a deleted range out of shape")
            starts, lengths = numbers[::2], numbers[1::2]
            index.dead[client] = [(start, start + length)
                                  for start, length in zip(starts, lengths, strict=True)]
        return index


def _merged(dead: dict[int, list[tuple[int, int]]]) -> dict[int, list[tuple[int, int]]]:
    """The deleted ranges sorted, with overlapping and touching ones joined."""
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
