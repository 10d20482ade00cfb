"""A home for each regional network (werkverband): its member organisations, its boards.

A network is made with a name and its members (name, short name, colour, contact person) and
gets a key, shown once as a link, like a board token (only its hash is kept; no accounts). The
key opens the network's page and API: the boards made for it, by canvas and state, each with
its facilitator link (the board's facilitator token is kept sealed for the network's key, so
the server cannot open it without the key), and new boards with the members filled in as
partners, party links included. Boards made without a network are not touched.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .api import MAX_PARTNERS, board_answer, board_link, check_create_key, check_create_rate
from .boards import Boards, NewBoard, snapshot_of_record, unique_names
from .links import seal, unseal
from .pages import form_create_refusal, form_too_large, pick_language, render
from .privacy import privacy_context
from .requests import HTTPProblem, bearer_token, read_json_object, text_field
from .tokens import Role, hash_token, matches, new_token

__all__ = ["routes", "page_routes"]

MAX_NAME = 200
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_SEAL_LINK = "network"
_DUMMY_HASH = hash_token("no network has this key")


def _member(index: int, value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise HTTPProblem(400, f"members[{index}] must be an object with a 'name'")
    color = value.get("color") or ""
    if color and (not isinstance(color, str) or not _COLOR.match(color)):
        raise HTTPProblem(400, f"members[{index}].color must be a colour such as '#0072b2'")
    return {
        "id": f"m{index + 1}",
        "name": text_field(value, "name", 100),
        "short_name": text_field(value, "short_name", 30, required=False),
        "color": color,
        "contact": text_field(value, "contact", 200, required=False),
    }


def members_of(raw: object) -> list[dict[str, str]]:
    if not isinstance(raw, list) or len(raw) > MAX_PARTNERS:
        raise HTTPProblem(400, f"field 'members' must be a list of at most {MAX_PARTNERS}")
    members = [_member(index, value) for index, value in enumerate(raw)]
    if len(unique_names(m["name"] for m in members)) != len(members):
        raise HTTPProblem(400, "field 'members' names an organisation twice")
    return members


def new_network(store: Any, name: str, members: list[dict[str, str]]) -> tuple[dict, str]:
    """Store a network; return it and its key (shown once, never stored)."""
    key = new_token()
    network = {"id": base64.b32encode(secrets.token_bytes(10)).decode().lower(), "name": name,
               "members": members, "created_at": time.time()}
    store.create_network(network, hash_token(key))
    return network, key


def network_link(request: Request, network_id: str, key: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/n/{network_id}?key={key}"


def open_network(request: Request, key: str | None) -> dict[str, Any]:
    """The network the key opens; 401 without a key, 403 (the same for unknown ids) otherwise."""
    if not key:
        raise HTTPProblem(401, "this needs the network's key (Authorization: Bearer … or ?key=…)")
    found = request.app.state.store.network(request.path_params["network_id"][:64])
    network, key_hash = found if found is not None else (None, _DUMMY_HASH)
    if not matches(key, key_hash) or network is None:
        raise HTTPProblem(403, "the key is not valid for this network")
    return network


def _key(request: Request) -> str | None:
    return bearer_token(request) or request.query_params.get("key")


def boards_of(request: Request, network: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The network's boards, newest first: state (a finalized one with a newer version is
    "superseded"), canvas and dates, and the facilitator link the key opens."""
    store = request.app.state.store
    rows = []
    for board_id, sealed in store.network_boards(network["id"]):
        record = store.get_board(board_id)
        if record is None:
            continue
        token = unseal(sealed, facilitator_token=key, board_id=board_id, link=_SEAL_LINK)
        rows.append({"id": record.id, "title": record.title, "canvas": record.canvas,
                     "state": record.state, "created_at": record.created_at,
                     "finalized_at": record.finalized_at, "predecessor": record.predecessor,
                     "link": board_link(request, record.id, token) if token else None})
    replaced = {row["predecessor"] for row in rows if row["predecessor"]}
    for row in rows:
        if row["id"] in replaced and row["state"] == "finalized":
            row["state"] = "superseded"
    return sorted(rows, key=lambda row: -row["created_at"])


def create_for(request: Request, network: dict[str, Any], key: str, canvas_id: str,
               title: str, language: str) -> NewBoard:
    """A board of the network: its members as partners (with their colours), party links."""
    spec = request.app.state.registry.canvas(canvas_id)
    if spec is None:
        raise HTTPProblem(404, f"unknown canvas {canvas_id!r}: see GET /api/canvases")
    check_create_rate(request)
    boards: Boards = request.app.state.boards
    members = network["members"]
    created = boards.create(spec, title, language, [m["name"] for m in members],
                            [m["color"] for m in members])
    sealed = seal(created.tokens[Role.FACILITATOR], facilitator_token=key,
                  board_id=created.record.id, link=_SEAL_LINK)
    request.app.state.store.add_network_board(network["id"], created.record.id, sealed)
    request.app.state.registry.call_each(
        "partnerboard_board_created", board=snapshot_of_record(created.record))
    return created



async def create(request: Request) -> JSONResponse:
    check_create_key(request)
    check_create_rate(request)
    body = await read_json_object(request)
    name = text_field(body, "name", MAX_NAME)
    network, key = new_network(request.app.state.store, name, members_of(body.get("members", [])))
    return JSONResponse({**network, "key": key,
                         "link": network_link(request, network["id"], key)}, status_code=201)


async def read(request: Request) -> JSONResponse:
    key = _key(request)
    network = open_network(request, key)
    assert key is not None
    return JSONResponse({**network, "boards": boards_of(request, network, key)})


async def new_board(request: Request) -> JSONResponse:
    key = _key(request)
    network = open_network(request, key)
    assert key is not None
    body = await read_json_object(request)
    language = body.get("language", "nl")
    if language not in ("nl", "en"):
        raise HTTPProblem(400, "field 'language' must be \"nl\" or \"en\"")
    created = create_for(request, network, key, text_field(body, "canvas", 100),
                         text_field(body, "title", MAX_NAME), language)
    return JSONResponse(board_answer(request, created), status_code=201)


routes = [
    Route("/api/networks", create, methods=["POST"]),
    Route("/api/networks/{network_id}", read, methods=["GET"]),
    Route("/api/networks/{network_id}/boards", new_board, methods=["POST"]),
]


async def network_page(request: Request) -> Response:
    """The network's home page, opened with its key (``/n/{id}?key=…``)."""
    lang = pick_language(request)
    key = request.query_params.get("key", "")
    try:
        network = open_network(request, key)
    except HTTPProblem:
        return render("error.html", status=403, lang=lang, field="key")
    registry = request.app.state.registry
    canvases = {spec.id: spec.title[lang] for spec, _plugin in registry.canvases.values()}
    return render("network.html", lang=lang, network=network, key=key, canvases=canvases,
                  boards=boards_of(request, network, key),
                  link=network_link(request, network["id"], key),
                  privacy=privacy_context(request, network))


async def network_new_board(request: Request) -> Response:
    """The network page's form: a new board for the network, then back to the page."""
    lang = pick_language(request)
    if form_too_large(request):
        return render("error.html", status=413, lang=lang, field="size")
    form = await request.form(max_files=0, max_fields=10)
    key = str(form.get("key", ""))
    try:
        network = open_network(request, key)
        title = str(form.get("title", "")).strip()[:MAX_NAME]
        if not title:
            raise HTTPProblem(400, "title")
        language = "en" if form.get("language") == "en" else "nl"
        create_for(request, network, key, str(form.get("canvas", "")), title, language)
    except HTTPProblem as problem:
        field = {403: "key", 404: "canvas", 429: "too_many"}.get(problem.status, "title")
        return render("error.html", status=problem.status, lang=lang, field=field)
    return RedirectResponse(f"/n/{network['id']}?key={key}", status_code=303)


async def new_network_form(request: Request) -> Response:
    """The landing page's "start a network" form: the network's key link, shown once."""
    lang = pick_language(request)
    if form_too_large(request):
        return render("error.html", status=413, lang=lang, field="size")
    form = await request.form(max_files=0, max_fields=10)
    name = str(form.get("name", "")).strip()[:MAX_NAME]
    names = unique_names(line.strip()[:100] for line in str(form.get("members", "")).splitlines())
    if not name or len(names) > MAX_PARTNERS:
        return render("error.html", status=400, lang=lang,
                      field="title" if not name else "partners")
    refused = form_create_refusal(request, form, lang)
    if refused is not None:
        return refused
    members = [{"id": f"m{i + 1}", "name": n, "short_name": "", "color": "", "contact": ""}
               for i, n in enumerate(names)]
    network, key = new_network(request.app.state.store, name, members)
    return render("network_created.html", lang=lang, network=network,
                  link=network_link(request, network["id"], key))


async def new_network_page(request: Request) -> Response:
    """The form that starts a network (linked from the landing page)."""
    return render("network_new.html", lang=pick_language(request),
                  needs_key=bool(request.app.state.settings.create_key))


page_routes = [
    Route("/networks", new_network_page),
    Route("/networks/new", new_network_form, methods=["POST"]),
    Route("/n/{network_id}", network_page),
    Route("/n/{network_id}/boards", network_new_board, methods=["POST"]),
]
