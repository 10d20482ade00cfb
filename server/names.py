"""Names people and organisations type: one form to compare them in, and no bidi controls.

A signer's name and a partner's name are compared in the same normalised form, so one party
cannot appear twice, nor one person sign twice, by a change nobody can see. A name with a
bidirectional control character is refused: such a character reorders what follows it on
screen, in every document and page that shows the name, so "Zorg" plus U+202E plus a reversed
word reads as another party's or person's name.
"""

from __future__ import annotations

import unicodedata

from .requests import HTTPProblem

__all__ = ["BIDI_CONTROLS", "has_bidi", "name_key", "without_bidi"]

#: The characters with Unicode's Bidi_Control property: embeddings and overrides
#: (U+202A-U+202E), isolates (U+2066-U+2069) and the marks (U+061C, U+200E, U+200F).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")


def name_key(name: str) -> str:
    """A name as compared: NFKC, without invisible (format/control) characters, spaces
    collapsed, case folded. Two names with the same key are the same name."""
    text = unicodedata.normalize("NFKC", name)
    visible = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Co", "Cn")
    )
    return " ".join(visible.split()).casefold()


def has_bidi(*names: str) -> bool:
    """Whether any of ``names`` holds a bidirectional control character."""
    return any(not BIDI_CONTROLS.isdisjoint(name) for name in names)


def without_bidi(name: str, field: str) -> str:
    """``name``, unless it holds a bidirectional control character: then 400 naming
    ``field``."""
    if has_bidi(name):
        raise HTTPProblem(400, f"field {field!r} must not contain bidirectional control "
                               "characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, "
                               "U+061C)")
    return name
