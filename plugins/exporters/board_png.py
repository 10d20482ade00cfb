"""The covenant's stored board picture as a PNG, for the formats that take no SVG (Word, PDF).

Made with cairo (``cairosvg``), which the server loads only here; on a machine without the
cairo library the picture is left out of those formats (the HTML covenant still shows it).
"""

from __future__ import annotations

import struct
from typing import Any

from ..xml_text import xml_text

__all__ = ["board_png"]

WIDTH = 1600


def board_png(covenant: dict[str, Any]) -> tuple[bytes, int, int] | None:
    """(PNG bytes, width, height) of the stored picture, or None without a picture or cairo."""
    picture = covenant.get("picture")
    if not isinstance(picture, str) or not picture.startswith("<svg"):
        return None
    try:
        import cairosvg

        # A picture stored before the board picture left out what XML cannot hold may have it.
        png = cairosvg.svg2png(bytestring=xml_text(picture).encode("utf-8"),
                               output_width=WIDTH)
    except (ImportError, OSError, ValueError):
        return None
    width, height = struct.unpack(">II", png[16:24])
    return png, width, height
