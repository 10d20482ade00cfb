"""Covenant sections as plugins return them, and the check the server applies to them.

A covenant hook returns ``{section id: [item, ...]}``; every item is a dict with at least
``text`` (str), ``org`` (the author's organisation) and ``element`` (the id of the element it
came from, "" for an item that sums up several elements), plus JSON-safe extra keys of its own
(``owner``, ``due``, ``level``, ...). :func:`check_sections` rejects anything else with an error
naming the plugin, so one plugin's mistake never ends up in a covenant or breaks an exporter.
An item must have a :func:`canonical` form, the one the server stores, and nest at most
:data:`MAX_ITEM_DEPTH` deep: a NaN, keys that cannot be sorted or nesting too deep for the
encoder once passed the check and failed finalize, and a deep item left a covenant that no
document format rendered and no board file carried.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .board import Element

__all__ = [
    "Sections", "SectionsError", "canonical", "check_sections", "item", "merge_sections",
]

Sections = dict[str, list[dict[str, Any]]]

_SECTION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIRED = ("text", "org", "element")
#: Deepest nesting of an item (the item itself is level 1): a covenant holding it stays well
#: within the 64 levels a board file's covenant may nest.
MAX_ITEM_DEPTH = 32


def canonical(data: Any) -> bytes:
    """The one byte form of a JSON value: sorted keys, no whitespace, UTF-8 (not \\u escapes).
    Raises TypeError or ValueError for a value that has none."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _too_deep(value: Any, depth: int = 1) -> bool:
    if isinstance(value, dict):
        inner: Any = value.values()
    elif isinstance(value, list | tuple):
        inner = value
    else:
        return False
    return depth > MAX_ITEM_DEPTH or any(_too_deep(part, depth + 1) for part in inner)


class SectionsError(ValueError):
    """A covenant hook returned something that is not a mapping of sections to items."""

    def __init__(self, plugin: str, where: str, problem: str) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: partnerboard_covenant returned {where}: {problem}")


def item(element: Element, **extra: Any) -> dict[str, Any]:
    """A covenant item taken from one element: its text, organisation and id, plus ``extra``.

    An element a guest made carries ``"guest": true``: its organisation is self-declared.
    """
    guest = {"guest": True} if element.get("guest") is True else {}
    return {"text": element.text.strip(), "org": element.org, "element": element.id, **guest,
            **extra}


def check_sections(plugin: str, result: object) -> Sections:
    """Return ``result`` when it is a valid sections mapping; raise :class:`SectionsError`."""
    if not isinstance(result, dict):
        raise SectionsError(plugin, type(result).__name__, "expected a dict of sections")
    for section, items in result.items():
        if not isinstance(section, str) or not _SECTION_ID.match(section):
            raise SectionsError(plugin, f"section {section!r}", "ids are snake_case strings")
        if not isinstance(items, list):
            raise SectionsError(plugin, f"section {section!r}", "expected a list of items")
        for index, entry in enumerate(items):
            where = f"{section}[{index}]"
            if not isinstance(entry, dict):
                raise SectionsError(plugin, where, f"expected a dict, got {type(entry).__name__}")
            for key in _REQUIRED:
                if not isinstance(entry.get(key), str):
                    raise SectionsError(plugin, f"{where}.{key}", "missing or not a str")
            if _too_deep(entry):
                raise SectionsError(plugin, where, f"nests deeper than {MAX_ITEM_DEPTH} levels")
            try:
                canonical(entry)
            except (TypeError, ValueError) as error:
                raise SectionsError(plugin, where, f"not plain JSON data: {error}") from error
    return result


def merge_sections(results: list[tuple[str, Sections]]) -> Sections:
    """Merge several plugins' sections: items of the same section id are concatenated in order."""
    merged: Sections = {}
    for _plugin, sections in results:
        for section, items in sections.items():
            merged.setdefault(section, []).extend(items)
    return merged
