"""Where partners stand, and where the group wants them: pure functions on a board snapshot.

Positions are relative to the plot area: ``dependency`` runs from 0 (left: alternatives
exist) to 1 (right: irreplaceable), ``influence`` from 0 (bottom: little) to 1 (top: decisive).
A marker's ``target_x`` / ``target_y`` are the board coordinates of the centre it should move to.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from partnerboard.plugins import BoardSnapshot, CanvasSpec, Element, Rect, elements_by_zone, item

from .spec import DEFAULT_AMBITION, MOVEMENTS, RELATIONSHIPS, STAY

__all__ = [
    "Position",
    "ambition_at",
    "ambition_line",
    "board_point",
    "movement",
    "partner_strategy",
    "position_of",
    "relationship",
]

HIGH = 0.5

Line = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class Position:
    dependency: float
    influence: float

    def to_json(self) -> dict[str, float]:
        return {"dependency": round(self.dependency, 2), "influence": round(self.influence, 2)}


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def position_of(x: float, y: float, plot: Rect) -> Position:
    """The position of a board point, clamped to the plot area (y grows downward)."""
    return Position(_clamp((x - plot.x) / plot.w), _clamp((plot.y + plot.h - y) / plot.h))


def board_point(position: Position, plot: Rect) -> tuple[float, float]:
    """The board point of a position: the inverse of :func:`position_of`."""
    return (plot.x + position.dependency * plot.w, plot.y + (1 - position.influence) * plot.h)


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _line(candidate: Any) -> Line | None:
    try:
        (d0, i0), (d1, i1) = candidate
    except (TypeError, ValueError):
        return None
    values = [_number(value) for value in (d0, i0, d1, i1)]
    if values[0] is None or values[1] is None or values[2] is None or values[3] is None:
        return None
    if values[0] == values[2]:
        return None
    return ((values[0], values[1]), (values[2], values[3]))


def ambition_line(meta: Mapping[str, Any], canvas: CanvasSpec) -> Line:
    """The facilitator's ambition line from the board's meta, else the canvas default.

    A line is ``[[dependency, influence], [dependency, influence]]``; anything malformed (a
    client may write anything) falls back to the default.
    """
    return (
        _line(meta.get("ambition"))
        or _line(canvas.extra.get("ambition"))
        or ((DEFAULT_AMBITION[0][0], DEFAULT_AMBITION[0][1]),
            (DEFAULT_AMBITION[1][0], DEFAULT_AMBITION[1][1]))
    )


def ambition_at(line: Line, dependency: float) -> float:
    """The influence the ambition line asks for at this dependency (extended beyond its ends)."""
    (d0, i0), (d1, i1) = line
    return i0 + (i1 - i0) * (dependency - d0) / (d1 - d0)


def movement(current: Position, desired: Position) -> list[str]:
    """The movement ids (``up``, ``down``, ``left``, ``right``) from current to desired, or
    ``["stay"]`` when the desired position is (almost) the current one."""
    moves = []
    delta_influence = desired.influence - current.influence
    delta_dependency = desired.dependency - current.dependency
    if abs(delta_influence) >= STAY:
        moves.append("up" if delta_influence > 0 else "down")
    if abs(delta_dependency) >= STAY:
        moves.append("right" if delta_dependency > 0 else "left")
    return moves or ["stay"]


def relationship(position: Position) -> str:
    """The relationship type a position suggests (an id of ``RELATIONSHIPS``)."""
    if position.influence >= HIGH:
        return "partnership" if position.dependency >= HIGH else "business"
    return "develop" if position.dependency >= HIGH else "occasional"


def _name(marker: Element, board: BoardSnapshot) -> str:
    if marker.text.strip():
        return marker.text.strip()
    names = {partner.id: partner.name for partner in board.partners}
    return names.get(str(marker.get("partner", "")), "")


def _desired(marker: Element, plot: Rect) -> Position | None:
    x, y = _number(marker.get("target_x")), _number(marker.get("target_y"))
    return None if x is None or y is None else position_of(x, y, plot)


def partner_strategy(board: BoardSnapshot, canvas: CanvasSpec) -> list[dict[str, Any]]:
    """One item per named partner marker in the plot area (parked markers are left out)."""
    plot_zone = canvas.zone(str(canvas.extra.get("plot", "plot")))
    line = ambition_line(board.meta, canvas)
    lang = "en" if board.language == "en" else "nl"
    items = []
    for marker in elements_by_zone(board.of_kind("partner"), canvas)[plot_zone.id]:
        name = _name(marker, board)
        if not name:
            continue
        now = position_of(*marker.centre, plot_zone.rect)
        desired = _desired(marker, plot_zone.rect)
        moves = movement(now, desired) if desired else None
        suggested = relationship(desired or now)
        advice = RELATIONSHIPS[suggested][lang]
        if moves:
            advice += ": " + "; ".join(MOVEMENTS[move][lang] for move in moves)
        items.append({
            **item(marker),
            "text": name,
            **now.to_json(),
            "ambition": "above" if now.influence >= ambition_at(line, now.dependency) else "below",
            "desired": desired.to_json() if desired else None,
            "movement": moves,
            "relationship": suggested,
            "advice": advice,
        })
    return items
