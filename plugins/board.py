"""A finalized board as plain, immutable data, and the zone rule.

Plugins never see the live CRDT document: they get a :class:`BoardSnapshot` built from it
(or built directly by :mod:`partnerboard.plugins.testing`), so a hook cannot change a board
and a hook's result depends only on what the board held when it was frozen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Array, Doc, Map, Text

from .spec import CanvasSpec, Zone

__all__ = [
    "BoardSnapshot",
    "Element",
    "Partner",
    "containing_zone",
    "element_geometry",
    "elements_by_zone",
    "snapshot_from_doc",
    "zone_of",
]

_BASE_KEYS = {"kind", "x", "y", "w", "h", "text", "author", "org", "color", "created"}


@dataclass(frozen=True)
class Element:
    """One element of the board document (DESIGN.md §6); ``props`` holds kind-specific keys."""

    id: str
    kind: str
    x: float
    y: float
    w: float
    h: float
    text: str = ""
    author: str = ""
    org: str = ""
    color: str = ""
    created: float = 0
    props: Mapping[str, Any] = field(default_factory=dict)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    color: str = ""


@dataclass(frozen=True)
class BoardSnapshot:
    """What a board holds: its metadata, partners and elements, as plain data."""

    id: str
    canvas: str
    title: str
    language: str = "nl"
    meta: Mapping[str, Any] = field(default_factory=dict)
    partners: tuple[Partner, ...] = ()
    elements: Mapping[str, Element] = field(default_factory=dict)

    def ordered(self) -> list[Element]:
        """Every element, oldest first (then by id, so the order is stable)."""
        return sorted(self.elements.values(), key=lambda e: (e.created, e.id))

    def of_kind(self, *kinds: str) -> list[Element]:
        """Elements of the given kinds, in :meth:`ordered` order."""
        return [element for element in self.ordered() if element.kind in kinds]


def containing_zone(element: Element, spec: CanvasSpec) -> Zone | None:
    """The smallest zone whose rectangle contains the element's centre, edges included (of
    equal ones, the one declared first), parking zones included; None outside every zone."""
    cx, cy = element.centre
    holding = [zone for zone in spec.zones if zone.rect.contains(cx, cy)]
    return min(holding, key=lambda zone: zone.rect.area) if holding else None


def zone_of(element: Element, spec: CanvasSpec) -> Zone | None:
    """The zone an element belongs to, or None when it is parked.

    The zone rule (DESIGN.md §6): the :func:`containing_zone`, unless that is a parking zone
    or there is none; then the element is parked and never becomes covenant data.
    """
    zone = containing_zone(element, spec)
    return None if zone is None or zone.parking else zone


def elements_by_zone(
    elements: Iterable[Element], spec: CanvasSpec
) -> dict[str, list[Element]]:
    """Group elements by zone id; parked elements are left out. Every zone has a list."""
    grouped: dict[str, list[Element]] = {zone.id: [] for zone in spec.zones if not zone.parking}
    for element in elements:
        zone = zone_of(element, spec)
        if zone is not None:
            grouped[zone.id].append(element)
    return grouped


def _number(value: Any, fallback: float = 0.0) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return fallback


#: The size the browser gives an element that has none (web/src/model.js ``NOTE_SIZE``).
NOTE_SIZE = (160.0, 100.0)


def element_geometry(values: Mapping[str, Any]) -> dict[str, float]:
    """``x``, ``y``, ``w`` and ``h`` of an element's values, read as the browser reads them to
    draw the element and find its zone (web/src/model.js ``geometry``): a width or height is
    at least 1. A client may write a negative one; read as written, it moved the centre, so
    a note everyone saw parked counted in a column of the covenant."""
    return {
        "x": _number(values.get("x")),
        "y": _number(values.get("y")),
        "w": max(1.0, _number(values.get("w"), NOTE_SIZE[0])),
        "h": max(1.0, _number(values.get("h"), NOTE_SIZE[1])),
    }


#: Values nested deeper than this are read as None (the server refuses such updates anyway).
_MAX_DEPTH = 64


def _plain(value: Any, depth: int = 0) -> Any:
    """A document value as plain JSON data.

    A client may write anything Yjs can hold; bytes, NaN and infinities have no JSON form, so
    they are read as None rather than failing every answer built from the board later.
    """
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, Text):
        return str(value)
    if isinstance(value, Map | dict):
        return {str(key): _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, Array | list | tuple):
        return [_plain(item, depth + 1) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None


def snapshot_from_doc(doc: Doc, board_id: str) -> BoardSnapshot:
    """Read a board document (DESIGN.md §6) into a :class:`BoardSnapshot`.

    Values of the wrong type (a client may write anything) are read as empty, never raised on.
    """
    meta = {key: _plain(value) for key, value in doc.get("meta", type=Map).items()}
    partners = []
    for pid, raw in doc.get("partners", type=Map).items():
        data = _plain(raw) if isinstance(raw, Map) else {}
        partners.append(Partner(pid, str(data.get("name", "")), str(data.get("color", ""))))
    elements = {}
    for eid, raw in doc.get("elements", type=Map).items():
        if not isinstance(raw, Map):
            continue
        data = _plain(raw)
        elements[eid] = Element(
            id=eid,
            kind=str(data.get("kind", "")),
            **element_geometry(data),
            text=str(data.get("text", "")),
            author=str(data.get("author", "")),
            org=str(data.get("org", "")),
            color=str(data.get("color", "")),
            created=_number(data.get("created")),
            props={k: v for k, v in data.items() if k not in _BASE_KEYS},
        )
    return BoardSnapshot(
        id=board_id,
        canvas=str(meta.get("canvas", "")),
        title=str(meta.get("title", "")),
        language="en" if meta.get("language") == "en" else "nl",
        meta=meta,
        partners=tuple(sorted(partners, key=lambda p: p.name)),
        elements=elements,
    )
