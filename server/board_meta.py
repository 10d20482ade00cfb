"""Server-written state in a board's ``meta`` (voting rounds, private brainstorms): read as a
plain dict whatever a client may have put there, and written as one server change.

``meta`` is the facilitator's, so the facilitator's own client may write a round there that the
server never wrote: one without a number made every vote a 500, and revealing such a
brainstorm failed after its hidden notes had been taken from the store (an attack review).
:func:`round_state` reads such a round as no round at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map

__all__ = ["MAX_ROUND", "meta_dict", "round_state", "set_meta_value", "whole_number"]

MAX_ROUND = 2**31 - 1


def meta_dict(doc: Doc, key: str) -> dict[str, Any]:
    """``meta[key]`` as a dict (empty when missing or not a dict)."""
    value = doc.get("meta", type=Map).get(key)
    return dict(value) if isinstance(value, dict) else {}


def whole_number(value: Any, low: int, high: int) -> int | None:
    """``value`` as a whole number from ``low`` to ``high``, or None (the document keeps
    numbers as floats; a bool is no number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if low <= value <= high and value == int(value) else None


def round_state(doc: Doc, key: str) -> dict[str, Any]:
    """``meta[key]`` of a round the server runs, its ``round`` an int: empty (no round) unless
    ``open`` is a bool and ``round`` a whole number from 1, as the server writes them."""
    state = meta_dict(doc, key)
    number = whole_number(state.get("round"), 1, MAX_ROUND)
    if not isinstance(state.get("open"), bool) or number is None:
        return {}
    return {**state, "round": number}


def set_meta_value(key: str, value: Any) -> Callable[[Doc], None]:
    """A change (for ``Rooms.server_change``) that sets ``meta[key]``."""

    def change(doc: Doc) -> None:
        doc.get("meta", type=Map)[key] = value

    return change
