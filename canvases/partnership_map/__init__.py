"""Partnership map (Partnerschapskaart): five columns filled from right to left.

The group first agrees on ends (values), then on means (relations, acting, conditions), and
only then on concrete actions: step 1 is the rightmost column. Every note in a column becomes
an item of that column's covenant section; notes in the parking area, or outside every column,
stay behind. Action notes carry ``owner`` and ``due``.
"""

from __future__ import annotations

from partnerboard.plugins import (
    BoardSnapshot,
    CanvasSpec,
    Sections,
    elements_by_zone,
    hookimpl,
    item,
)

from .spec import SPEC

__all__ = ["SECTIONS", "SPEC", "covenant_sections"]

#: Which covenant section each zone feeds, in the order of the steps.
SECTIONS = {
    "values": "values",
    "relations": "process_agreements",
    "acting": "roles_and_communication",
    "conditions": "conditions",
    "actions": "actions",
}


@hookimpl(trylast=True)
def partnerboard_canvases() -> list[CanvasSpec]:
    return [SPEC]


def covenant_sections(board: BoardSnapshot, canvas: CanvasSpec) -> Sections:
    """The five sections of a partnership map; empty notes and parked notes are left out."""
    by_zone = elements_by_zone(board.of_kind("note"), canvas)
    sections: Sections = {}
    for zone_id, section in SECTIONS.items():
        notes = [note for note in by_zone.get(zone_id, []) if note.text.strip()]
        if zone_id == "actions":
            sections[section] = [
                item(note, owner=str(note.get("owner") or "").strip(),
                     due=str(note.get("due") or "").strip())
                for note in notes
            ]
        else:
            sections[section] = [item(note) for note in notes]
    return sections


@hookimpl(trylast=True)
def partnerboard_covenant(board: BoardSnapshot, canvas: CanvasSpec) -> Sections:
    return covenant_sections(board, canvas)
