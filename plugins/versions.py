"""Canvas versions, and the migrations that bring older boards up to date.

A canvas spec carries a ``version`` and, when a new version changes what its boards hold, the
:class:`Migration` s from each older version (the way tldraw versions its shape props). A
migration is a plain function that changes a board's data in place::

    def rename_owner(board: BoardData) -> None:
        for element in board["elements"].values():
            if "owner" in element:
                element["responsible"] = element.pop("owner")

    SPEC = CanvasSpec(..., version="2.0", migrations=(Migration("1.0", "2.0", rename_owner),))

Board data is ``{"meta": {...}, "partners": {id: {...}}, "elements": {id: {...}}}`` with an
element's ``text`` as a string. The server migrates an open board once, the first time it is
opened with the newer plugin, as one update that every client receives and the history keeps;
finalized boards are never migrated. A board made with a newer version than the installed one
is shown read-only.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .spec import CanvasSpec

__all__ = ["BoardData", "Migration", "NewerVersion", "migrated", "migrations_for",
           "version_key"]

BoardData = dict[str, Any]


@dataclass(frozen=True)
class Migration:
    """Brings a board from ``from_version`` to ``to_version`` by changing its data in place."""

    from_version: str
    to_version: str
    migrate: Callable[[BoardData], None]


class NewerVersion(ValueError):
    """The board was made with a newer version of its canvas than the one installed."""


def version_key(version: str) -> tuple[int, ...]:
    """``"1.10"`` -> ``(1, 10)``, so versions compare as numbers; raises ValueError otherwise."""
    return tuple(int(part) for part in str(version).split("."))


def migrations_for(spec: CanvasSpec, version: str | None) -> list[Migration]:
    """The migrations a board made with ``version`` needs, in order (none when current).

    A board without a recorded version, or with one that is not a number, counts as made with
    the current version. Versions between migrations changed nothing a board holds.
    """
    try:
        current, made_with = version_key(spec.version), version_key(version or spec.version)
    except ValueError:
        return []
    if made_with > current:
        raise NewerVersion(
            f"this board was made with version {version} of the canvas {spec.id!r}; "
            f"this server has version {spec.version}")
    return [step for step in spec.migrations
            if made_with <= version_key(step.from_version)
            and version_key(step.to_version) <= current]


def migrated(spec: CanvasSpec, data: BoardData, version: str | None) -> BoardData:
    """A copy of ``data`` brought up to the spec's version (its ``meta.canvas_version`` too)."""
    result = copy.deepcopy(data)
    for step in migrations_for(spec, version):
        step.migrate(result)
    result.setdefault("meta", {})["canvas_version"] = spec.version
    return result
