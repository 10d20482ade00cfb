"""A seat in the board picture: the representative's card, and for a rotating seat a line that
says until when (as the board shows it)."""

from __future__ import annotations

from partnerboard.plugins import Element
from partnerboard.plugins.picture import Picture, caption, colour

WORDS = {"nl": ("wisselt", "tot"), "en": ("rotates", "until")}


def draw_seat(element: Element, picture: Picture) -> None:
    picture.card(element.x, element.y, element.w, element.h, element.text,
                 caption=caption(element, picture.language),
                 fill=colour(element.color, "#d8ecd2"))
    if element.get("rotates") is True:
        rotates, until = WORDS.get(picture.language, WORDS["en"])
        end = element.get("until")
        line = f"↻ {rotates}" + (f" {until} {end}" if isinstance(end, str) and end else "")
        picture.text(element.x + 12, element.y + element.h - 38, line, size=12.0,
                     width=element.w - 20)
