"""A board's history (DESIGN §10): moments to show, the board at a moment, and restoring one.

Every update is kept with its time and sender (see the store). The history a facilitator sees
is a list of *points*: consecutive updates by the same sender are one point, but a point never
spans more than :data:`POINT_SPAN` seconds, so while a board changes there is a point at least
every five seconds. A restore is itself an update (marked as such), so it shows in the history
and reaches every client, also one that comes back from being offline, like any edit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pycrdt import Array, Doc, Map, Text, merge_updates

from .store import HistoryUpdate, Sender, Store

__all__ = [
    "POINT_SPAN", "RESTORED_META", "board_at", "element_history", "history_points", "plain_board",
    "restore_into", "sender_json", "stamp",
]

POINT_SPAN = 5.0
#: The meta keys a restore brings back: board content. The facilitation state (step, timer,
#: voting round, locks, finalized) is the session's present, not part of the board's past.
RESTORED_META = frozenset({"ambition", "groups"})
RESTORE_NOTE = "restore:"


def stamp(at: float | None) -> str | None:
    """ISO 8601 in UTC with milliseconds."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")


def sender_json(sender: Sender, partners: Mapping[str, str]) -> dict[str, Any]:
    """Who sent an update, for the facilitator: the role, the partner of a party link, the
    seat with its person's name and organisation then. ``guest`` when a seat of the guest link
    sent it (its organisation is self-declared). Unknown parts are null."""
    party = {"id": sender.party, "name": partners.get(sender.party, sender.party)} \
        if sender.party else None
    return {
        "role": sender.role or "unknown", "party": party, "seat": sender.seat or None,
        "name": sender.name or None, "org": sender.org or None,
        "guest": bool(sender.seat) and not sender.party and sender.role == "participant",
    }


class _Senders:
    """The JSON of each distinct sender, made once however many updates it sent."""

    def __init__(self, partners: Mapping[str, str]) -> None:
        self.partners = partners
        self.made: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}

    def of(self, key: tuple[str, str, str, str, str]) -> dict[str, Any]:
        found = self.made.get(key)
        if found is None:
            found = self.made[key] = sender_json(Sender(*key), self.partners)
        return found


def _point(
    first: HistoryUpdate, last: HistoryUpdate, count: int,
    senders: Iterable[tuple[str, str, str, str, str]], known: _Senders,
) -> dict[str, Any]:
    point: dict[str, Any] = {
        "seq": last.seq, "at": stamp(last.at), "by": last.by or "unknown",
        "senders": [known.of(key) for key in senders],
        "from_seq": first.seq, "updates": count,
    }
    if last.note.startswith(RESTORE_NOTE):
        point["restore_of"] = int(last.note[len(RESTORE_NOTE):])
    return point


def history_points(
    updates: Iterable[HistoryUpdate], first_seq: int, created_at: float,
    partners: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Group kept updates into points (oldest first), after the board's starting point.

    A point lists its ``senders`` (each person, party link or role that sent an update in it,
    in order of their first one): several people typing at once share a span instead of
    cutting it into a point per keystroke. ``partners`` names the partner ids of party links.
    """
    known = _Senders(partners or {})
    points = [{"seq": first_seq, "at": stamp(created_at), "by": "server",
               "senders": [sender_json(Sender(), known.partners)], "from_seq": first_seq,
               "updates": 0, "start": True}]
    senders: dict[tuple[str, str, str, str, str], None] = {}
    first: HistoryUpdate | None = None
    last: HistoryUpdate | None = None
    count = 0
    for update in updates:
        if first is not None and last is not None and (
            update.by != first.by
            or update.note or last.note
            or (update.at is None) != (first.at is None)
            or (update.at is not None and first.at is not None
                and update.at - first.at >= POINT_SPAN)
        ):
            points.append(_point(first, last, count, senders, known))
            first, count, senders = None, 0, {}
        if first is None:
            first = update
        last = update
        count += 1
        senders[(update.by, update.party, update.seat, update.name, update.org)] = None
    if first is not None and last is not None:
        points.append(_point(first, last, count, senders, known))
    return points


def board_at(store: Store, board_id: str, seq: int) -> Doc | None:
    """The board's document as it was just after update ``seq``; None when out of reach."""
    updates = store.state_at(board_id, seq)
    if updates is None:
        return None
    doc = Doc()
    doc.apply_update(updates[0])
    if len(updates) > 1:
        # The updates after the checkpoint merged first: one apply is several times faster
        # than hundreds (merging the large checkpoint in too would cost as much as applying it).
        doc.apply_update(merge_updates(*updates[1:]))
    return doc


def plain_board(doc: Doc) -> dict[str, Any]:
    """``{"meta", "partners", "elements"}`` as plain JSON data (Y.Text as strings)."""
    # A map's str() is its JSON (Y.Text as strings), made in one call: several times faster
    # than to_py(), which reads every value through its own call.
    roots = ("meta", "partners", "elements")
    return {root: json.loads(str(doc.get(root, type=Map))) for root in roots}


def _plain(value: Any) -> Any:
    return value.to_py() if isinstance(value, Map | Array | Text) else value


def _copy(value: Any) -> Any:
    """A fresh shared value with the same content (a Y type can live in one document only)."""
    if isinstance(value, Map):
        return Map({key: _copy(item) for key, item in value.items()})
    if isinstance(value, Array):
        return Array([_copy(item) for item in value])
    if isinstance(value, Text):
        return Text(str(value))
    return value


def _sync_map(live: Map, past: Map, only: frozenset[str] | None = None) -> None:
    """Make ``live`` hold what ``past`` holds, touching only what differs."""
    for key in list(live.keys()):
        if (only is None or key in only) and key not in past:
            del live[key]
    for key, value in past.items():
        if only is not None and key not in only:
            continue
        if key not in live:
            live[key] = _copy(value)
            continue
        current = live[key]
        if isinstance(value, Map) and isinstance(current, Map):
            _sync_map(current, value)
        elif isinstance(value, Text) and isinstance(current, Text):
            if str(current) != str(value):
                current.clear()
                current += str(value)
        elif _plain(current) != _plain(value):
            live[key] = _copy(value)


def restore_into(live: Doc, past: Doc) -> None:
    """Change ``live`` so its elements, partners and content meta equal ``past``'s."""
    for root in ("elements", "partners"):
        _sync_map(live.get(root, type=Map), past.get(root, type=Map))
    _sync_map(live.get("meta", type=Map), past.get("meta", type=Map), RESTORED_META)


def element_history(
    store: Store, board_id: str, element_id: str, created_at: float,
    partners: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Every update that changed one element, with the element as it was after it (None once
    deleted) and who sent it, replaying the kept updates once from the earliest checkpoint."""
    partners = partners or {}
    updates, first = store.history(board_id)
    doc = board_at(store, board_id, first) if first is not None else None
    if doc is None:
        return []
    senders = {update.seq: update for update in updates}
    elements = doc.get("elements", type=Map)

    def current() -> Any:
        value = elements.get(element_id)
        return _plain(value) if value is not None else None

    changes = []
    previous = current()
    if previous is not None:
        changes.append({"seq": first, "at": stamp(created_at), "by": "server",
                        "sender": sender_json(Sender(), partners), "element": previous})
    for seq, data in store.updates_since(board_id, first):
        doc.apply_update(data)
        now = current()
        if now != previous:
            sender = senders.get(seq)
            changes.append({"seq": seq, "at": stamp(sender.at if sender else None),
                            "by": sender.by if sender else "unknown",
                            "sender": sender_json(sender.sender if sender else Sender("unknown"),
                                                  partners),
                            "element": now})
            previous = now
    return changes
