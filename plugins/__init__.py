"""The public plugin API of partnerboard: everything a canvas plugin imports comes from here.

    from partnerboard.plugins import CanvasSpec, Zone, Rect, hookimpl

See plugins/README.md for the guide and :mod:`partnerboard.plugins.hookspecs` for the hooks.
"""

from __future__ import annotations

import pluggy

from .board import BoardSnapshot, Element, Partner, elements_by_zone, snapshot_from_doc, zone_of
from .spec import LANGUAGES, CanvasSpec, ElementKind, Rect, SpecError, Zone

#: Marks a function in a plugin module as the implementation of a hook.
hookimpl = pluggy.HookimplMarker("partnerboard")

__all__ = [
    "LANGUAGES",
    "BoardSnapshot",
    "CanvasSpec",
    "Element",
    "ElementKind",
    "Partner",
    "Rect",
    "SpecError",
    "Zone",
    "elements_by_zone",
    "hookimpl",
    "snapshot_from_doc",
    "zone_of",
]
