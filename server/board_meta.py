"""Server-written state in a board's ``meta`` (voting rounds, private brainstorms): read as a
plain dict whatever a client may have put there, and written as one server change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map

__all__ = ["meta_dict", "set_meta_value"]


def meta_dict(doc: Doc, key: str) -> dict[str, Any]:
    """``meta[key]`` as a dict (empty when missing or not a dict)."""
    value = doc.get("meta", type=Map).get(key)
    return dict(value) if isinstance(value, dict) else {}


def set_meta_value(key: str, value: Any) -> Callable[[Doc], None]:
    """A change (for ``Rooms.server_change``) that sets ``meta[key]``."""

    def change(doc: Doc) -> None:
        doc.get("meta", type=Map)[key] = value

    return change
