"""The board as a picture (SVG), drawn on the server without a browser.

:func:`board_picture` draws the canvas (its sheet, zones with titles and prompts, labels, text
lists and arrow hints), then the canvas's own layers, then the elements: arrows under, every
other kind on top in the order they were made. A canvas draws what only it knows through its
spec: ``CanvasSpec.picture(board, canvas, picture)`` for layers of its own (quadrants, axes, a
line), and ``ElementKind.picture(element, picture)`` for a kind of its own. A kind without one is
drawn as a card with its text, as notes are. Everything a user typed goes into the SVG as text,
escaped: the picture holds no markup and no script from the board.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from .board import BoardSnapshot, Element
from .covenant_outline import marked_org
from .xml_text import xml_text

if TYPE_CHECKING:
    from .spec import CanvasSpec

__all__ = ["Picture", "board_picture", "caption", "colour", "text_in"]

log = logging.getLogger("partnerboard.picture")

_HEX = re.compile(r"^#[0-9a-fA-F]{3,8}$")
NOTE_COLOR = "#ffe066"
INK = "#1f2933"
MUTED = "#52606d"
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def colour(value: object, fallback: str) -> str:
    """A colour an element or partner carries, when it is a hex colour; else ``fallback``."""
    return value if isinstance(value, str) and _HEX.match(value) else fallback


def _wrapped(text: str, per_line: int) -> Iterator[str]:
    """The lines of ``text`` with words wrapped at ``per_line`` characters, made one at a time
    (a word longer than a line is cut into pieces, each made by one slice)."""
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            if len(word) > per_line:
                if line:
                    yield line
                    line = ""
                cut = (len(word) - 1) // per_line * per_line  # the rest fills the last piece
                yield from (word[start:start + per_line] for start in range(0, cut, per_line))
                word = word[cut:]
            candidate = f"{line} {word}".strip()
            if len(candidate) > per_line and line:
                yield line
                line = word
            else:
                line = candidate
        yield line


def _lines(text: str, width: float, size: float, limit: int, glyph: float = 0.55) -> list[str]:
    """Words wrapped into lines that fit ``width`` (an average glyph is ``glyph`` em wide), at
    most ``limit`` of them, the last ending in "…" when text was left out.

    Only the lines shown are made: a note of one 100,000-character word on a card a few
    pixels wide was cut into 100,000 lines, each by copying the rest of the word, which took
    most of a second per note and kept finalize (which draws the board) busy for minutes.
    """
    per_line = max(1, int(width / (size * glyph)))
    lines: list[str] = []
    for line in _wrapped(text, per_line):
        if line and len(lines) >= limit:  # text beyond the last line shown
            lines = lines[:limit]
            lines[-1] = lines[-1][: max(per_line - 1, 0)] + "…"
            return lines
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


class Picture:
    """An SVG drawing in board coordinates; every method escapes what it is given."""

    def __init__(self, width: float, height: float, *, language: str = "nl") -> None:
        self.width = width
        self.height = height
        self.language = language
        self._parts: list[str] = []

    def _add(self, tag: str, attributes: Mapping[str, object], body: str = "") -> None:
        attrs = "".join(
            f" {name.replace('_', '-')}="
            f"{quoteattr(_number(value) if isinstance(value, float) else xml_text(str(value)))}"
            for name, value in attributes.items() if value is not None
        )
        self._parts.append(f"<{tag}{attrs}>{body}</{tag}>" if body else f"<{tag}{attrs}/>")

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str = "none",
             stroke: str | None = None, stroke_width: float = 1.0, rx: float = 0.0,
             opacity: float | None = None, dash: str | None = None) -> None:
        self._add("rect", {"x": float(x), "y": float(y), "width": float(max(w, 0)),
                           "height": float(max(h, 0)), "rx": float(rx), "fill": fill,
                           "stroke": stroke, "stroke_width": float(stroke_width),
                           "fill_opacity": opacity, "stroke_dasharray": dash})

    def line(self, x1: float, y1: float, x2: float, y2: float, *, stroke: str = INK,
             width: float = 2.0, arrow: bool = False, dash: str | None = None) -> None:
        self._add("line", {"x1": float(x1), "y1": float(y1), "x2": float(x2), "y2": float(y2),
                           "stroke": stroke, "stroke_width": float(width),
                           "stroke_dasharray": dash,
                           "marker_end": "url(#arrow-head)" if arrow else None})

    def circle(self, cx: float, cy: float, r: float, *, fill: str = INK,
               stroke: str | None = None) -> None:
        self._add("circle", {"cx": float(cx), "cy": float(cy), "r": float(r), "fill": fill,
                             "stroke": stroke})

    def text(self, x: float, y: float, text: str, *, size: float = 16.0, fill: str = INK,
             weight: str | None = None, anchor: str = "start", width: float | None = None,
             lines: int = 1, italic: bool = False, turn: float = 0.0) -> float:
        """Text from (x, y) (the first line's top), wrapped to ``width`` in at most ``lines``
        lines, turned ``turn`` degrees around (x, y); returns the height it took."""
        glyph = 0.63 if weight == "bold" else 0.55
        text = xml_text(text)
        # No line wider, and no more lines, than the picture holds: an element may say it is
        # 1e308 wide or tall, and each line is made by joining its words.
        lines = min(lines, int(self.height / (size * 1.25)) + 1)
        wrapped = _lines(text, min(width, self.width), size, lines, glyph) if width else [text]
        spans = "".join(
            f'<tspan x="{_number(float(x))}" dy="{_number(size * (1.0 if i == 0 else 1.25))}">'
            f"{escape(line)}</tspan>" for i, line in enumerate(wrapped)
        )
        if spans:
            self._add("text", {"x": float(x), "y": float(y), "font_size": float(size),
                               "fill": fill, "font_weight": weight, "text_anchor": anchor,
                               "font_style": "italic" if italic else None,
                               "transform": f"rotate({_number(turn)} {_number(float(x))} "
                                            f"{_number(float(y))})" if turn else None}, spans)
        return size * 1.25 * len(wrapped)

    def card(self, x: float, y: float, w: float, h: float, text: str, *, caption: str = "",
             fill: str = NOTE_COLOR, band: str | None = None, size: float = 15.0) -> None:
        """A note-like card: its text wrapped inside, a caption (organisation, author) below."""
        self.rect(x, y, w, h, fill=fill, stroke="#00000033", rx=6.0)
        if band:
            self.rect(x, y, 6.0, h, fill=band, rx=3.0)
        room = max(1, int((h - 14 - (size if caption else 0)) / (size * 1.25)))
        self.text(x + 12, y + 8, text, size=size, width=w - 20, lines=room)
        if caption:
            self.text(x + 12, y + h - size - 4, caption, size=size * 0.75, fill=MUTED,
                      width=w - 20)

    def svg(self, title: str = "") -> str:
        w, h = _number(float(self.width)), _number(float(self.height))
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" font-family={quoteattr(FONT)} lang={quoteattr(self.language)}>'
        )
        defs = ('<defs><marker id="arrow-head" viewBox="0 0 10 10" refX="9" refY="5" '
                'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
                f'<path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>')
        heading = f"<title>{escape(xml_text(title))}</title>" if title else ""
        return head + heading + defs + "".join(self._parts) + "</svg>\n"


def text_in(value: object, language: str) -> str:
    """A ``{"nl": ..., "en": ...}`` value (as in specs) in ``language``; "" for anything else."""
    if isinstance(value, Mapping):
        text = value.get(language) or value.get("nl") or value.get("en") or ""
        return str(text)
    return str(value) if isinstance(value, str) else ""


def _draw_canvas(picture: Picture, canvas: CanvasSpec, language: str) -> None:
    picture.rect(0, 0, canvas.size[0], canvas.size[1], fill="#ffffff")
    for zone in canvas.zones:
        r = zone.rect
        picture.rect(r.x, r.y, r.w, r.h, fill="#f5f7fa" if not zone.parking else "#fbfbf7",
                     stroke="#cbd2d9", stroke_width=2.0, rx=8.0,
                     dash="8 6" if zone.parking else None)
        used = picture.text(r.x + 14, r.y + 10, text_in(zone.title, language), size=22.0,
                            weight="bold", width=r.w - 28, lines=2)
        for prompt in zone.prompts.get(language, [])[:2]:
            used += picture.text(r.x + 14, r.y + 14 + used, prompt, size=14.0, fill=MUTED,
                                 width=r.w - 28, lines=2, italic=True)
    for item in canvas.decorations:
        kind = item.get("type")
        if kind == "label":
            picture.text(float(item.get("x", 0)), float(item.get("y", 0)),
                         text_in(item.get("text"), language), size=float(item.get("size", 24)),
                         weight="bold")
        elif kind == "text-list":
            x, y, w = float(item.get("x", 0)), float(item.get("y", 0)), float(item.get("w", 400))
            used = picture.text(x, y, text_in(item.get("title"), language), size=18.0,
                                weight="bold", width=w)
            for number, line in enumerate(_items(item.get("items"), language), start=1):
                used += picture.text(x, y + used + 4, f"{number}. {line}", size=14.0,
                                     width=w, lines=2)
        elif kind == "arrow-hint":
            x1, y1 = float(item.get("x1", 0)), float(item.get("y1", 0))
            x2, y2 = float(item.get("x2", 0)), float(item.get("y2", 0))
            picture.line(x1, y1, x2, y2, stroke=MUTED, arrow=True, dash="10 8")
            picture.text((x1 + x2) / 2, (y1 + y2) / 2 - 28, text_in(item.get("text"), language),
                         size=16.0, fill=MUTED, anchor="middle")


def _items(value: object, language: str) -> list[str]:
    if isinstance(value, Mapping):
        found = value.get(language) or []
        return [str(line) for line in found] if isinstance(found, list) else []
    return []


def _edge(element: Element, towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the element's centre to ``towards`` leaves its box."""
    cx, cy = element.centre
    dx, dy = towards[0] - cx, towards[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(element.w / 2 / abs(dx) if dx else float("inf"),
                element.h / 2 / abs(dy) if dy else float("inf"))
    return cx + dx * scale, cy + dy * scale


def _draw_arrows(picture: Picture, board: BoardSnapshot, arrows: Iterable[Element]) -> None:
    for arrow in arrows:
        start = board.elements.get(str(arrow.get("from", "")))
        end = board.elements.get(str(arrow.get("to", "")))
        if start is None or end is None or start.id == end.id:
            continue
        x1, y1 = _edge(start, end.centre)
        x2, y2 = _edge(end, start.centre)
        picture.line(x1, y1, x2, y2, arrow=True)


def caption(element: Element, language: str | None = None) -> str:
    """An element's organisation and author, as the board shows them under a note.

    With the picture's ``language``, a guest's self-declared organisation is marked as such
    ("Omega (guest)"), as on the board and in the covenant.

    .. versionchanged:: language added (without it, a guest's organisation is not marked)
    """
    org = element.org
    if language is not None and element.get("guest") is True:
        org = marked_org(org, True, language)
    return " · ".join(part for part in (org, element.author) if part)


def _drawn(draw: Callable[..., object], args: tuple[object, ...], what: str) -> bool:
    """Run one of a canvas's drawers; False, logged, when it raised.

    A drawer that fails on a value it did not expect (another client may write any plain
    value into an element) must not fail the whole picture: finalize draws the board, and a
    board whose picture fails can never be finalized. What the drawer added before it raised
    stays (every addition is a whole SVG element)."""
    try:
        draw(*args)
        return True
    except Exception:  # noqa: BLE001 - a plugin's code: anything may go wrong in it
        log.exception("board picture: %s raised; drawn without it", what)
        return False


def board_picture(board: BoardSnapshot, canvas: CanvasSpec) -> str:
    """The board as an SVG document. A canvas drawer that raises is left out (an element of
    its kind drawn as a plain card), and logged."""
    language = board.language if board.language in ("nl", "en") else "nl"
    picture = Picture(canvas.size[0], canvas.size[1], language=language)
    _draw_canvas(picture, canvas, language)
    if (layers := canvas.picture) is not None:
        _drawn(layers, (board, canvas, picture), f"canvas {canvas.id!r}")
    kinds = {kind.kind: kind for kind in canvas.element_kinds}
    ordered = board.ordered()
    _draw_arrows(picture, board, (e for e in ordered if e.kind == "arrow"))
    partners = {partner.name: partner.color for partner in board.partners}
    for element in ordered:
        if element.kind in ("arrow", "comment"):  # comments are read in their thread only
            continue
        declared = kinds.get(element.kind)
        draw = declared.picture if declared is not None else None
        if draw is None or not _drawn(draw, (element, picture),
                                      f"element kind {element.kind!r} ({element.id})"):
            picture.card(element.x, element.y, element.w, element.h, element.text,
                         caption=caption(element, language),
                         fill=colour(element.color, NOTE_COLOR),
                         # A guest who typed a partner's name does not get its colour.
                         band=None if element.get("guest") is True
                         else colour(partners.get(element.org), "") or None)
    return picture.svg(board.title)
