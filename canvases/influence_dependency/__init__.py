"""Influence and dependency (Invloed en afhankelijkheid): a partner strategy on one plot.

Each ``partner`` marker stands where the group places it: right = the more we depend on the
partner, up = the more influence it has on the shared goal. The ambition line says how much
influence is enough; for irreplaceable partners the bar is higher. A marker's desired position
(``target_x``, ``target_y``) turns into a movement and a suggested type of relationship.
"""

from __future__ import annotations

from partnerboard.plugins import BoardSnapshot, CanvasSpec, Sections, hookimpl

from .spec import SPEC
from .strategy import partner_strategy

__all__ = ["SPEC"]


@hookimpl(trylast=True)
def partnerboard_canvases() -> list[CanvasSpec]:
    return [SPEC]


@hookimpl(trylast=True)
def partnerboard_covenant(board: BoardSnapshot, canvas: CanvasSpec) -> Sections:
    return {"partner_strategy": partner_strategy(board, canvas)}
