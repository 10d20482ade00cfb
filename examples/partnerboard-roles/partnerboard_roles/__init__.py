"""Roles and representation: a partnerboard canvas plugin, made with ``partnerboard
new-canvas`` and shaped only through the public API (``partnerboard.plugins`` and the browser
API in ``static/board.js``).

``partnerboard_covenant`` turns a finalized board into two covenant sections: the delegation
(every seat, with its table) and the rotating seats with the end of their term.
"""

from __future__ import annotations

from partnerboard.plugins import (
    BoardSnapshot,
    CanvasSpec,
    Sections,
    elements_by_zone,
    hookimpl,
    item,
)

from .spec import SPEC, TABLES

__all__ = ["SPEC"]
__version__ = "2.0.0"


@hookimpl
def partnerboard_canvases() -> list[CanvasSpec]:
    return [SPEC]


@hookimpl
def partnerboard_covenant(board: BoardSnapshot, canvas: CanvasSpec) -> Sections:
    """``delegation``: every seat, by table from the top down; ``rotation``: the seats that
    rotate, with ``until``. Seats in no table's zone are parked and never become covenant data."""
    by_zone = elements_by_zone(board.of_kind("seat"), canvas)
    language = board.language if board.language in ("nl", "en") else "nl"
    delegation, rotation = [], []
    for table, title in TABLES.items():
        for seat in by_zone.get(table, []):
            if not seat.text.strip():
                continue
            rotates = seat.get("rotates") is True
            delegation.append(item(seat, table=title[language], rotates=rotates))
            if rotates:
                rotation.append(item(seat, table=title[language], until=seat.get("until") or ""))
    return {"delegation": delegation, "rotation": rotation}
