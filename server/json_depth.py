"""How deep JSON text nests, measured without parsing it.

Python's json module (and pycrdt's native decoder) recurse per level: a few kilobytes of
brackets end in RecursionError or a stack overflow. Every place that takes JSON from a client
(HTTP bodies, presence states, JSON content inside Yjs updates) measures first, here.
"""

from __future__ import annotations

import re

__all__ = ["MAX_DEPTH", "json_depth", "json_depth_exceeds"]

#: Deepest nesting of arrays and objects accepted from a client; our own data needs 3.
MAX_DEPTH = 64

_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(body: bytes, limit: int = MAX_DEPTH) -> int:
    """How deep arrays and objects nest in ``body`` (stops counting past ``limit``).

    Strings are cut out first (brackets inside them do not count), then only the brackets are
    kept; a body with few opening brackets cannot be deep, so most bodies skip the loop.
    """
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= limit:
        return min(limit, brackets.count(b"[") + brackets.count(b"{"))
    depth = deepest = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def json_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when JSON text nests arrays/objects deeper than ``limit`` (checked before
    ``json.loads``). Text with fewer brackets than the limit is never measured."""
    if text.count("[") + text.count("{") <= limit:
        return False
    return json_depth(text.encode("utf-8", "surrogatepass"), limit) > limit
