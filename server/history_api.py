"""HTTP routes of a board's history (DESIGN §4): list, view a moment, restore one."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .api import authorize, authorize_access, still_authorized
from .doc_updates import transact
from .history import board_at, element_history, history_points, plain_board, restore_into
from .limits import RoomLimits, board_limit_problem
from .requests import HTTPProblem, read_json
from .store import BoardRecord
from .tokens import Role

__all__ = ["routes"]

MAX_ID = 64


def _points(request: Request, record: BoardRecord) -> list[dict[str, Any]]:
    updates, first = request.app.state.store.history(record.id)
    if first is None:
        return []
    return history_points(updates, first, record.created_at, partner_names(record))


def partner_names(record: BoardRecord) -> dict[str, str]:
    return {partner["id"]: partner["name"] for partner in record.partners}


def _seq(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise HTTPProblem(400, "'seq' must be a whole number from the board's history")
    try:
        seq = int(raw)
    except ValueError:
        raise HTTPProblem(400, "'seq' must be a whole number from the board's history") from None
    if not 0 <= seq < 2**62:
        raise HTTPProblem(400, "'seq' is out of range")
    return seq


def _moment(request: Request, record: BoardRecord, seq: int) -> Any:
    doc = board_at(request.app.state.store, record.id, seq)
    if doc is None:
        raise HTTPProblem(404, f"the board's history does not reach back to {seq}")
    return doc


def _over_limits(request: Request, record: BoardRecord, past: Doc) -> str | None:
    """What restoring ``past`` would take the board over, tried on a copy (a restore is the
    server's change, which no WebSocket limit sees; every restore also leaves what it replaced
    in the document, so restoring two moments in turn grew a board past its byte limit)."""
    live, _elements, size = request.app.state.rooms.measure(record.id)
    copy = Doc()
    copy.apply_update(live.get_update())
    update = transact(copy, lambda doc: restore_into(doc, past))
    limits = RoomLimits.from_settings(request.app.state.settings)
    return board_limit_problem(limits, elements=len(copy.get("elements", type=Map)),
                               size=size + len(update))


async def list_history(request: Request) -> JSONResponse:
    record, _role = authorize(request, Role.FACILITATOR)
    return JSONResponse(_points(request, record))


async def moment(request: Request) -> JSONResponse:
    record, _role = authorize(request, Role.FACILITATOR)
    seq = _seq(request.path_params["seq"])
    return JSONResponse(plain_board(_moment(request, record, seq)))


async def element(request: Request) -> JSONResponse:
    """One element's history: every point where it changed, with its value then."""
    record, _role = authorize(request, Role.FACILITATOR)
    element_id = request.path_params["element_id"]
    if len(element_id) > MAX_ID:
        raise HTTPProblem(400, "element id too long")
    store = request.app.state.store
    return JSONResponse(element_history(store, record.id, element_id, record.created_at,
                                        partner_names(record)))


async def restore(request: Request) -> JSONResponse:
    access = authorize_access(request, Role.FACILITATOR)
    record, role = access.record, access.role
    if record.state == "finalized":
        raise HTTPProblem(409, "a finalized board cannot be restored; start a new version")
    body = await read_json(request, request.app.state.settings.max_message_bytes)
    if not isinstance(body, dict) or "seq" not in body:
        raise HTTPProblem(400, "request body must be a JSON object with 'seq'")
    seq = _seq(body["seq"])
    past = _moment(request, record, seq)
    rooms = request.app.state.rooms
    problem = _over_limits(request, record, past)
    if problem:
        raise HTTPProblem(409, f"restoring {seq} would take the board over its limits: it "
                          f"would hold {problem}. Nothing was restored")
    # The token again, now the body is in: a facilitator link re-issued meanwhile restores nothing.
    with still_authorized(request, access):
        rooms.server_change(record.id, lambda live: restore_into(live, past), by=role.value,
                            note=f"restore:{seq}")
    points = _points(request, record)
    return JSONResponse({"restored": seq, "seq": points[-1]["seq"] if points else seq})


routes = [
    Route("/api/boards/{board_id}/history", list_history),
    Route("/api/boards/{board_id}/history/elements/{element_id}", element),
    Route("/api/boards/{board_id}/history/{seq}", moment),
    Route("/api/boards/{board_id}/restore", restore, methods=["POST"]),
]
