"""Who wrote what, decided by the server from the connection, never from what a client claims.

Each connection knows its *speaker*: the link it was opened with (a party link names the
partner organisation; the guest link only has what its holder typed, marked as a guest's) and,
when the browser presents its seat, the person's name. After a participant's update is applied,
:class:`Attribution` looks at what it did to ``elements``:

* an element it created gets the speaker's ``org`` (a party link's partner, a guest's typed
  organisation; a client cannot claim another), ``author`` (the seat's name; empty without a
  seat, whatever the client wrote) and, for the guest link, ``guest: true``;
* on an element it edited, the bookkeeping keys (``org``, ``author``, ``guest``, ``editors``)
  are put back as they were, and when it changed the content (text or any other key but the
  position and size: sorting notes on the board is not editing them) of an element of another
  organisation, the speaker is added to its ``editors``: the original author stays.

The corrections are one server update, stored and sent to everyone (the sender included), so
every replica ends with the honest values. Edit counts per organisation are keyed by the
speaker too: presence (awareness) states are what a client says about itself and never count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Map

from .doc_reads import map_value, map_values
from .doc_watch import DocWatch, Recording

__all__ = [
    "Speaker", "Attribution", "close_link", "close_seat", "PROTECTED_KEYS", "activity_key",
]

#: Element keys that only the server writes for participants.
PROTECTED_KEYS = ("org", "author", "guest", "editors")
#: What naming an editor reads of an element (the stamp of a new one reads PROTECTED_KEYS).
OWNER_KEYS = ("org", "guest", "editors")
#: Keys that place an element; moving someone's note does not make one its editor.
GEOMETRY_KEYS = frozenset({"x", "y", "w", "h"})
#: Editors listed on one element at most (a note edited by everyone stays small).
MAX_EDITORS = 40


@dataclass(frozen=True)
class Speaker:
    """Who is behind one connection, as far as the server knows."""

    link: str
    role: str
    #: The partner name of a party link.
    party: str | None = None
    #: The seat's name (and, for a guest, the organisation they typed), when presented.
    name: str = ""
    org: str = ""

    @property
    def guest(self) -> bool:
        return self.link == "participant"

    @property
    def organisation(self) -> str:
        return self.party or (self.org if self.guest else "")


def activity_key(speaker: Speaker | None) -> str:
    """The organisation an edit counts for: the party, or a guest's typed one marked as such."""
    if speaker is None:
        return ""
    if speaker.party:
        return speaker.party
    if speaker.guest and speaker.org:
        return f"guest:{speaker.org}"
    return ""


@dataclass
class _Batch:
    speaker: Speaker
    created: set[str] = field(default_factory=set)
    edited: set[str] = field(default_factory=set)
    #: Elements whose content (not only place or bookkeeping) changed.
    content: set[str] = field(default_factory=set)
    #: element id -> protected key -> (existed before, value before); first change wins.
    before: dict[str, dict[str, tuple[bool, Any]]] = field(default_factory=dict)


def _same_org(a: object, b: str) -> bool:
    return isinstance(a, str) and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


class Attribution:
    """Watches the room's elements and corrects participants' bookkeeping keys."""

    def __init__(self, watch: DocWatch) -> None:
        #: The guard's recording of what the update changed (read in :meth:`finish`).
        self.watch = watch
        self.elements = watch.roots["elements"]
        self._batch: _Batch | None = None

    def begin(self, speaker: Speaker | None) -> None:
        """Start an update from ``speaker`` (participants only; others untouched)."""
        self._batch = _Batch(speaker) if speaker is not None and speaker.role == "participant" \
            else None

    @staticmethod
    def _collect(batch: _Batch, recording: Recording) -> None:
        """What the update did to ``elements``, from the guard's recording of it."""
        for event in recording.of("elements"):
            path = event.path
            if not path:
                for key, change in (event.keys or {}).items():
                    if change["action"] in ("add", "update"):
                        batch.created.add(str(key))
                continue
            element_id = str(path[0])
            batch.edited.add(element_id)
            if len(path) > 1:
                batch.content.add(element_id)  # inside a value: the text of a note
            else:
                keys = event.keys or {}
                if set(keys) - GEOMETRY_KEYS - set(PROTECTED_KEYS):
                    batch.content.add(element_id)
                saved = batch.before.setdefault(element_id, {})
                for key in PROTECTED_KEYS:
                    if key in keys and key not in saved:
                        change = keys[key]
                        saved[key] = (change["action"] != "add", change.get("oldValue"))

    def finish(self) -> Callable[[Doc], None] | None:
        """The correction for the watched update, or None when nothing needs correcting."""
        batch, self._batch = self._batch, None
        recording = self.watch.take_last()
        if batch is None:
            return None
        self._collect(batch, recording)
        if not (batch.created or batch.content or any(batch.before.values())):
            return None  # only moved or resized: nothing to read, nothing to correct
        # One read transaction for every read below (each read outside one opens and
        # commits a transaction of its own, which costs more than the read).
        with self.elements.doc.transaction():
            fixes = self._fixes(batch)
        if not fixes:
            return None

        def correct(doc: Doc) -> None:
            elements = doc.get("elements", type=Map)
            for element_id, key, value in fixes:
                element = elements.get(element_id)
                if not isinstance(element, Map):
                    continue
                if value is _DELETE:
                    if key in element:
                        del element[key]
                else:
                    element[key] = value

        return correct

    def _fixes(self, batch: _Batch) -> list[tuple[str, str, Any]]:
        fixes: list[tuple[str, str, Any]] = []  # (element id, key, value or _DELETE)
        speaker = batch.speaker
        for element_id in batch.created:
            element = map_value(self.elements, element_id)
            if isinstance(element, Map):
                fixes += _stamp_new(element_id, map_values(element, PROTECTED_KEYS), speaker)
        for element_id in batch.edited - batch.created:
            before = batch.before.get(element_id, {})
            content = element_id in batch.content
            if not before and not content:
                continue  # moved or resized: nothing to restore, nobody to name (no read)
            element = map_value(self.elements, element_id)
            if isinstance(element, Map):
                values = map_values(element, [*before, *(OWNER_KEYS if content else ())])
                fixes += _restore(element_id, values, before)
                if content:
                    fixes += _note_editor(element_id, values, before, speaker)
        return fixes


class _Delete:
    def __repr__(self) -> str:
        return "<delete>"


_DELETE = _Delete()


def _stamp_new(
    element_id: str, element: dict[str, Any], speaker: Speaker
) -> list[tuple[str, str, Any]]:
    fixes: list[tuple[str, str, Any]] = []
    if speaker.party and element.get("org") != speaker.party:
        fixes.append((element_id, "org", speaker.party))
    if speaker.guest:
        if element.get("guest") is not True:
            fixes.append((element_id, "guest", True))
        # What a guest typed when taking a seat, or nothing: never what the client claims.
        if element.get("org", "") != speaker.org:
            fixes.append((element_id, "org", speaker.org))
    elif "guest" in element:
        fixes.append((element_id, "guest", _DELETE))
    # The seat's name, or nobody's: a connection without a seat names no author.
    if element.get("author", "") != speaker.name:
        fixes.append((element_id, "author", speaker.name))
    if "editors" in element:
        fixes.append((element_id, "editors", _DELETE))
    return fixes


def _restore(
    element_id: str, element: dict[str, Any], before: dict[str, tuple[bool, Any]]
) -> list[tuple[str, str, Any]]:
    fixes: list[tuple[str, str, Any]] = []
    for key, (existed, value) in before.items():
        if not existed:
            if key in element:
                fixes.append((element_id, key, _DELETE))
        elif element.get(key) != value:
            fixes.append((element_id, key, value))
    return fixes


def _note_editor(
    element_id: str, element: dict[str, Any], before: dict[str, tuple[bool, Any]], speaker: Speaker
) -> list[tuple[str, str, Any]]:
    """Add the speaker to the element's editors when it belongs to someone else."""
    org = before["org"][1] if "org" in before else element.get("org")
    guest_made = before["guest"][1] if "guest" in before else element.get("guest")
    if _same_org(org, speaker.organisation) and bool(guest_made) == speaker.guest:
        return []  # its own organisation's element
    editors = before["editors"][1] if "editors" in before else element.get("editors")
    listed = [e for e in editors if isinstance(e, dict)] if isinstance(editors, list) else []
    entry: dict[str, Any] = {"name": speaker.name, "org": speaker.organisation}
    if speaker.guest:
        entry["guest"] = True
    if entry in listed or len(listed) >= MAX_EDITORS:
        return []
    return [(element_id, "editors", [*listed, entry])]


def close_link(rooms: Any, board_id: str, link: str, code: int = 1008) -> int:
    """Close every open connection of ``board_id`` made with ``link`` (it was revoked)."""
    return _close(rooms, board_id, lambda peer: getattr(peer, "speaker", None) is not None
                  and peer.speaker.link == link, code, "this link was replaced by a new one")


def close_seat(rooms: Any, board_id: str, seat_id: str, code: int = 1008) -> int:
    """Close every open connection of ``board_id`` that presented the seat (it was removed)."""
    return _close(rooms, board_id, lambda peer: getattr(peer, "seat", None) == seat_id, code,
                  "your seat was removed by the facilitator")


def _close(rooms: Any, board_id: str, which: Any, code: int, reason: str) -> int:
    room = rooms.loaded.get(board_id)
    closed = 0
    for peer in list(room.peers) if room is not None else []:
        if which(peer):
            peer.close(code, reason)
            closed += 1
    return closed
