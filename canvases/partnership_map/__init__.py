"""Partnership map (Partnerschapskaart): five columns filled from right to left.

The group first agrees on ends (values), then on means (relations, acting, conditions), and
only then on concrete actions: step 1 is the rightmost column.
"""

from __future__ import annotations

from typing import Any

from partnerboard.plugins import BoardSnapshot, CanvasSpec, elements_by_zone, hookimpl

from .spec import SPEC

#: Which covenant section each zone feeds.
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


def covenant_sections(board: BoardSnapshot, canvas: CanvasSpec) -> dict[str, list[dict[str, Any]]]:
    """The five sections of a partnership map; parked notes are left out."""
    by_zone = elements_by_zone(board.of_kind("note"), canvas)
    sections: dict[str, list[dict[str, Any]]] = {}
    for zone_id, section in SECTIONS.items():
        items = []
        for note in by_zone.get(zone_id, []):
            if not note.text.strip():
                continue
            item: dict[str, Any] = {"text": note.text, "org": note.org, "element": note.id}
            if zone_id == "actions":
                item["owner"] = str(note.get("owner") or "")
                item["due"] = str(note.get("due") or "")
            items.append(item)
        sections[section] = items
    return sections


@hookimpl(trylast=True)
def partnerboard_covenant(
    board: BoardSnapshot, canvas: CanvasSpec
) -> dict[str, list[dict[str, Any]]] | None:
    if board.canvas != SPEC.id:
        return None
    return covenant_sections(board, canvas)
