"""The JSON HTTP API (DESIGN.md §4)."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from partnerboard.plugins.manager import PluginRegistry

from .boards import Boards, NewBoard, snapshot_of_record
from .covenant_store import covenant_sha256_of
from .links import Access
from .names import name_key, without_bidi
from .ratelimit import RateLimiter
from .requests import HTTPProblem, bearer_token, read_json, text_field
from .settings import Settings
from .store import BoardRecord, board_transaction
from .tokens import Role

__all__ = [
    "routes", "authorize", "authorize_access", "authorize_again", "board_answer", "board_link",
    "check_create_key", "check_create_rate", "still_authorized", "text_field",
]

log = logging.getLogger("partnerboard.api")

MAX_TITLE = 200
MAX_PARTNERS = 40
MAX_PARTNER_NAME = 100


async def healthz(request: Request) -> JSONResponse:
    """200 ``{"status": "ok"}`` while the node can serve; 503 when its store is unreachable.

    Redis being away is reported but keeps the node in service: its own clients still work,
    and it catches up from the store once Redis is back.
    """
    state = request.app.state
    rooms = getattr(state, "rooms", None)
    answer: dict[str, object] = {
        "status": "ok", "rooms_loaded": len(rooms.loaded) if rooms is not None else 0
    }
    try:
        state.store.ping()
        answer["store"] = "ok"
    except Exception as error:  # any failure to reach the store means: take me out
        log.warning("health check: store unreachable: %s", error)
        answer.update(status="error", store="unreachable")
    bus = getattr(state, "bus", None)
    if bus is not None:
        try:
            answer["redis_ms"] = round(await bus.ping() * 1000, 2)
            answer["redis"] = "ok"
        except Exception as error:  # reported, not fatal (see above)
            log.warning("health check: Redis unreachable: %s", error)
            answer["redis"] = "unreachable"
    return JSONResponse(answer, status_code=200 if answer["status"] == "ok" else 503)


async def list_canvases(request: Request) -> JSONResponse:
    registry: PluginRegistry = request.app.state.registry
    return JSONResponse(
        [spec.summary(plugin) for spec, plugin in registry.canvases.values()]
    )


async def get_canvas(request: Request) -> JSONResponse:
    registry: PluginRegistry = request.app.state.registry
    spec = registry.canvas(request.path_params["canvas_id"])
    if spec is None:
        raise HTTPProblem(404, f"unknown canvas {request.path_params['canvas_id']!r}")
    return JSONResponse(spec.to_json())


def _partner_names(body: dict[str, Any]) -> list[str]:
    partners = body.get("partners", [])
    if not isinstance(partners, list):
        raise HTTPProblem(400, "field 'partners' must be a list of {\"name\": ...} objects")
    if len(partners) > MAX_PARTNERS:
        raise HTTPProblem(400, f"field 'partners' may hold at most {MAX_PARTNERS} partners")
    names: list[str] = []
    for index, partner in enumerate(partners):
        if not isinstance(partner, dict):
            raise HTTPProblem(400, f"partners[{index}] must be an object with a 'name'")
        name = without_bidi(text_field(partner, "name", MAX_PARTNER_NAME),
                            f"partners[{index}].name")
        if name_key(name) in (name_key(known) for known in names):
            raise HTTPProblem(400, f"partners[{index}]: {name!r} is listed twice")
        names.append(name)
    return names


def check_create_key(request: Request) -> None:
    """When the server has a create key, only its holders make boards (also by import)."""
    settings: Settings = request.app.state.settings
    if settings.create_key:
        key = bearer_token(request)
        if key is None:
            raise HTTPProblem(401, "creating boards needs the create key as a Bearer token")
        if not hmac.compare_digest(key.encode(), settings.create_key.encode()):
            raise HTTPProblem(403, "the create key is wrong")


async def create_board(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    check_create_key(request)
    check_create_rate(request)
    body = await read_json(request, settings.max_message_bytes)
    if not isinstance(body, dict):
        raise HTTPProblem(400, "request body must be a JSON object")
    canvas_id = text_field(body, "canvas", 100)
    title = text_field(body, "title", MAX_TITLE)
    language = body.get("language", "nl")
    if language not in ("nl", "en"):
        raise HTTPProblem(400, "field 'language' must be \"nl\" or \"en\"")
    partners = _partner_names(body)
    spec = request.app.state.registry.canvas(canvas_id)
    if spec is None:
        raise HTTPProblem(404, f"unknown canvas {canvas_id!r}: see GET /api/canvases")
    boards: Boards = request.app.state.boards
    created = boards.create(spec, title, language, partners)
    request.app.state.registry.call_each(
        "partnerboard_board_created", board=snapshot_of_record(created.record)
    )
    return JSONResponse(board_answer(request, created), status_code=201)


def check_create_rate(request: Request) -> None:
    """429 with Retry-After when this client address has created too many boards lately."""
    limiter: RateLimiter = request.app.state.create_limiter
    address = request.client.host if request.client else "unknown"
    wait = limiter.take(address)
    if wait:
        raise HTTPProblem(
            429,
            f"too many new boards from this address: at most {limiter.per_minute} a minute; "
            f"try again in {RateLimiter.retry_after(wait)} s",
            headers={"retry-after": RateLimiter.retry_after(wait)},
        )


def board_link(request: Request, board_id: str, token: str) -> str:
    """The address of the board page that a token opens."""
    return f"{str(request.base_url).rstrip('/')}/b/{board_id}?token={token}"


def board_answer(request: Request, created: NewBoard) -> dict[str, Any]:
    """The answer to creating a board: its data, the role tokens and links, the party links."""
    base = str(request.base_url).rstrip("/")
    record = created.record
    names = {partner["id"]: partner["name"] for partner in record.partners}
    return {
        "id": record.id,
        "canvas": record.canvas,
        "title": record.title,
        "language": record.language,
        "state": record.state,
        "predecessor": record.predecessor,
        "partners": list(record.partners),
        "tokens": {role.value: token for role, token in created.tokens.items()},
        "links": {
            role.value: f"{base}/b/{record.id}?token={token}"
            for role, token in created.tokens.items()
        },
        "parties": [
            {"id": party_id, "name": names[party_id], "token": token,
             "link": board_link(request, record.id, token)}
            for party_id, token in created.party_tokens.items()
        ],
    }


def authorize(request: Request, *roles: Role) -> tuple[BoardRecord, Role]:
    """The board and role of the request's token; 401 without one, 403 for a wrong one."""
    access = authorize_access(request, *roles)
    return access.record, access.role


_WRONG_TOKEN = "the token is not valid for this board"


def authorize_access(request: Request, *roles: Role) -> Access:
    """What the request's token grants (board, role, link, party); 401/403 as :func:`authorize`.

    Checked when the headers are in: a handler that then reads a body checks again once it
    has come (:func:`still_authorized`)."""
    token = bearer_token(request)
    if token is None:
        raise HTTPProblem(401, "this needs a board token (Authorization: Bearer … or ?token=…)")
    found = request.app.state.boards.access(request.path_params["board_id"], token)
    if found is None:
        raise HTTPProblem(403, _WRONG_TOKEN)
    if roles and found.role not in roles:
        raise HTTPProblem(403, f"a {found.role.value} may not do this")
    return found


def authorize_again(request: Request, access: Access) -> Access:
    """The request's token checked again: what it grants now, with the board as it is now.

    403, as for a wrong token, when its link was re-issued (the token revoked) since
    :func:`authorize_access`: a request body may take minutes to come, and a revoked link must
    not finish what it started before (an attack review: a leaked facilitator link's held
    POST /links took the board back from the facilitator who had just revoked it)."""
    token = bearer_token(request)
    found = request.app.state.boards.access(access.record.id, token) if token else None
    if found is None or found.link != access.link:
        raise HTTPProblem(403, _WRONG_TOKEN)
    return found


@contextmanager
def still_authorized(request: Request, access: Access) -> Iterator[Access]:
    """Hold the board (:func:`.store.board_transaction`) and check the token again inside:
    what is done in the block is done by a link that is valid while it is done, since a link
    is re-issued under the same lock. For every handler that read a body after authorizing;
    yields what the token grants now (``.record.state`` is the board's state under the lock).
    """
    with board_transaction(request.app.state.store, access.record.id):
        yield authorize_again(request, access)


async def get_board(request: Request) -> JSONResponse:
    access = authorize_access(request)
    record, role = access.record, access.role
    return JSONResponse(
        {
            "id": record.id,
            "canvas": record.canvas,
            "title": record.title,
            "language": record.language,
            "state": record.state,
            "role": role.value,
            "predecessor": record.predecessor,
            "snapshot_sha256": record.snapshot_sha256,
            "covenant_sha256": covenant_sha256_of(
                request.app.state.store, request.app.state.registry, record
            ),
            # Browsers' clocks drift; a shared countdown is computed on the server's clock.
            "server_time": int(time.time() * 1000),
            "partners": list(record.partners),
            "party": access.party_json(),
            "guest": access.is_guest,
        }
    )


routes = [
    Route("/healthz", healthz),
    Route("/api/canvases", list_canvases),
    Route("/api/canvases/{canvas_id}", get_canvas),
    Route("/api/boards", create_board, methods=["POST"]),
    Route("/api/boards/{board_id}", get_board),
]
