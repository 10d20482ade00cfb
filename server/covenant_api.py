"""HTTP routes for finalizing boards, their covenants and new versions."""

from __future__ import annotations

import asyncio
import json
import logging
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from partnerboard.plugins.covenant_build import combine_covenants

from . import heavy
from .api import authorize, board_answer, check_create_rate, text_field
from .boards import Boards
from .covenant_store import covenant_document, parse_stored, store_combined, stored_covenant
from .finalize import (
    covenant_of,
    document_of,
    signatures_of,
    start_finalize,
)
from .network_boards import adopt_version
from .requests import HTTPProblem, bearer_token, read_json
from .store import BoardDamaged, BoardFrozen, BoardRecord
from .tokens import Role

__all__ = ["routes", "render_covenant"]

log = logging.getLogger("partnerboard.covenant")

SCHEMA = json.loads(
    (resources.files("partnerboard.plugins") / "covenant.schema.json").read_text("utf-8")
)


async def render_covenant(request: Request, covenant: dict[str, Any], filename: str
                          ) -> Response:
    """The covenant in the format the request asks for (``?format=``, JSON by default)."""
    wanted = request.query_params.get("format", "json")
    registry = request.app.state.registry
    exporters = registry.exporters()
    exporter = exporters.get(wanted)
    if exporter is None:
        known = ", ".join(sorted(exporters))
        raise HTTPProblem(400, f"unknown format {wanted!r}: use one of {known}")
    try:
        body = await heavy.run(exporter.render, covenant)
    except Exception as error:
        plugin = registry.exporter_failed(wanted, error)
        raise HTTPProblem(500, f"the {wanted!r} format of plugin {plugin!r} failed to render "
                               "this covenant; other formats still work") from None
    headers = {}
    policy = getattr(exporter, "content_security_policy", None)
    if policy:
        headers["content-security-policy"] = policy
    if exporter.format not in ("json", "html"):
        headers["content-disposition"] = f'attachment; filename="{filename}.{exporter.extension}"'
    return Response(body, media_type=exporter.media_type, headers=headers)


async def _covenant(request: Request, record: BoardRecord) -> dict[str, Any]:
    """A finalized board's stored covenant with its hash and signatures, ready to render.

    Read from the store on the loop; parsed (megabytes of JSON for a large board, its picture
    included) and completed in a worker thread."""
    store = request.app.state.store
    try:
        body, digest = stored_covenant(store, request.app.state.registry, record)
    except LookupError as error:
        raise HTTPProblem(409, str(error)) from None
    return await heavy.run(_ready, record.id, body, digest, signatures_of(store, record))


def _ready(board_id: str, body: bytes, digest: str, signatures: list[dict[str, Any]]
           ) -> dict[str, Any]:
    return covenant_document(parse_stored(board_id, body), digest, signatures)


async def finalize_board(request: Request) -> Response:
    record, _role = authorize(request, Role.FACILITATOR)
    state = request.app.state
    while (earlier := state.rooms.finalizing.get(record.id)) is not None:
        # Being finalized by another request (its covenant is built off the loop): answer
        # as if this one came after it, as it did when finalize held the loop throughout.
        await asyncio.wait([earlier])
        record, _role = authorize(request, Role.FACILITATOR)
    if record.state == "finalized":
        raise HTTPProblem(409, "this board is already finalized; start a new version instead")
    try:
        # Shielded: a client that goes away does not stop a finalize half-way.
        done = await asyncio.shield(
            start_finalize(state.store, state.rooms, state.registry, record))
    except LookupError as error:
        raise HTTPProblem(409, str(error)) from None
    except (BoardFrozen, BoardDamaged):
        raise  # answered by the app (409, 503)
    except Exception:
        log.exception("board %s: finalize failed; the board stays open", record.id)
        raise HTTPProblem(500, "finalizing failed on the server, so the board stays open and "
                               "can still be edited; try again later") from None
    record = state.store.get_board(record.id)
    covenant = await _covenant(request, record)
    state.registry.call_each("partnerboard_board_finalized", board=done.board, covenant=covenant)
    return await heavy.json_response({
        "state": "finalized", "snapshot_sha256": done.snapshot_sha256,
        "covenant_sha256": done.covenant_sha256, "covenant": covenant,
    })


async def get_covenant(request: Request) -> Response:
    record, _role = authorize(request)
    if record.state != "finalized":
        raise HTTPProblem(409, "the board is not finalized yet: there is no covenant")
    return await render_covenant(request, await _covenant(request, record),
                                 f"covenant-{record.id}")


async def preview(request: Request) -> Response:
    """The covenant the board would give now, with its checklist (facilitator, open board)."""
    record, _role = authorize(request, Role.FACILITATOR)
    state = request.app.state
    live = await heavy.board_snapshot(state.rooms, record.id)
    try:
        draft = await heavy.run(covenant_of, state.store, state.registry, record, live,
                                preview=True, signatures=signatures_of(state.store, record))
    except LookupError as error:
        raise HTTPProblem(409, str(error)) from None
    return await heavy.json_response(draft)


async def new_version(request: Request) -> JSONResponse:
    record, _role = authorize(request, Role.FACILITATOR)
    if record.state != "finalized":
        raise HTTPProblem(409, "only a finalized board gets new versions; edit this one instead")
    check_create_rate(request)
    state = request.app.state
    spec = state.registry.canvas(record.canvas)
    if spec is None:
        raise HTTPProblem(409, f"the canvas {record.canvas!r} of this board is not installed")
    doc = document_of(state.store, record.id)
    boards: Boards = state.boards
    created = boards.create_version(record, doc)
    adopt_version(state, record, created, bearer_token(request) or "")
    return JSONResponse(board_answer(request, created), status_code=201)


async def combined_covenant(request: Request) -> Response:
    body = await read_json(request, request.app.state.settings.max_message_bytes)
    if not isinstance(body, dict):
        raise HTTPProblem(400, "request body must be a JSON object")
    title = text_field(body, "title", 200)
    if body.get("language") not in (None, "nl", "en"):
        raise HTTPProblem(400, "field 'language' must be \"nl\" or \"en\"")
    boards = body.get("boards")
    if not isinstance(boards, list) or not boards or len(boards) > 20:
        raise HTTPProblem(400, "field 'boards' must list 1 to 20 {\"id\", \"token\"} objects")
    covenants, listed = [], set()
    for index, entry in enumerate(boards):
        if not isinstance(entry, dict):
            raise HTTPProblem(400, f"boards[{index}] must be an object with 'id' and 'token'")
        board_id = text_field(entry, "id", 64)
        token = text_field(entry, "token", 200)
        found = request.app.state.boards.authenticate(board_id, token)
        if found is None:
            raise HTTPProblem(403, f"boards[{index}]: the token is not valid for this board")
        if found[0].state != "finalized":
            raise HTTPProblem(409, f"boards[{index}]: board {board_id} is not finalized")
        if found[0].id in listed:
            raise HTTPProblem(400, f"boards[{index}]: board {board_id} is listed twice")
        listed.add(found[0].id)
        covenants.append(await _covenant(request, found[0]))
    # Stored, like a new board: one large board listed twenty times under ever new titles
    # stored 19 MiB a request, as fast as an observer link asked (an attack review).
    check_create_rate(request)
    languages = {covenant["language"] for covenant in covenants}
    for covenant in covenants:
        covenant["board"] = {**covenant["board"], "covenant_sha256": covenant["covenant_sha256"]}
    combined = await heavy.run(combine_covenants, title, covenants)
    if len(languages) > 1:
        combined["language"] = body.get("language") if body.get("language") in languages else "nl"
    document, digest = store_combined(request.app.state.store, combined)
    response = await render_covenant(request, document, "covenant")
    response.headers["x-covenant-sha256"] = digest
    return response


async def schema(request: Request) -> JSONResponse:
    return JSONResponse(SCHEMA)


routes = [
    Route("/api/covenant.schema.json", schema),
    Route("/api/covenants", combined_covenant, methods=["POST"]),
    Route("/api/boards/{board_id}/finalize", finalize_board, methods=["POST"]),
    Route("/api/boards/{board_id}/covenant", get_covenant),
    Route("/api/boards/{board_id}/covenant/preview", preview),
    Route("/api/boards/{board_id}/versions", new_version, methods=["POST"]),
]
