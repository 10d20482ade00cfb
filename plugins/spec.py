"""Typed canvas specifications that validate themselves.

A canvas plugin returns :class:`CanvasSpec` objects from ``partnerboard_canvases``. The server
calls :meth:`CanvasSpec.validate` when it loads the plugin, so a mistake (a zone outside the
canvas, a step naming a zone that does not exist, a missing translation) is reported with the
plugin and the field that is wrong, and the plugin is skipped instead of breaking the server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .agreement import CHECK_GROUPS, MEASURES, Chapter, Check, CovenantSection
from .versions import Migration, version_key

__all__ = [
    "FIELD_TYPES",
    "LANGUAGES",
    "CanvasSpec",
    "ElementKind",
    "Rect",
    "SpecError",
    "Zone",
]

#: Every text a user sees exists in each of these languages.
LANGUAGES = ("nl", "en")

#: The value types an element kind's extra field may declare (or a tuple of allowed strings).
FIELD_TYPES = ("string", "number", "integer", "boolean", "date", "element")

_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


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

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

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

    :param id: a slug, unique within the canvas; used in steps and covenant sections.
    :param title: ``{"nl": ..., "en": ...}``.
    :param rect: where the zone lies on the canvas; it must lie inside the canvas.
    :param prompts: questions shown in the zone, ``{"nl": [...], "en": [...]}``, as many in each
        language.
    :param step: the facilitation step this zone belongs to (1-based), or None. When the canvas
        lists ``steps``, a zone's step is its position in that list.
    :param parking: a parking area: drawn, but its elements never become covenant data.
    :param group: an optional group id, for canvases whose zones come in groups.
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
    :param fields: extra keys and their type: one of :data:`FIELD_TYPES`, or a tuple of the
        allowed strings, e.g. ``{"owner": "string", "due": "date",
        "level": ("practice", "management", "governance")}``.
    :param markable: the facilitator marks elements of this kind agreed or parked, and in a
        zone with an agreed one only the agreed ones become covenant data.
    :param arranged: when boards are merged, elements of this kind are laid out in a grid in
        their zone (the others keep their position).
    :param content: elements of this kind are someone's contribution: they count in the
        participation figures (connectors such as arrows do not).
    :param picture: ``picture(element, picture)`` draws an element of this kind in the board
        picture (:class:`~partnerboard.plugins.picture.Picture`); without it, a card with its
        text, as a note.
    """

    kind: str
    label: dict[str, str]
    fields: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    markable: bool = False
    arranged: bool = False
    content: bool = True
    picture: Callable[..., None] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": dict(self.label),
            "fields": {
                name: value if isinstance(value, str) else list(value)
                for name, value in self.fields.items()
            },
            "markable": self.markable,
            "arranged": self.arranged,
            "content": self.content,
        }


@dataclass(frozen=True)
class CanvasSpec:
    """Everything the server and the browser need to draw and check a canvas.

    ``decorations`` are plain JSON objects drawn on the canvas but carrying no content, e.g.
    ``{"type": "label", "x": 0, "y": 0, "text": {"nl": ..., "en": ...}}``, axes or a text list
    (plugins/README.md lists the types). ``extra`` holds canvas-specific settings (e.g. the
    default ambition line), passed through to the browser as JSON. ``sections`` declares the
    covenant sections the canvas's hook returns: titles, chapters and checklist checks
    (:mod:`partnerboard.plugins.agreement`). ``migrations`` bring boards made with an older
    ``version`` up to date (:mod:`partnerboard.plugins.versions`).
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
    sections: tuple[CovenantSection, ...] = ()
    migrations: tuple[Migration, ...] = ()
    #: ``picture(board, canvas, picture)``: draws the canvas's own layers (quadrants, axes,
    #: lines) in the board picture, over the zones and under the elements.
    picture: Callable[..., None] | None = None

    @property
    def bounds(self) -> Rect:
        return Rect(0, 0, self.size[0], self.size[1])

    def zone(self, zone_id: str) -> Zone:
        for zone in self.zones:
            if zone.id == zone_id:
                return zone
        raise KeyError(zone_id)

    def kinds(self, role: str) -> frozenset[str]:
        """The element kinds with a role: ``"markable"``, ``"arranged"`` or ``"content"``."""
        return frozenset(kind.kind for kind in self.element_kinds if getattr(kind, role))

    def section(self, section_id: str) -> CovenantSection | None:
        return next((s for s in self.sections if s.id == section_id), None)

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
            "extra": dict(self.extra),
            "sections": [
                {"id": s.id, "title": dict(s.title), "chapter": s.chapter.id}
                for s in self.sections
            ],
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


Problem = tuple[str, str]


def _missing_language(value: object) -> str | None:
    if not isinstance(value, dict):
        return "must be a dict with the keys " + " and ".join(LANGUAGES)
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            return f"the {lang!r} text is missing or empty"
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _untranslated(value: Any, where: str) -> Problem | None:
    """Find a ``{"nl": ..., "en": ...}`` value anywhere in JSON data that lacks a language."""
    if isinstance(value, dict):
        if any(lang in value for lang in LANGUAGES):
            for lang in LANGUAGES:
                if lang not in value:
                    return where, f"has {sorted(value)} but no {lang!r} text"
        for key, item in value.items():
            found = _untranslated(item, f"{where}.{key}")
            if found:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _untranslated(item, f"{where}[{index}]")
            if found:
                return found
    return None


def _not_json(value: Any, where: str) -> Problem | None:
    try:
        json.dumps(value)
    except (TypeError, ValueError) as error:
        return where, f"must be plain JSON data: {error}"
    return None


def _canvas_problem(spec: CanvasSpec) -> Problem | None:
    if not isinstance(spec.id, str) or not _SLUG.match(spec.id):
        return "id", "must be a slug of lowercase letters, digits and single dashes"
    if not isinstance(spec.version, str) or not spec.version:
        return "version", "must be a non-empty string such as '1.0'"
    try:
        version_key(spec.version)
    except ValueError:
        return "version", f"must be numbers with dots, such as '1.0', got {spec.version!r}"
    for name in ("title", "description"):
        missing = _missing_language(getattr(spec, name))
        if missing:
            return name, missing
    size = spec.size
    if not (isinstance(size, tuple | list) and len(size) == 2 and all(map(_is_number, size))):
        return "size", f"must be (width, height), got {size!r}"
    if not (size[0] > 0 and size[1] > 0):
        return "size", f"must be positive, got {size!r}"
    return None


def _zone_problem(zone: Zone, where: str, spec: CanvasSpec) -> Problem | None:
    if not isinstance(zone, Zone):
        return where, f"must be a Zone, got {type(zone).__name__}"
    if not isinstance(zone.id, str) or not _SLUG.match(zone.id):
        return f"{where}.id", f"{zone.id!r} is not a slug of lowercase letters, digits and dashes"
    missing = _missing_language(zone.title)
    if missing:
        return f"{where}.title", missing
    if not isinstance(zone.prompts, dict):
        return f"{where}.prompts", "must be a dict {'nl': [...], 'en': [...]}"
    for lang in LANGUAGES:
        prompts = zone.prompts.get(lang)
        if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
            return f"{where}.prompts", f"the {lang!r} prompts must be a list of str ([] for none)"
    if len({len(zone.prompts[lang]) for lang in LANGUAGES}) != 1:
        return f"{where}.prompts", "every language must have the same number of prompts"
    rect = zone.rect
    if not isinstance(rect, Rect) or not all(map(_is_number, (rect.x, rect.y, rect.w, rect.h))):
        return f"{where}.rect", "must be a Rect of numbers"
    if rect.w <= 0 or rect.h <= 0:
        return f"{where}.rect", "width and height must be positive"
    if not rect.inside(spec.bounds):
        return f"{where}.rect", f"{rect.to_json()} lies outside the canvas {tuple(spec.size)}"
    if zone.step is not None and (not isinstance(zone.step, int) or zone.step < 1):
        return f"{where}.step", f"must be a positive int or None, got {zone.step!r}"
    if zone.step is not None and zone.id in spec.steps:
        position = list(spec.steps).index(zone.id) + 1
        if position != zone.step:
            return f"{where}.step", f"is {zone.step} but steps lists {zone.id!r} as step {position}"
    if zone.group is not None and not isinstance(zone.group, str):
        return f"{where}.group", "must be a str or None"
    return None


def _steps_problem(spec: CanvasSpec, zones: dict[str, Zone]) -> Problem | None:
    seen: set[str] = set()
    for index, step in enumerate(spec.steps):
        if step not in zones:
            return f"steps[{index}]", f"names zone {step!r}, which the canvas does not declare"
        if step in seen:
            return f"steps[{index}]", f"names zone {step!r} twice"
        if zones[step].parking:
            return f"steps[{index}]", f"names the parking zone {step!r}"
        seen.add(step)
    return None


def _kind_problem(kind: ElementKind, where: str) -> Problem | None:
    if not isinstance(kind, ElementKind):
        return where, f"must be an ElementKind, got {type(kind).__name__}"
    if not isinstance(kind.kind, str) or not _SLUG.match(kind.kind):
        return f"{where}.kind", f"{kind.kind!r} is not a slug"
    missing = _missing_language(kind.label)
    if missing:
        return f"{where}.label", missing
    if kind.picture is not None and not callable(kind.picture):
        return f"{where}.picture", "must be a function(element, picture) or None"
    for name, value in kind.fields.items():
        choices = isinstance(value, tuple) and value and all(isinstance(v, str) for v in value)
        if value not in FIELD_TYPES and not choices:
            return f"{where}.fields.{name}", (
                f"{value!r} is neither one of {', '.join(FIELD_TYPES)} nor a tuple of choices"
            )
    return None


def _first_problem(spec: CanvasSpec) -> Problem | None:
    problem = _canvas_problem(spec)
    if problem:
        return problem
    zones: dict[str, Zone] = {}
    for index, zone in enumerate(spec.zones):
        problem = _zone_problem(zone, f"zones[{index}]", spec)
        if problem:
            return problem
        if zone.id in zones:
            return f"zones[{index}].id", f"duplicate zone id {zone.id!r}"
        zones[zone.id] = zone
    problem = _steps_problem(spec, zones)
    if problem:
        return problem
    kinds: set[str] = set()
    for index, kind in enumerate(spec.element_kinds):
        problem = _kind_problem(kind, f"element_kinds[{index}]")
        if problem:
            return problem
        if kind.kind in kinds:
            return f"element_kinds[{index}].kind", f"duplicate kind {kind.kind!r}"
        kinds.add(kind.kind)
    for index, decoration in enumerate(spec.decorations):
        where = f"decorations[{index}]"
        if not isinstance(decoration, dict) or not isinstance(decoration.get("type"), str):
            return where, "must be a dict with a 'type' string"
        problem = _not_json(decoration, where) or _untranslated(decoration, where)
        if problem:
            return problem
    if spec.picture is not None and not callable(spec.picture):
        return "picture", "must be a function(board, canvas, picture) or None"
    if not isinstance(spec.extra, dict):
        return "extra", "must be a dict"
    return (_not_json(spec.extra, "extra") or _untranslated(spec.extra, "extra")
            or _sections_problem(spec) or _migrations_problem(spec))


def _migrations_problem(spec: CanvasSpec) -> Problem | None:
    """Migrations run in the order given: each from a version no older than where the last
    one ended, to a newer one, none beyond the spec's version."""
    reached: tuple[int, ...] = ()
    for index, step in enumerate(spec.migrations):
        where = f"migrations[{index}]"
        if not isinstance(step, Migration) or not callable(step.migrate):
            return where, "must be a Migration(from_version, to_version, function)"
        try:
            start, end = version_key(step.from_version), version_key(step.to_version)
        except ValueError:
            return where, "versions must be numbers with dots, such as '1.0'"
        if not start < end:
            return where, f"goes from {step.from_version} to {step.to_version}: not newer"
        if start < reached:
            return where, f"starts at {step.from_version}, before the previous one ends"
        if end > version_key(spec.version):
            return where, f"ends at {step.to_version}, after the canvas version {spec.version}"
        reached = end
    return None


_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def _check_problem(check: Check, where: str, sections: set[str]) -> Problem | None:
    if not isinstance(check, Check):
        return where, f"must be a Check, got {type(check).__name__}"
    if not isinstance(check.id, str) or not _SNAKE.match(check.id):
        return f"{where}.id", f"{check.id!r} is not snake_case"
    if check.group not in CHECK_GROUPS:
        return f"{where}.group", f"must be one of {', '.join(CHECK_GROUPS)}"
    if check.measure not in MEASURES:
        return f"{where}.measure", f"must be one of {', '.join(MEASURES)}"
    missing = _missing_language(check.title)
    if missing:
        return f"{where}.title", missing
    for name, text in check.notes.items():
        if name not in MEASURES[check.measure]:
            return f"{where}.notes.{name}", (
                f"the measure {check.measure!r} has the notes {sorted(MEASURES[check.measure])}")
        missing = _missing_language(text)
        if missing:
            return f"{where}.notes.{name}", missing
    if check.measure == "complete_items" and not check.keys:
        return f"{where}.keys", "complete_items needs the keys every item must have"
    if check.measure == "with_section" and check.other not in sections:
        return f"{where}.other", f"names {check.other!r}, which the canvas does not declare"
    return None


def _words_problem(section: CovenantSection, where: str) -> Problem | None:
    for key, label in section.details.items():
        missing = None if label is None else _missing_language(label)
        if missing:
            return f"{where}.details.{key}", f"{missing} (or None to leave the key out)"
    for key, words in section.values.items():
        if not isinstance(words, dict):
            return f"{where}.values.{key}", "must be a dict of value -> {'nl': ..., 'en': ...}"
        for value, word in words.items():
            missing = _missing_language(word)
            if missing:
                return f"{where}.values.{key}.{value}", missing
    if not all(isinstance(key, str) for key in section.required):
        return f"{where}.required", "must be a tuple of item keys"
    if not isinstance(section.score, str):
        return f"{where}.score", "must be an item key (a string), or \"\" for none"
    scale = section.score_scale
    if (not isinstance(scale, tuple) or len(scale) != 2
            or not all(isinstance(end, int | float) for end in scale) or scale[0] >= scale[1]):
        return f"{where}.score_scale", "must be (lowest, highest), two numbers, lowest first"
    return None


def _sections_problem(spec: CanvasSpec) -> Problem | None:
    declared = {s.id for s in spec.sections if isinstance(s, CovenantSection)}
    seen: set[str] = set()
    checks: set[str] = set()
    for index, section in enumerate(spec.sections):
        where = f"sections[{index}]"
        if not isinstance(section, CovenantSection):
            return where, f"must be a CovenantSection, got {type(section).__name__}"
        if not isinstance(section.id, str) or not _SNAKE.match(section.id):
            return f"{where}.id", f"{section.id!r} is not snake_case"
        if section.id in seen:
            return f"{where}.id", f"duplicate section {section.id!r}"
        seen.add(section.id)
        missing = _missing_language(section.title)
        if missing:
            return f"{where}.title", missing
        chapter = section.chapter
        if not isinstance(chapter, Chapter) or not isinstance(chapter.order, int):
            return f"{where}.chapter", "must be a Chapter (see partnerboard.plugins.agreement)"
        missing = _missing_language(chapter.title)
        if missing:
            return f"{where}.chapter.title", missing
        problem = _words_problem(section, where)
        if problem:
            return problem
        for number, check in enumerate(section.checks):
            problem = _check_problem(check, f"{where}.checks[{number}]", declared)
            if problem:
                return problem
            if check.id in checks:
                return f"{where}.checks[{number}].id", f"duplicate check {check.id!r}"
            checks.add(check.id)
    return None
