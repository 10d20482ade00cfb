"""The building blocks in the board picture: each score as five dots, each block's mean in
its corner (as the board shows them)."""

from __future__ import annotations

from partnerboard.plugins import BoardSnapshot, CanvasSpec, Element, zone_of
from partnerboard.plugins.picture import INK, MUTED, Picture, caption

HIGHEST = 5


def _value(element: Element) -> int | None:
    value = element.get("value")
    ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= HIGHEST
    return value if ok else None


def draw_score(element: Element, picture: Picture) -> None:
    value = _value(element)
    picture.rect(element.x, element.y, element.w, element.h, fill="#ffffff", stroke=INK, rx=8.0)
    for dot in range(1, HIGHEST + 1):
        picture.circle(element.x + 18 + (dot - 1) * 22, element.y + 18, 8.0,
                       fill=INK if value is not None and dot <= value else "#e4e7eb")
    picture.text(element.x + 18 + HIGHEST * 22, element.y + 8, str(value or "–"), size=16.0,
                 weight="bold")
    picture.text(element.x + 10, element.y + element.h - 22, caption(element, picture.language),
                 size=12.0, fill=MUTED, width=element.w - 20)


def draw_means(board: BoardSnapshot, canvas: CanvasSpec, picture: Picture) -> None:
    totals: dict[str, list[int]] = {}
    for score in board.of_kind("score"):
        zone, value = zone_of(score, canvas), _value(score)
        if zone is not None and value is not None:
            totals.setdefault(zone.id, []).append(value)
    word = "gemiddeld" if picture.language == "nl" else "mean"
    for zone in canvas.zones:
        scores = totals.get(zone.id)
        if not scores:
            continue
        mean = f"{sum(scores) / len(scores):.1f}"
        mean = mean.replace(".", ",") if picture.language == "nl" else mean
        r = zone.rect
        picture.text(r.x + r.w - 14, r.y + r.h - 34, f"{word} {mean} ({len(scores)})",
                     size=16.0, weight="bold", anchor="end")
