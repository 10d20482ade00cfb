"""Helpers for testing a canvas plugin without a server.

Build a board snapshot with elements in given zones, then run your covenant hook on it::

    from partnerboard.plugins.testing import build_board, run_covenant
    import my_canvas

    board = build_board(my_canvas.SPEC, notes_in={"aims": ["Fewer school drop-outs"]},
                        parked=["an idea for later"])
    sections = run_covenant(my_canvas, board)
    assert [i["text"] for i in sections["aims"]] == ["Fewer school drop-outs"]

Element ids are predictable (``aims-1``, ``aims-2``, ``parked-1``, ...), so a test can
check which element an item came from. Unlike the server, which logs a failing hook and goes
on, :func:`run_covenant` lets a hook's exception reach your test with its own traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .board import NOTE_SIZE, BoardSnapshot, Element, Partner, containing_zone, zone_of
from .covenant import Sections, check_sections, merge_sections
from .manager import PluginRegistry, build_registry
from .spec import CanvasSpec, Rect, Zone

__all__ = [
    "build_board",
    "covenant_stub",
    "element",
    "parking_point",
    "place",
    "point_in",
    "registry_with",
    "run_covenant",
]

#: A note given to :func:`build_board`: its text, or a dict of element keys (``text``, ``org``,
#: ``id``, ``kind`` and any kind-specific key such as ``owner``).
NoteSpec = str | Mapping[str, Any]


def element(
    kind: str,
    *,
    centre: tuple[float, float],
    id: str,
    text: str = "",
    org: str = "",
    author: str = "",
    size: tuple[float, float] = NOTE_SIZE,
    created: float = 0,
    **props: Any,
) -> Element:
    """An element of ``kind`` whose centre lies at ``centre`` (the point the zone rule uses)."""
    w, h = size
    return Element(
        id=id, kind=kind, x=centre[0] - w / 2, y=centre[1] - h / 2, w=w, h=h, text=text,
        org=org, author=author, created=created,
        props=dict(props),
    )


def _grid(rect: Rect, steps: int = 8) -> Iterable[tuple[float, float]]:
    yield rect.centre
    for i in range(1, steps):
        for j in range(1, steps):
            yield (rect.x + rect.w * i / steps, rect.y + rect.h * j / steps)


def _probe(x: float, y: float) -> Element:
    return Element(id="probe", kind="probe", x=x, y=y, w=0, h=0)


def point_in(spec: CanvasSpec, zone_id: str) -> tuple[float, float]:
    """A point of the zone that no smaller zone covers (so an element there belongs to it)."""
    zone = spec.zone(zone_id)
    for x, y in _grid(zone.rect):
        if containing_zone(_probe(x, y), spec) == zone:
            return (x, y)
    raise ValueError(f"zone {zone_id!r} of canvas {spec.id!r} is covered by smaller zones")


def parking_point(spec: CanvasSpec) -> tuple[float, float]:
    """A point where an element is parked: in a parking zone, else in no zone at all."""
    parking: list[Zone] = [zone for zone in spec.zones if zone.parking]
    for rect in [zone.rect for zone in parking] + [spec.bounds]:
        for x, y in _grid(rect, 16):
            if zone_of(_probe(x, y), spec) is None:
                return (x, y)
    return (-NOTE_SIZE[0], -NOTE_SIZE[1])  # outside the canvas: still on the board, parked


def place(
    spec: CanvasSpec, zone_id: str, *, id: str, kind: str = "note", **keys: Any
) -> Element:
    """An element of ``kind`` inside zone ``zone_id``; ``keys`` as for :func:`element`."""
    return element(kind, centre=point_in(spec, zone_id), id=id, **keys)


def _note(spec: NoteSpec, default_id: str, default_org: str) -> tuple[str, dict[str, Any]]:
    keys: dict[str, Any] = {"text": spec} if isinstance(spec, str) else dict(spec)
    keys.setdefault("org", default_org)
    return str(keys.pop("id", default_id)), keys


def build_board(
    spec: CanvasSpec,
    *,
    notes_in: Mapping[str, Sequence[NoteSpec]] | None = None,
    parked: Sequence[NoteSpec] = (),
    elements: Iterable[Element] = (),
    partners: Sequence[str] = ("Gemeente", "Zorg"),
    meta: Mapping[str, Any] | None = None,
    language: str = "en",
    title: str = "Test board",
    board_id: str = "test-board",
) -> BoardSnapshot:
    """A board of canvas ``spec`` holding notes in zones, parked notes and other elements.

    :param notes_in: zone id -> notes placed in that zone (ids ``<zone>-1``, ``<zone>-2``, ...).
    :param parked: notes placed where they are parked (ids ``parked-1``, ...).
    :param elements: further elements, e.g. made with :func:`place` or :func:`element`.
    :param partners: the partner organisations' names; a note's ``org`` defaults to the first.
    :param meta: extra metadata, e.g. ``{"ambition": [[0, 0.2], [1, 0.9]]}``.
    """
    default_org = partners[0] if partners else ""
    made: list[Element] = []
    for zone_id, notes in (notes_in or {}).items():
        centre = point_in(spec, zone_id)
        for index, note in enumerate(notes, start=1):
            eid, keys = _note(note, f"{zone_id}-{index}", default_org)
            made.append(element(keys.pop("kind", "note"), centre=centre, id=eid, **keys))
    spot = parking_point(spec)
    for index, note in enumerate(parked, start=1):
        eid, keys = _note(note, f"parked-{index}", default_org)
        made.append(element(keys.pop("kind", "note"), centre=spot, id=eid, **keys))
    made.extend(elements)
    by_id: dict[str, Element] = {}
    for order, item in enumerate(made, start=1):
        if item.id in by_id:
            raise ValueError(f"two elements have the id {item.id!r}")
        # Creation order is the order given here, so covenant items come out in that order.
        by_id[item.id] = item if item.created else replace(item, created=order)
    board_meta = {"canvas": spec.id, "canvas_version": spec.version, "title": title,
                  "language": language, "step": 0, "finalized": True, **(meta or {})}
    return BoardSnapshot(
        id=board_id, canvas=spec.id, title=title, language=language, meta=board_meta,
        partners=tuple(Partner(f"p{i}", name) for i, name in enumerate(partners, start=1)),
        elements=by_id,
    )


def covenant_stub(board: BoardSnapshot) -> dict[str, Any]:
    """The covenant as the server has built it when it calls the covenant hooks."""
    return {
        "schema_version": 1,
        "board": {"id": board.id, "canvas": board.canvas, "title": board.title,
                  "finalized_at": "", "snapshot_sha256": ""},
        "parties": [{"id": p.id, "name": p.name} for p in board.partners],
        "participants": [],
    }


def registry_with(*plugins: object, names: Sequence[str] = ()) -> PluginRegistry:
    """A registry holding exactly these plugins (no installed ones), as the server builds it."""
    named = [(names[i] if i < len(names) else _name_of(p), p) for i, p in enumerate(plugins)]
    return build_registry(entry_points=False, plugins=named, trace=False)


def _name_of(plugin: object) -> str:
    return str(getattr(plugin, "__name__", type(plugin).__name__)).rsplit(".", 1)[-1]


def run_covenant(
    plugin: object,
    board: BoardSnapshot,
    *,
    canvas: CanvasSpec | None = None,
    covenant: dict[str, Any] | None = None,
) -> Sections:
    """Run one plugin's covenant hook on ``board`` and return its checked sections.

    The plugin is loaded as the server loads it: its canvases must validate (a broken plugin
    raises :class:`RuntimeError` with the reasons). ``canvas`` defaults to the plugin's spec of
    ``board.canvas``. The hook's result is checked as the server checks it.
    """
    registry = registry_with(plugin)
    name = next(iter(registry.plugins))
    info = registry.plugins[name]
    if info.state == "broken":
        raise RuntimeError(f"plugin {name!r} is broken: {'; '.join(info.errors)}")
    canvas = canvas or registry.canvas(board.canvas)
    if canvas is None:
        raise LookupError(f"plugin {name!r} declares no canvas {board.canvas!r}")
    results = registry.pm.hook.partnerboard_covenant(
        board=board, canvas=canvas, covenant=covenant or covenant_stub(board)
    )
    return merge_sections([(name, check_sections(name, result)) for result in results])
