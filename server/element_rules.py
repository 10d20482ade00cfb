"""What an element of the board document may hold (DESIGN.md §6), checked for every writer.

The browser makes every element with the same common keys; everything downstream (zones, the
covenant, DOCX, merge, history) reads them with those types. A participant (or a facilitator)
who writes with another client could otherwise add an element without a position, a nested Y
type, a bytes value or a 1 MB string, and break a reader much later, for everyone. So an
element anyone adds or changes must have this shape, or the guard undoes the change; only the
facilitator may also set the facilitator's keys (the guard's ``FACILITATOR_KEYS``).
"""

from __future__ import annotations

import math
from typing import Any

from pycrdt import Array, Map, Text

__all__ = [
    "COMMON_KEYS", "element_problem", "value_problem", "MAX_TEXT", "MAX_VALUE_CHARS", "MAX_KEYS",
    "plain_size",
]

#: The keys every element has, and the Python types pycrdt gives their values.
COMMON_KEYS: dict[str, tuple[type, ...]] = {
    "kind": (str,),
    "x": (int, float),
    "y": (int, float),
    "w": (int, float),
    "h": (int, float),
    "text": (Text,),
    "author": (str,),
    "org": (str,),
    "color": (str,),
    "created": (int, float),
}
_NUMBERS = frozenset(key for key, kinds in COMMON_KEYS.items() if float in kinds)
_SHARED_TYPES = (Map, Array, Text)
#: Longest note text (characters), and the largest other value (characters of its JSON-ish
#: size); keys per element and the length of a key. Generous for people, small for a board.
MAX_TEXT = 100_000
MAX_VALUE_CHARS = 4_096
MAX_KEYS = 40
MAX_KEY_CHARS = 64
_MAX_DEPTH = 16


def _plain_size(value: Any, depth: int, budget: int, max_depth: int = _MAX_DEPTH) -> int:
    """The value's rough JSON size, or -1 when it is not plain JSON or over ``budget``."""
    if value is None or isinstance(value, bool):
        return 5
    if isinstance(value, int | float):
        return 24 if math.isfinite(value) else -1
    if isinstance(value, str):
        return len(value) + 2
    if depth >= max_depth:
        return -1
    if isinstance(value, list):
        items: Any = value
    elif isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return -1
        items = list(value.values())
        budget -= sum(len(key) + 3 for key in value)
    else:  # bytes, Y types, sub-documents
        return -1
    total = 2
    for item in items:
        size = _plain_size(item, depth + 1, budget - total, max_depth)
        if size < 0:
            return -1
        total += size + 1
        if total > budget:
            return -1
    return total


def plain_size(value: Any, budget: int, max_depth: int = _MAX_DEPTH) -> int:
    """The value's rough JSON size, or -1 when it is not plain JSON (finite numbers, strings,
    bools, null, lists and string-keyed dicts, at most ``max_depth`` levels deep) or over
    ``budget``."""
    return _plain_size(value, 0, budget, max_depth)


def value_problem(key: str, value: Any) -> str | None:
    """Why ``value`` may not be kept under an element's ``key``, or None when it may."""
    kind = type(value)
    if (kind is float or kind is int) and key in _NUMBERS:  # a move: most edits
        return None if math.isfinite(value) else f"element key {key!r} must be a finite number"
    if len(key) > MAX_KEY_CHARS:
        return f"element keys are at most {MAX_KEY_CHARS} characters"
    kinds = COMMON_KEYS.get(key)
    if kinds is not None:
        if isinstance(value, bool) or not isinstance(value, kinds):
            return f"element key {key!r} has the wrong type"
        if key in _NUMBERS and not math.isfinite(value):
            return f"element key {key!r} must be a finite number"
        if key == "text":
            if len(value) > MAX_TEXT:
                return f"a text is at most {MAX_TEXT} characters"
        elif isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            return f"element key {key!r} is too long"
        return None
    if isinstance(value, _SHARED_TYPES):
        return f"element key {key!r} holds a shared type; only 'text' may"
    if not 0 <= _plain_size(value, 0, MAX_VALUE_CHARS) <= MAX_VALUE_CHARS:
        return f"element key {key!r} is not plain JSON within {MAX_VALUE_CHARS} characters"
    return None


def element_problem(values: dict[str, Any]) -> str | None:
    """Why a new element with these values (as :func:`.doc_reads.map_values` reads a map)
    may not be kept, or None: every common key, each of its type, other keys plain JSON, all
    within the size limits."""
    if len(values) > MAX_KEYS:
        return f"an element has at most {MAX_KEYS} keys"
    missing = COMMON_KEYS.keys() - values.keys()
    if missing:
        return f"a new element lacks {', '.join(sorted(missing))}"
    for key, value in values.items():
        problem = value_problem(key, value)
        if problem is not None:
            return problem
    return None
