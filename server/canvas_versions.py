"""Bringing an open board up to its canvas's installed version when its room loads.

The canvas's migrations (plugins/versions.py) work on plain board data; this module reads that
data from the document and writes what they changed back as one server update, so every client
converges on it and the history shows it (``by`` "migration"). A board made with a newer
version of its canvas than the one installed is left as it is and opened read-only.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from pycrdt import Array, Doc, Map, Text

from partnerboard.plugins import BoardData, CanvasSpec, NewerVersion
from partnerboard.plugins.versions import migrated, migrations_for

if TYPE_CHECKING:
    from .room import Room

__all__ = ["apply_board_data", "board_data", "bring_up_to_date"]

log = logging.getLogger("partnerboard.canvas_versions")

ROOTS = ("meta", "partners", "elements")


def _plain(value: Any) -> Any:
    if isinstance(value, Text):
        return str(value)
    if isinstance(value, Map | Array):
        return value.to_py()
    return value


def board_data(doc: Doc) -> BoardData:
    """The board as plain data: its meta, its partners, its elements (texts as strings)."""
    data: BoardData = {}
    for root in ROOTS:
        shared = doc.get(root, type=Map)
        if root == "meta":
            data[root] = {key: _plain(value) for key, value in shared.items()}
        else:
            data[root] = {
                key: {k: _plain(v) for k, v in entry.items()} if isinstance(entry, Map)
                else _plain(entry)
                for key, entry in shared.items()
            }
    return data


def _entry(values: dict[str, Any]) -> Map:
    return Map({key: Text(value) if key == "text" and isinstance(value, str) else value
                for key, value in values.items()})


def _write_entry(shared: Map, before: dict[str, Any], after: dict[str, Any]) -> None:
    for key in before.keys() - after.keys():
        del shared[key]
    for key, value in after.items():
        if key in before and before[key] == value:
            continue
        current = shared.get(key)
        if key == "text" and isinstance(current, Text) and isinstance(value, str):
            del current[0:len(current)]
            current += value
        else:
            shared[key] = Text(value) if key == "text" and isinstance(value, str) else value


def apply_board_data(doc: Doc, before: BoardData, after: BoardData) -> None:
    """Write into ``doc`` what differs between ``before`` (read from it) and ``after``."""
    meta = doc.get("meta", type=Map)
    _write_entry(meta, before.get("meta", {}), after.get("meta", {}))
    for root in ("partners", "elements"):
        shared = doc.get(root, type=Map)
        old, new = before.get(root, {}), after.get(root, {})
        for key in old.keys() - new.keys():
            del shared[key]
        for key, values in new.items():
            current = shared.get(key)
            if key not in old or not isinstance(current, Map) or not isinstance(values, dict):
                shared[key] = _entry(values) if isinstance(values, dict) else values
            elif old[key] != values:
                _write_entry(current, old[key], values)


def bring_up_to_date(room: Room, spec: CanvasSpec) -> None:
    """Migrate the room's open board to ``spec.version`` once, or mark it read-only."""
    version = room.meta.get("canvas_version")
    version = version if isinstance(version, str) else None
    try:
        steps = migrations_for(spec, version)
    except NewerVersion as newer:
        room.read_only = str(newer)
        log.warning("board %s: read-only: %s", room.board_id, newer)
        return
    if not steps:
        return
    before = board_data(room.doc)
    try:
        after = migrated(spec, before, version)
        json.dumps(after, allow_nan=False)
    except Exception:  # a plugin's migration: whatever it raises, the board stays as it was
        log.exception("board %s: the migration of canvas %s from %s failed", room.board_id,
                      spec.id, version)
        room.read_only = (f"this board could not be brought from version {version} to "
                          f"{spec.version} of the canvas {spec.id!r}")
        return
    room.server_change(lambda doc: apply_board_data(doc, before, after), by="migration",
                       note=f"{spec.id} {version} → {spec.version}")
    log.info("board %s: migrated from %s %s to %s", room.board_id, spec.id, version,
             spec.version)
