"""The public plugin API of partnerboard: everything a canvas plugin imports comes from here.

    from partnerboard.plugins import CanvasSpec, Zone, Rect, hookimpl

See plugins/README.md for the guide, :mod:`partnerboard.plugins.hookspecs` for the hooks and
:mod:`partnerboard.plugins.testing` for the helpers that test a plugin without a server.
"""

from __future__ import annotations

import pluggy

from .agreement import (
    ACTIVITIES,
    AIMS,
    CONDUCT,
    COOPERATION,
    HEALTH,
    RESOURCES,
    STRATEGY,
    Chapter,
    Check,
    CovenantSection,
)
from .board import (
    BoardSnapshot,
    Element,
    Partner,
    containing_zone,
    elements_by_zone,
    snapshot_from_doc,
    zone_of,
)
from .covenant import Sections, SectionsError, check_sections, item
from .spec import FIELD_TYPES, LANGUAGES, CanvasSpec, ElementKind, Rect, SpecError, Zone
from .versions import BoardData, Migration, NewerVersion

#: Marks a function in a plugin module as the implementation of a hook.
hookimpl = pluggy.HookimplMarker("partnerboard")

__all__ = [
    "ACTIVITIES",
    "AIMS",
    "CONDUCT",
    "COOPERATION",
    "HEALTH",
    "RESOURCES",
    "STRATEGY",
    "Chapter",
    "Check",
    "CovenantSection",
    "FIELD_TYPES",
    "LANGUAGES",
    "BoardData",
    "BoardSnapshot",
    "CanvasSpec",
    "Element",
    "Migration",
    "NewerVersion",
    "ElementKind",
    "Partner",
    "Rect",
    "Sections",
    "SectionsError",
    "SpecError",
    "Zone",
    "check_sections",
    "containing_zone",
    "elements_by_zone",
    "hookimpl",
    "item",
    "snapshot_from_doc",
    "zone_of",
]
