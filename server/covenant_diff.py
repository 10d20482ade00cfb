"""What changed between two versions of a covenant, by section and by item.

An item is the same item in both versions when it comes from the same board element (a new
version of a board copies its elements, ids included); items without an element (a building
block's score, say) are matched by their text. A matched item whose text differs is
*reworded*; one whose other content differs (an action's owner or date, a mean score) is
*changed*. Where an item came from (the board id, who edited it) is not content: a new board
version changes those without changing the agreement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["covenant_changes"]

#: Item keys that say where an item came from, not what was agreed.
_PROVENANCE = frozenset({"source", "editors", "element"})


def _key(item: Mapping[str, Any]) -> str:
    element = item.get("element")
    return f"e:{element}" if element else f"t:{item.get('text', '')}"


def _content(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _PROVENANCE and k != "text"}


def _title(covenant: Mapping[str, Any], section: str) -> str:
    return str((covenant.get("section_titles") or {}).get(section, section))


def _section_changes(before: list[Mapping[str, Any]], after: list[Mapping[str, Any]]
                     ) -> dict[str, list[Any]]:
    old = {_key(item): item for item in before}
    new = {_key(item): item for item in after}
    changes: dict[str, list[Any]] = {"added": [], "removed": [], "reworded": [], "changed": []}
    for key, item in new.items():
        was = old.get(key)
        if was is None:
            changes["added"].append(str(item.get("text", "")))
        elif was.get("text") != item.get("text"):
            changes["reworded"].append({"before": str(was.get("text", "")),
                                        "after": str(item.get("text", ""))})
        elif _content(was) != _content(item):
            changes["changed"].append(str(item.get("text", "")))
    changes["removed"] = [str(item.get("text", "")) for key, item in old.items()
                          if key not in new]
    return changes


def covenant_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]
                     ) -> dict[str, Any] | None:
    """The changes from ``before`` to ``after`` (None for a first version): sections added
    and removed (with their items), and per kept section its items added, removed, reworded
    and changed. Empty lists everywhere means the content is the same."""
    if before is None:
        return None
    old, new = before.get("sections") or {}, after.get("sections") or {}
    added = [{"id": s, "title": _title(after, s), "items": [str(i.get("text", ""))
                                                             for i in new[s]]}
             for s in new if s not in old]
    removed = [{"id": s, "title": _title(before, s), "items": [str(i.get("text", ""))
                                                                for i in old[s]]}
               for s in old if s not in new]
    sections = []
    for section in new:
        if section in old:
            changes = _section_changes(old[section], new[section])
            if any(changes.values()):
                sections.append({"id": section, "title": _title(after, section), **changes})
    return {"sections_added": added, "sections_removed": removed, "sections": sections}
