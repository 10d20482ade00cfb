"""Private brainstorm: everyone writes hidden notes, the facilitator reveals them together.

While a round is open, a participant's notes are drafts kept by the server (the store's
``drafts``), never in the board document: no other client can receive their text, whatever it
runs. Everyone sees how many hidden notes each organisation has written (``meta.brainstorm``,
``counts``); a seat sees and changes only its own drafts. The facilitator's reveal turns every
draft into a note of its author, laid out in the round's zone, in one update, and ends the
round.

The reveal is the server's own change, which no WebSocket limit sees, so the board limits are
applied here (:mod:`.limits`): a board holds at most :data:`MAX_DRAFTS_PER_BOARD` drafts, and
never more than its element and byte limits leave free, so a writer is told at once when there
is no room; and a reveal that would still take the board past a limit (the board filled up
after the drafts were written) reveals nothing and keeps the drafts. (The byte limit was not
applied at first: long drafts, round after round, grew a board past it.)
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map, Text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .api import authorize, authorize_access, still_authorized
from .board_meta import round_state, set_meta_value
from .limits import RoomLimits, board_limit_problem
from .links import Access
from .merge import grid_spots
from .requests import HTTPProblem, read_json_object, text_field
from .seats import speaker_of
from .store import board_transaction
from .tokens import Role

__all__ = ["routes"]

MAX_TEXT = 2000
MAX_DRAFTS_PER_SEAT = 50
#: Drafts one board holds at most, whatever its element limit: 40 people writing the most a
#: seat may, or 200 writing ten each, far above a round. It bounds the rows a board keeps
#: hidden, the work of each new draft (the counts are taken from every draft) and the reveal's
#: one update, which without it reached 170,000 notes (80 seats a link, many links).
MAX_DRAFTS_PER_BOARD = 2000
#: What a revealed note adds to the board's encoding besides its texts (its id, keys, numbers:
#: measured 278 bytes, 299 for a guest's), and the most bytes a character of its texts takes
#: (UTF-8): before the reveal a draft is counted at most, at the reveal as it is.
NOTE_BYTES = 384
CHAR_BYTES = 4
NOTE_W, NOTE_H = 160, 100
COLOR = "#ffe066"


def _state(doc: Doc) -> dict[str, Any]:
    return round_state(doc, "brainstorm")


def _set_state(state: dict[str, Any]) -> Callable[[Doc], None]:
    return set_meta_value("brainstorm", state)


def _open(request: Request, record: Any) -> dict[str, Any]:
    if record.state == "finalized":
        raise HTTPProblem(409, "the board is finalized")
    state = _state(request.app.state.rooms.document(record.id))
    if not state.get("open"):
        raise HTTPProblem(409, "no private brainstorm is open")
    return state


def _counts(drafts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hidden notes per organisation, ``[{"org", "guest", "n"}]`` (a guest's organisation is
    the one they typed, marked as such)."""
    counted = Counter((d["org"], bool(d["guest"])) for d in drafts)
    return [{"org": org, "guest": guest, "n": n} for (org, guest), n in sorted(counted.items())]


def _over_limits(request: Request, board_id: str, notes: int, text_bytes: int) -> str | None:
    """Why ``notes`` more notes with ``text_bytes`` of texts would be over the board's element
    or byte limit (completing "the board would hold …"), or None."""
    limits = RoomLimits.from_settings(request.app.state.settings)
    _doc, elements, size = request.app.state.rooms.measure(board_id)
    return board_limit_problem(limits, elements=elements + notes,
                               size=size + notes * NOTE_BYTES + text_bytes)


def _text_bytes(draft: dict[str, Any]) -> int:
    return sum(len(str(draft[key]).encode()) for key in ("text", "author", "org"))


def _publish_counts(request: Request, record: Any, state: dict[str, Any]) -> None:
    drafts = request.app.state.store.drafts(record.id)
    request.app.state.rooms.server_change(
        record.id, _set_state({**state, "counts": _counts(drafts)}))



def _writer(request: Request, seat_id: str) -> tuple[Access, Any, str]:
    """What the request's token grants, the speaker and the seat; 403 without a seat of this
    very link."""
    access = authorize_access(request, Role.FACILITATOR, Role.PARTICIPANT)
    speaker, seat = speaker_of(request.app.state.store, access, seat_id)
    if seat is None:
        raise HTTPProblem(403, "hidden notes are written by a seat of this link: join the board "
                               "first (POST /api/boards/{id}/seats)")
    return access, speaker, seat


def _public(draft: dict[str, Any]) -> dict[str, Any]:
    return {"id": draft["id"], "text": draft["text"], "created_at": draft["created_at"]}


async def start(request: Request) -> JSONResponse:
    record, _role = authorize(request, Role.FACILITATOR)
    if record.state == "finalized":
        raise HTTPProblem(409, "the board is finalized")
    doc = request.app.state.rooms.document(record.id)
    current = _state(doc)
    if current.get("open"):
        raise HTTPProblem(409, "a private brainstorm is already open; reveal it first")
    step = doc.get("meta", type=Map).get("step")
    spec = request.app.state.registry.canvas(record.canvas)
    steps = spec.steps if spec is not None else ()
    zone = steps[int(step) - 1] if isinstance(step, int | float) and 1 <= step <= len(steps) else ""
    state = {"open": True, "round": current.get("round", 0) + 1, "zone": zone, "counts": []}
    request.app.state.rooms.server_change(record.id, _set_state(state))
    return JSONResponse(state, status_code=201)


async def reveal(request: Request) -> JSONResponse:
    record, _role = authorize(request, Role.FACILITATOR)
    state = _open(request, record)
    store = request.app.state.store
    spec = request.app.state.registry.canvas(record.canvas)
    with board_transaction(store, record.id):
        drafts = store.drafts(record.id)
        problem = _over_limits(request, record.id, len(drafts),
                               sum(map(_text_bytes, drafts))) if drafts else None
        if problem:
            raise HTTPProblem(409, f"the {len(drafts)} hidden notes do not fit: the board "
                              f"would hold {problem}. Nothing was revealed; delete notes on the "
                              "board (or hidden notes), then reveal again")
        store.clear_drafts(record.id)
    zone = next((z for z in (spec.zones if spec else ()) if z.id == state.get("zone")), None)
    if zone is None and spec is not None:
        zone = next((z for z in spec.zones if not z.parking), None)
    spots = (grid_spots(zone.rect, len(drafts)) if zone is not None
             else [(40.0 + 180 * (i % 8), 40.0 + 120 * (i // 8)) for i in range(len(drafts))])

    def change(doc: Doc) -> None:
        elements = doc.get("elements", type=Map)
        for draft, (x, y) in zip(drafts, spots, strict=True):
            note: dict[str, Any] = {
                "kind": "note", "x": x, "y": y, "w": NOTE_W, "h": NOTE_H,
                "text": Text(draft["text"]), "author": draft["author"], "org": draft["org"],
                "color": COLOR, "created": int(draft["created_at"] * 1000),
            }
            if draft["guest"]:
                note["guest"] = True
            elements[f"bs{state['round']}-{draft['id']}"] = Map(note)
        doc.get("meta", type=Map)["brainstorm"] = {
            "open": False, "round": state["round"], "zone": state.get("zone", ""),
            "revealed": len(drafts), "counts": _counts(drafts)}

    request.app.state.rooms.server_change(record.id, change, by="facilitator",
                                           note="brainstorm revealed")
    return JSONResponse({"revealed": len(drafts), "round": state["round"]})


async def add(request: Request) -> JSONResponse:
    body = await read_json_object(request)
    access, speaker, seat = _writer(request, text_field(body, "seat", 64))
    record = access.record
    state = _open(request, record)
    text = text_field(body, "text", MAX_TEXT)
    store = request.app.state.store
    with still_authorized(request, access):
        if len(store.drafts(record.id, seat)) >= MAX_DRAFTS_PER_SEAT:
            raise HTTPProblem(409, f"at most {MAX_DRAFTS_PER_SEAT} hidden notes per person")
        held = store.draft_count(record.id)
        if held >= MAX_DRAFTS_PER_BOARD:
            raise HTTPProblem(409, f"at most {MAX_DRAFTS_PER_BOARD} hidden notes per board")
        chars = store.draft_chars(record.id) + len(text) + len(speaker.name) + len(
            speaker.organisation)
        problem = _over_limits(request, record.id, held + 1, CHAR_BYTES * chars)
        if problem:
            raise HTTPProblem(409, f"no room for another hidden note: once revealed, the board "
                              f"would hold {problem}")
        draft = {"id": secrets.token_urlsafe(9), "seat": seat, "org": speaker.organisation,
                 "author": speaker.name, "guest": speaker.guest, "text": text,
                 "created_at": time.time()}
        store.add_draft(record.id, draft)
    _publish_counts(request, record, state)
    return JSONResponse(_public(draft), status_code=201)


async def edit(request: Request) -> Response:
    draft_id = request.path_params["draft_id"]
    if len(draft_id) > 64:
        raise HTTPProblem(404, "no such hidden note of yours")
    if request.method == "DELETE":
        access, _speaker, seat = _writer(request, request.query_params.get("seat", ""))
        record = access.record
        state = _open(request, record)
        if not request.app.state.store.delete_draft(record.id, draft_id, seat):
            raise HTTPProblem(404, "no such hidden note of yours")
        _publish_counts(request, record, state)
        return Response(status_code=204)
    body = await read_json_object(request)
    access, _speaker, seat = _writer(request, text_field(body, "seat", 64))
    record = access.record
    _open(request, record)
    text = text_field(body, "text", MAX_TEXT)
    store = request.app.state.store
    with still_authorized(request, access):
        old = next((d for d in store.drafts(record.id, seat) if d["id"] == draft_id), None)
        if old is None:
            raise HTTPProblem(404, "no such hidden note of yours")
        if len(text) > len(old["text"]):
            chars = store.draft_chars(record.id) + len(text) - len(old["text"])
            problem = _over_limits(request, record.id, store.draft_count(record.id),
                                   CHAR_BYTES * chars)
            if problem:
                raise HTTPProblem(409, f"no room for a longer hidden note: once revealed, the "
                                  f"board would hold {problem}")
        store.update_draft(record.id, draft_id, seat, text)
    return JSONResponse({"id": draft_id, "text": text})


async def mine(request: Request) -> JSONResponse:
    seat_id = request.query_params.get("seat", "")
    if not seat_id:
        raise HTTPProblem(400, "query parameter 'seat' is required")
    access, _speaker, seat = _writer(request, seat_id[:64])
    record = access.record
    return JSONResponse([_public(d) for d in request.app.state.store.drafts(record.id, seat)])


routes = [
    Route("/api/boards/{board_id}/brainstorm", start, methods=["POST"]),
    Route("/api/boards/{board_id}/brainstorm/reveal", reveal, methods=["POST"]),
    Route("/api/boards/{board_id}/drafts", add, methods=["POST"]),
    Route("/api/boards/{board_id}/drafts", mine, methods=["GET"]),
    Route("/api/boards/{board_id}/drafts/{draft_id}", edit, methods=["PUT", "DELETE"]),
]
