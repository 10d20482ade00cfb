"""What a client may write into a board's ``meta`` map: the guard's rules for each key.

``meta`` is the facilitator's, but every browser on the board reads it: a step that is a
string, a timer of 10^300 ms, a list of 100,000 items or a brainstorm whose counts hold a
``null`` broke participants' pages (an attack review). So a value a client writes has the type
and range the board's own pages write, or the guard undoes the update (as for any refused
update: the sender gets the reversal, the document never shows the value).

Three kinds of keys:

* the server's own (:data:`SERVER_META`): voting and brainstorm rounds, ``finalized``, the
  merge's ``groups``, ``predecessor``. The server writes them through its API; a client that
  wrote them could reopen a closed voting round (votes then counted in a round whose results
  were already out) or claim results nobody cast. Nobody's client writes them, the
  facilitator's included.
* the facilitation keys the browser writes (step, lock, timer, anonymity, the canvas's
  ambition line, title, language, canvas version): each checked for its type and range.
* anything else (a third-party canvas module's ``setMeta``, a shared type a client keeps
  there): within :data:`MAX_OTHER_CHARS` of JSON, 64 levels deep at most (the frame
  reader's own limit), a shared type read as its plain value.

The keys the pages read hold plain values, never a shared type.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from pycrdt import Array, Map, Text

from partnerboard.plugins import CanvasSpec

from .board_meta import whole_number
from .element_rules import plain_size

__all__ = [
    "SERVER_META", "MAX_OTHER_CHARS", "MAX_TIMER_MS", "ambition_keys", "is_plain_key",
    "meta_problem",
]

#: Keys only the server writes (through its API); see the module docstring.
SERVER_META = frozenset({"voting", "brainstorm", "finalized", "groups", "predecessor"})
#: The largest value of a key this module does not know (characters of its JSON size).
MAX_OTHER_CHARS = 4_096
#: A timer runs at most a day (the page offers up to 120 minutes).
MAX_TIMER_MS = 24 * 60 * 60 * 1000
#: started_at is ms since the epoch: up to the year 5138, enough for any clock.
MAX_EPOCH_MS = 10**14
MAX_TITLE = 200
MAX_STEPS_WITHOUT_SPEC = 1_000
#: Nesting under other keys: the frame reader's limit (64 levels, the connection is closed
#: beyond) is the one that holds; this only keeps the size check from recursing further.
MAX_DEPTH = 80
_VERSION = re.compile(r"^[0-9A-Za-z.+-]{1,32}$")


def _number(value: Any) -> bool:
    """A finite number (a bool is no number)."""
    return (not isinstance(value, bool) and isinstance(value, int | float)
            and math.isfinite(value))


def _whole(value: Any, low: int, high: int) -> bool:
    return whole_number(value, low, high) is not None


def _step_problem(value: Any, spec: CanvasSpec | None) -> str | None:
    steps = len(spec.steps) if spec is not None else MAX_STEPS_WITHOUT_SPEC
    if _whole(value, 0, steps):
        return None
    return f"meta 'step' must be a whole number from 0 to {steps}"


def _bool_problem(key: str) -> Callable[[Any, CanvasSpec | None], str | None]:
    def check(value: Any, _spec: CanvasSpec | None) -> str | None:
        return None if isinstance(value, bool) else f"meta {key!r} must be true or false"
    return check


def _timer_problem(value: Any, spec: CanvasSpec | None) -> str | None:
    if value is None:
        return None
    steps = len(spec.steps) if spec is not None else MAX_STEPS_WITHOUT_SPEC
    if (isinstance(value, dict) and set(value) == {"step", "started_at", "duration_ms"}
            and _whole(value["step"], 0, steps)
            and _number(value["started_at"]) and 0 <= value["started_at"] <= MAX_EPOCH_MS
            and _whole(value["duration_ms"], 1, MAX_TIMER_MS)):
        return None
    return ("meta 'timer' must be null or {step, started_at, duration_ms} with a step of the "
            f"canvas, a time in ms since 1970 and a duration of at most {MAX_TIMER_MS} ms")


def _title_problem(value: Any, _spec: CanvasSpec | None) -> str | None:
    if isinstance(value, str) and 0 < len(value) <= MAX_TITLE:
        return None
    return f"meta 'title' must be a text of 1 to {MAX_TITLE} characters"


def _language_problem(value: Any, _spec: CanvasSpec | None) -> str | None:
    return None if value in ("nl", "en") else "meta 'language' must be 'nl' or 'en'"


def _version_problem(value: Any, _spec: CanvasSpec | None) -> str | None:
    if isinstance(value, str) and _VERSION.match(value):
        return None
    return "meta 'canvas_version' must be a version like '1.2'"


def _ambition_problem(value: Any, _spec: CanvasSpec | None) -> str | None:
    """The ambition line the influence-dependency page draws: [[d0, i0], [d1, i1]], each a
    fraction of the plot from 0 to 1, d0 != d1 (a vertical line has no influence at a
    dependency)."""
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(point, list) and len(point) == 2
                    and all(_number(n) and 0 <= n <= 1 for n in point) for point in value)
            and value[0][0] != value[1][0]):
        return None
    return ("the ambition line must be two points [[dependency, influence], [dependency, "
            "influence]] from 0 to 1, at two different dependencies")


_RULES: dict[str, Callable[[Any, CanvasSpec | None], str | None]] = {
    "step": _step_problem,
    "locked": _bool_problem("locked"),
    "anonymous": _bool_problem("anonymous"),
    "timer": _timer_problem,
    "title": _title_problem,
    "language": _language_problem,
    "canvas_version": _version_problem,
}


def ambition_keys(spec: CanvasSpec | None) -> frozenset[str]:
    """The meta keys the canvas's ambition-line decorations keep their line under."""
    if spec is None:
        return frozenset()
    keys = set()
    for decoration in spec.decorations or ():
        if isinstance(decoration, dict) and decoration.get("type") == "ambition-line":
            keys.add(str(decoration.get("meta") or "ambition"))
    return frozenset(keys)


def meta_problem(key: str, value: Any, spec: CanvasSpec | None) -> str | None:
    """Why a client may not set ``meta[key]`` to ``value`` on a board of ``spec``, or None.

    ``value`` as pycrdt reads it (numbers may come as floats, dicts and lists plain)."""
    if key in SERVER_META:
        return (f"meta {key!r} is written by the server only (voting and brainstorm rounds "
                "go through their API)")
    rule = _RULES.get(key)
    if rule is None and key in ambition_keys(spec):
        rule = _ambition_problem
    if rule is not None:
        if isinstance(value, Map | Array | Text):
            return f"meta {key!r} holds a shared type; the board's pages read a plain value"
        return rule(value, spec)
    if isinstance(value, Map | Array | Text):
        value = value.to_py() if not isinstance(value, Text) else str(value)
    if not 0 <= plain_size(value, MAX_OTHER_CHARS, MAX_DEPTH) <= MAX_OTHER_CHARS:
        return f"meta {key!r} is not plain JSON within {MAX_OTHER_CHARS} characters"
    return None


def is_plain_key(key: str, spec: CanvasSpec | None) -> bool:
    """Whether ``meta[key]`` must hold a plain value (a key the server or the pages read)."""
    return key in SERVER_META or key in _RULES or key in ambition_keys(spec)
