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
import secrets
import time
from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .api import MAX_PARTNERS, board_answer, check_create_key, check_create_rate
from .boards import unique_names
from .i18n import TEXTS
from .names import has_bidi
from .network_access import network_link, open_network, opened, page_action
from .network_boards import boards_of, create_for
from .network_covenant import pending_boards, versions
from .network_members import current_members, members_of
from .network_reviews import chart_svg, review_view, scored_canvases
from .network_tables import TABLES, delegation, tables_view
from .pages import (
    form_create_refusal,
    form_text,
    form_too_large,
    moment_date,
    pick_language,
    render,
)
from .privacy import privacy_context
from .requests import HTTPProblem, read_json_object, text_field
from .tokens import hash_token, new_token

__all__ = ["routes", "page_routes"]

MAX_NAME = 200


def new_network(store: Any, name: str, members: list[dict[str, str]]) -> tuple[dict, str]:
    """Store a network; return it and its key (shown once, never stored)."""
    key = new_token()
    network = {"id": base64.b32encode(secrets.token_bytes(10)).decode().lower(), "name": name,
               "members": members, "created_at": time.time()}
    store.create_network(network, hash_token(key))
    return network, key


async def create(request: Request) -> JSONResponse:
    check_create_key(request)
    check_create_rate(request)
    body = await read_json_object(request)
    name = text_field(body, "name", MAX_NAME)
    network, key = new_network(request.app.state.store, name, members_of(body.get("members", [])))
    return JSONResponse({**network, "key": key,
                         "link": network_link(request, network["id"], key)}, status_code=201)


async def read(request: Request) -> JSONResponse:
    network, key = opened(request)
    return JSONResponse({**network, "boards": boards_of(request, network, key),
                         "tables": tables_view(network)})


async def new_board(request: Request) -> JSONResponse:
    network, key = opened(request)
    body = await read_json_object(request)
    language = body.get("language", "nl")
    if language not in ("nl", "en"):
        raise HTTPProblem(400, "field 'language' must be \"nl\" or \"en\"")
    table = body.get("table")
    if table is not None and not isinstance(table, str):
        raise HTTPProblem(400, "field 'table' must be a table's name or null")
    members, delegation = partners_for(network, table)
    created = create_for(request, network, key, text_field(body, "canvas", 100),
                         text_field(body, "title", MAX_NAME), language, members, delegation)
    return JSONResponse(board_answer(request, created), status_code=201)


def partners_for(network: dict[str, Any], table: str | None) -> tuple[list[dict[str, Any]],
                                                                      str | None]:
    """The partners of a new board: every current member, or one table's delegation now."""
    if not table:
        return current_members(network), None
    if table not in TABLES:
        raise HTTPProblem(400, f"field 'table' must be one of {', '.join(TABLES)}")
    seated = delegation(network, table)["delegation"]
    if not seated:
        raise HTTPProblem(409, f"nobody sits at the {table} table yet: set it up first")
    by_id = {m["id"]: m for m in current_members(network)}
    return [by_id[member] for member in seated], table


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
    made = versions(request, network)
    review = review_view(request, network)
    legend = [f"{moment_date(check['finalized_at'], lang)} · {check['title']}"
              for check in review["checks"]]
    chart = Markup(chart_svg(review, TEXTS[lang]["net_review_chart"], legend))  # escaped inside
    return render("network.html", lang=lang, network=network, key=key, canvases=canvases,
                  boards=boards_of(request, network, key),
                  link=network_link(request, network["id"], key),
                  covenants=list(reversed(made)),
                  pending=pending_boards(request, network, made),
                  tables=tables_view(network), table_ids=TABLES,
                  member_names={m["id"]: m["name"] for m in network["members"]},
                  review=review, chart=chart,
                  scored={canvas: canvases.get(canvas, canvas)
                          for canvas in scored_canvases(registry)},
                  privacy=privacy_context(request, network))


async def _page_new_board(request: Request, network: dict[str, Any], key: str,
                          form: FormData) -> None:
    title = form_text(form, "title").strip()[:MAX_NAME]
    if not title:
        raise HTTPProblem(400, "the board needs a title")
    language = "en" if form.get("language") == "en" else "nl"
    members, table = partners_for(network, str(form.get("table", "")))
    create_for(request, network, key, str(form.get("canvas", "")), title, language, members,
               table)


async def network_new_board(request: Request) -> Response:
    """The network page's form: a new board for the network, then back to the page."""
    return await page_action(request, _page_new_board, anchor="boards")


async def new_network_form(request: Request) -> Response:
    """The landing page's "start a network" form: the network's key link, shown once."""
    lang = pick_language(request)
    if form_too_large(request):
        return render("error.html", status=413, lang=lang, field="size")
    form = await request.form(max_files=0, max_fields=10)
    name = form_text(form, "name").strip()[:MAX_NAME]
    names = unique_names(line.strip()[:100] for line in form_text(form, "members").splitlines())
    if not name or len(names) > MAX_PARTNERS or has_bidi(name, *names):
        field = "title" if not name else "partners" if len(names) > MAX_PARTNERS else "bidi"
        return render("error.html", status=400, lang=lang, field=field)
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
