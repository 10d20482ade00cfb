"""Typed canvas specifications that validate themselves.

A canvas plugin returns :class:`CanvasSpec` objects from ``partnerboard_canvases``. The server
calls :meth:`CanvasSpec.validate` when it loads the plugin, so a mistake (a zone outside the
canvas, a step naming a zone that does not exist, a missing translation) is reported with the
plugin and the field that is wrong, and the plugin is skipped instead of breaking the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "LANGUAGES",
    "CanvasSpec",
    "ElementKind",
    "Rect",
    "SpecError",
    "Zone",
]

#: Every text a user sees exists in each of these languages.
LANGUAGES = ("nl", "en")


class SpecError(ValueError):
    """A canvas spec is invalid. The message names the plugin, the canvas and the field."""

    def __init__(self, field: str, problem: str, *, plugin: str = "?", canvas: str = "?") -> None:
        self.field = field
        self.problem = problem
        self.plugin = plugin
        self.canvas = canvas
        super().__init__(f"plugin {plugin!r}, canvas {canvas!r}: {field}: {problem}")

    def located(self, *, plugin: str) -> SpecError:
        """The same error, now naming the plugin that declared the spec."""
        return SpecError(self.field, self.problem, plugin=plugin, canvas=self.canvas)


@dataclass(frozen=True)
class Rect:
    """A rectangle in board coordinates; y grows downward, (x, y) is the top-left corner."""

    x: float
    y: float
    w: float
    h: float

    @property
    def area(self) -> float:
        return self.w * self.h

    def contains(self, px: float, py: float) -> bool:
        """True when the point lies inside the rectangle, edges included."""
        return self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h

    def inside(self, other: Rect) -> bool:
        return (
            other.x <= self.x
            and other.y <= self.y
            and self.x + self.w <= other.x + other.w
            and self.y + self.h <= other.y + other.h
        )

    def to_json(self) -> dict[str, float]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


@dataclass(frozen=True)
class Zone:
    """An area of the canvas where elements count as content of one kind (a column, a block).

    :param id: unique within the canvas; used in steps and covenant sections.
    :param title: ``{"nl": ..., "en": ...}``.
    :param rect: where the zone lies on the canvas.
    :param prompts: questions shown in the zone, ``{"nl": [...], "en": [...]}``.
    :param step: the facilitation step this zone belongs to (1-based), or None.
    :param parking: a parking area: drawn, but its elements never become covenant data.
    """

    id: str
    title: dict[str, str]
    rect: Rect
    prompts: dict[str, list[str]] = field(default_factory=lambda: {"nl": [], "en": []})
    step: int | None = None
    parking: bool = False
    group: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": dict(self.title),
            "prompts": {lang: list(items) for lang, items in self.prompts.items()},
            "rect": self.rect.to_json(),
            "step": self.step,
            "parking": self.parking,
        }
        if self.group is not None:
            data["group"] = self.group
        return data


@dataclass(frozen=True)
class ElementKind:
    """An element kind a canvas allows, with the extra keys it carries.

    :param kind: the value of the element's ``kind`` key, e.g. ``"note"``.
    :param label: ``{"nl": ..., "en": ...}`` shown in the toolbar.
    :param fields: extra keys and their JSON type, e.g. ``{"owner": "string", "due": "date"}``.
    """

    kind: str
    label: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": dict(self.label), "fields": dict(self.fields)}


@dataclass(frozen=True)
class CanvasSpec:
    """Everything the server and the browser need to draw and check a canvas.

    ``decorations`` are plain JSON objects drawn on the canvas but carrying no content, e.g.
    ``{"type": "label", "x": 0, "y": 0, "text": {"nl": ..., "en": ...}}``, axes or a text list.
    ``extra`` holds canvas-specific settings (e.g. the default ambition line), passed through.
    """

    id: str
    version: str
    title: dict[str, str]
    description: dict[str, str]
    size: tuple[float, float]
    zones: tuple[Zone, ...]
    steps: tuple[str, ...] = ()
    element_kinds: tuple[ElementKind, ...] = ()
    decorations: tuple[dict[str, Any], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def bounds(self) -> Rect:
        return Rect(0, 0, self.size[0], self.size[1])

    def zone(self, zone_id: str) -> Zone:
        for zone in self.zones:
            if zone.id == zone_id:
                return zone
        raise KeyError(zone_id)

    def validate(self) -> CanvasSpec:
        """Check the spec and return it; raise :class:`SpecError` naming the field otherwise."""
        problem = _first_problem(self)
        if problem is not None:
            raise SpecError(problem[0], problem[1], canvas=str(self.id))
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "title": dict(self.title),
            "description": dict(self.description),
            "size": {"w": self.size[0], "h": self.size[1]},
            "zones": [zone.to_json() for zone in self.zones],
            "steps": list(self.steps),
            "element_kinds": [kind.to_json() for kind in self.element_kinds],
            "decorations": [dict(item) for item in self.decorations],
            **({"extra": dict(self.extra)} if self.extra else {}),
        }

    def summary(self, plugin: str) -> dict[str, Any]:
        """The short form listed by ``GET /api/canvases``."""
        return {
            "id": self.id,
            "version": self.version,
            "title": dict(self.title),
            "description": dict(self.description),
            "plugin": plugin,
        }


def _missing_language(value: object) -> str | None:
    if not isinstance(value, dict):
        return "must be a dict with the keys " + " and ".join(LANGUAGES)
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            return f"the {lang!r} text is missing or empty"
    return None


def _first_problem(spec: CanvasSpec) -> tuple[str, str] | None:
    if not isinstance(spec.id, str) or not spec.id or not spec.id.replace("-", "").isalnum():
        return "id", "must be a non-empty slug of letters, digits and dashes"
    if not isinstance(spec.version, str) or not spec.version:
        return "version", "must be a non-empty string such as '1.0'"
    for name in ("title", "description"):
        missing = _missing_language(getattr(spec, name))
        if missing:
            return name, missing
    width, height = spec.size
    if not (width > 0 and height > 0):
        return "size", f"must be positive, got {spec.size!r}"
    seen: set[str] = set()
    for index, zone in enumerate(spec.zones):
        where = f"zones[{index}]"
        if not isinstance(zone, Zone):
            return where, f"must be a Zone, got {type(zone).__name__}"
        if zone.id in seen:
            return f"{where}.id", f"duplicate zone id {zone.id!r}"
        seen.add(zone.id)
        missing = _missing_language(zone.title)
        if missing:
            return f"{where}.title", missing
        for lang in LANGUAGES:
            if not isinstance(zone.prompts.get(lang), list):
                return f"{where}.prompts", f"the {lang!r} prompts are missing (use [] for none)"
        if len(zone.prompts["nl"]) != len(zone.prompts["en"]):
            return f"{where}.prompts", "nl and en must have the same number of prompts"
        if zone.rect.w <= 0 or zone.rect.h <= 0:
            return f"{where}.rect", "width and height must be positive"
        if not zone.rect.inside(spec.bounds):
            return f"{where}.rect", f"{zone.rect.to_json()} lies outside the canvas {spec.size}"
    for index, step in enumerate(spec.steps):
        if step not in seen:
            return f"steps[{index}]", f"names zone {step!r}, which the canvas does not declare"
    kinds: set[str] = set()
    for index, kind in enumerate(spec.element_kinds):
        if kind.kind in kinds:
            return f"element_kinds[{index}]", f"duplicate kind {kind.kind!r}"
        kinds.add(kind.kind)
        missing = _missing_language(kind.label)
        if missing:
            return f"element_kinds[{index}].label", missing
    return None
