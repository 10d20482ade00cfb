"""The influence/dependency plot in the board picture: quadrants, axes, the ambition line, and
partner markers with the arrow to their desired position."""

from __future__ import annotations

from partnerboard.plugins import BoardSnapshot, CanvasSpec, Element
from partnerboard.plugins.picture import INK, MUTED, Picture, text_in

QUADRANT_FILL = {"partnership": "#e3f2e1", "business": "#e6eef8", "develop": "#fff4d6",
                 "occasional": "#f3e8f5"}


def draw_plot(board: BoardSnapshot, canvas: CanvasSpec, picture: Picture) -> None:
    # strategy imports the spec, which names this function: imported when drawing, not before.
    from .strategy import Position, ambition_line, board_point

    language = picture.language
    for item in canvas.decorations:
        if item.get("type") == "quadrant":
            r = item["rect"]
            picture.rect(r["x"], r["y"], r["w"], r["h"],
                         fill=QUADRANT_FILL.get(item.get("relationship"), "#f5f7fa"))
            picture.text(r["x"] + 14, r["y"] + 12, text_in(item.get("title"), language),
                         size=18.0, weight="bold", width=r["w"] - 28)
            picture.text(r["x"] + 14, r["y"] + 40, text_in(item.get("text"), language), size=13.0,
                         fill=MUTED, width=r["w"] - 28, lines=3)
    for item in canvas.decorations:
        if item.get("type") == "axis":
            picture.line(item["x1"], item["y1"], item["x2"], item["y2"], width=3.0, arrow=True)
            vertical = item["x1"] == item["x2"]
            # Along its axis: a vertical axis's label reads upward, left of the axis.
            x = item["x1"] - 40 if vertical else (item["x1"] + item["x2"]) / 2
            y = (item["y1"] + item["y2"]) / 2 if vertical else item["y1"] + 12
            picture.text(x, y, text_in(item.get("label"), language), size=16.0, weight="bold",
                         anchor="middle", turn=-90.0 if vertical else 0.0)
    plot = next((zone.rect for zone in canvas.zones if zone.id == canvas.extra.get("plot")),
                None)
    if plot is None:
        return
    (d0, i0), (d1, i1) = ambition_line(board.meta, canvas)

    def influence_at(dependency: float) -> float:
        return i0 + (i1 - i0) * (dependency - d0) / (d1 - d0)

    start = board_point(Position(0.0, min(max(influence_at(0.0), 0.0), 1.0)), plot)
    end = board_point(Position(1.0, min(max(influence_at(1.0), 0.0), 1.0)), plot)
    picture.line(start[0], start[1], end[0], end[1], stroke="#c0392b", width=4.0, dash="14 8")


def draw_partner(element: Element, picture: Picture) -> None:
    cx, cy = element.centre
    target_x, target_y = element.get("target_x"), element.get("target_y")
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (target_x, target_y)):
        picture.line(cx, cy, float(target_x), float(target_y), stroke=MUTED, width=2.0,
                     arrow=True, dash="6 5")
        picture.circle(float(target_x), float(target_y), 8.0, fill="none", stroke=MUTED)
    picture.rect(element.x, element.y, element.w, element.h, fill="#ffffff", stroke=INK,
                 stroke_width=2.0, rx=element.h / 2)
    picture.circle(element.x + element.h / 2, cy, 6.0)
    picture.text(element.x + element.h / 2 + 14, element.y + 8, element.text, size=13.0,
                 weight="bold", width=element.w - element.h / 2 - 20, lines=2)
