"""``GET /api/boards/{id}/image?format=svg|png|pdf``: the board as a picture, drawn by the
server (plugins/picture.py), for reports and covenants. An open board is drawn as it is now; a
finalized one from its frozen snapshot. PNG and PDF are made from the SVG with cairo
(``cairosvg``); a server without the cairo library answers them with 503 and still draws SVG.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from partnerboard.plugins.picture import board_picture
from partnerboard.plugins.spec import CanvasSpec

from . import heavy
from .api import authorize
from .requests import HTTPProblem
from .store import BoardRecord

__all__ = ["routes", "to_format"]

log = logging.getLogger("partnerboard.picture")

MEDIA = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
#: An SVG opened on its own is a document: it may not run or fetch anything.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


#: Pictures drawn or waiting for a worker at once on this node: the two heavy-work threads,
#: and as many waiting their turn. A board of 20,000 notes takes about a second to draw.
PICTURES = heavy.Gate(2 * heavy.WORKERS, "pictures")


class NoCairo(RuntimeError):
    """PNG and PDF need the cairo library, which this machine lacks."""


def to_format(svg: str, wanted: str) -> bytes:
    """The SVG as PNG or PDF (A4-independent: the board's own size, PNG at 1 px per unit)."""
    try:
        import cairosvg  # the cairo library is loaded here, not at start-up
    except (ImportError, OSError) as error:
        raise NoCairo(str(error)) from error
    convert = cairosvg.svg2png if wanted == "png" else cairosvg.svg2pdf
    return convert(bytestring=svg.encode("utf-8"))


def _file_name(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", title).strip("-")[:60] or "board"


async def image(request: Request) -> Response:
    record, _role = authorize(request)
    wanted = request.query_params.get("format", "svg")
    if wanted not in MEDIA:
        raise HTTPProblem(400, f"unknown format {wanted!r}: use svg, png or pdf")
    state = request.app.state
    spec = state.registry.canvas(record.canvas)
    if spec is None:
        raise HTTPProblem(409, f"the canvas {record.canvas!r} of this board is not installed")
    with PICTURES.entered():
        return await _picture(state, record, spec, wanted)


async def _picture(state: Any, record: BoardRecord, spec: CanvasSpec, wanted: str) -> Response:
    """The board decoded, drawn and converted, each off the loop (see heavy.py)."""
    frozen = state.store.final_snapshot(record.id) if record.state == "finalized" else None
    if frozen is not None:
        board = await heavy.on_updates(heavy.snapshot_of_updates, record.id, [frozen])
    else:
        board = await heavy.board_snapshot(state.rooms, record.id)
    svg = await heavy.run(board_picture, board, spec)
    headers = {"content-disposition":
               f'inline; filename="{_file_name(record.title)}.{wanted}"'}
    if wanted == "svg":
        headers["content-security-policy"] = SVG_POLICY
        return Response(svg, media_type=MEDIA["svg"], headers=headers)
    try:
        body = await heavy.run(to_format, svg, wanted)
    except NoCairo as missing:
        log.warning("board picture as %s needs the cairo library: %s", wanted, missing)
        raise HTTPProblem(503, f"{wanted.upper()} needs the cairo library on the server "
                          "(Debian: libcairo2); the SVG picture works") from None
    return Response(body, media_type=MEDIA[wanted], headers=headers)


routes = [Route("/api/boards/{board_id}/image", image)]
