"""The facilitator's links: see every link again, re-issue one, add a partner later.

A re-issued link's old token stops working at once: the store holds only the new hash, and
open connections made with the old token are closed (1008). Links are shown again by opening
their sealed copies with the facilitator's token (see :mod:`.links`).
"""

from __future__ import annotations

from typing import Any

import segno
from pycrdt import Doc, Map
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .api import (
    MAX_PARTNER_NAME,
    MAX_PARTNERS,
    authorize_access,
    board_link,
    still_authorized,
    text_field,
)
from .attribution import close_link
from .boards import PARTNER_COLORS, Boards
from .links import ROLE_LINKS, Access, link_of_party, party_of_link, unseal
from .names import name_key, without_bidi
from .requests import HTTPProblem, bearer_token, read_json
from .tokens import Role, new_token

__all__ = ["routes", "qr_data_uri", "link_rows"]


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI (an ``<img src>``, allowed by the page's CSP)."""
    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)


def link_rows(request: Request, access: Access, facilitator_token: str) -> list[dict[str, Any]]:
    """Every link of the board: role links, then one per partner, with address and QR code.

    ``link`` and ``qr`` are null when the link cannot be shown; ``shown`` says why:
    ``"not_issued"`` for a link with no sealed copy (boards made before party links, a partner
    whose link was never issued), ``"reissue"`` for a sealed copy that does not open (sealed
    the older way, or under a facilitator token since replaced): the token still works, but
    only a new link can be shown. ``"yes"`` otherwise.
    """
    record = access.record
    sealed = request.app.state.store.sealed_links(record.id)
    rows: list[dict[str, Any]] = []
    wanted: list[tuple[str, str, dict[str, str] | None]] = [
        (name, name, None) for name in ROLE_LINKS
    ] + [
        (link_of_party(p["id"]), Role.PARTICIPANT.value, {"id": p["id"], "name": p["name"]})
        for p in record.partners
    ]
    for link, role, party in wanted:
        token = None
        if link in sealed:
            token = unseal(sealed[link], facilitator_token=facilitator_token,
                           board_id=record.id, link=link)
        found = request.app.state.boards.access(record.id, token) if token else None
        if found is None or found.link != link:
            token = None
        address = board_link(request, record.id, token) if token else None
        shown = "yes" if address else ("reissue" if link in sealed else "not_issued")
        rows.append({
            "link_id": link, "role": role, "party": party, "token": token, "link": address,
            "qr": qr_data_uri(address) if address else None, "shown": shown,
        })
    return rows


async def list_links(request: Request) -> JSONResponse:
    access = authorize_access(request, Role.FACILITATOR)
    return JSONResponse({"links": link_rows(request, access, bearer_token(request) or "")})


async def _body(request: Request) -> dict[str, Any]:
    body = await read_json(request, request.app.state.settings.max_message_bytes)
    if not isinstance(body, dict):
        raise HTTPProblem(400, "request body must be a JSON object")
    return body


def _issue(request: Request, access: Access, link: str) -> dict[str, Any]:
    """Issue a new token for ``link``, revoking the old one. Called under the board's lock with
    the request's token checked there (:func:`.api.still_authorized`); the caller closes the
    link's open sockets once the lock is let go."""
    boards: Boards = request.app.state.boards
    record = access.record
    facilitator_token = bearer_token(request) or ""
    token = new_token()
    if link == Role.FACILITATOR.value:
        # The other links' sealed copies are opened with the old facilitator token: reseal.
        rows = link_rows(request, access, facilitator_token)
        boards.issue(record.id, link, token, token)
        for row in rows:
            if row["token"] and row["link_id"] != link:
                boards.issue(record.id, row["link_id"], row["token"], token)
        facilitator_token = token
    else:
        boards.issue(record.id, link, token, facilitator_token)
    address = board_link(request, record.id, token)
    party = party_of_link(link)
    names = {p["id"]: p["name"] for p in record.partners}
    return {
        "link_id": link,
        "role": Role.FACILITATOR.value if link == "facilitator" else (
            Role.PARTICIPANT.value if party else link),
        "party": {"id": party, "name": names[party]} if party else None,
        "token": token, "link": address, "qr": qr_data_uri(address), "shown": "yes",
    }


async def reissue_link(request: Request) -> JSONResponse:
    access = authorize_access(request, Role.FACILITATOR)
    body = await _body(request)
    link = text_field(body, "link", 80)
    party = party_of_link(link)
    # The token again, now the body is in: the link may have been re-issued meanwhile.
    with still_authorized(request, access) as now:
        known = {p["id"] for p in now.record.partners}
        if link not in ROLE_LINKS and (party is None or party not in known):
            raise HTTPProblem(400, f"field 'link' must be one of {', '.join(ROLE_LINKS)} or "
                                   "'party:<id>' of one of this board's partners")
        issued = _issue(request, now, link)
    close_link(request.app.state.rooms, now.record.id, link)
    return JSONResponse(issued, status_code=201)


async def add_partner(request: Request) -> JSONResponse:
    """A partner joins later: it gets a place in the document and a party link of its own.

    Decided on the board as it is once the body has arrived, under the board's lock: the
    board may have been finalized meanwhile (a partner added to an agreed version could sign
    it), another partner added (two would get the same id), or the facilitator link
    re-issued (the request's token revoked)."""
    access = authorize_access(request, Role.FACILITATOR)
    if access.record.state == "finalized":
        raise HTTPProblem(409, _FINALIZED_PARTNERS)
    body = await _body(request)
    name = without_bidi(text_field(body, "name", MAX_PARTNER_NAME), "name")
    state = request.app.state
    with still_authorized(request, access) as now:  # the token again, now the body is in
        record = now.record
        if record.state != "open":
            raise HTTPProblem(409, _FINALIZED_PARTNERS)
        partners = [dict(p) for p in record.partners]
        if len(partners) >= MAX_PARTNERS:
            raise HTTPProblem(400, f"a board has at most {MAX_PARTNERS} partners")
        if name_key(name) in (name_key(p["name"]) for p in partners):
            raise HTTPProblem(409, f"{name!r} is already a partner of this board")
        numbers = [int(p["id"][1:]) for p in partners if p["id"][1:].isdigit()]
        partner = {"id": f"p{max(numbers, default=0) + 1}", "name": name,
                   "color": PARTNER_COLORS[len(partners) % len(PARTNER_COLORS)]}

        def place(doc: Doc) -> None:
            doc.get("partners", type=Map)[partner["id"]] = Map(
                {"name": partner["name"], "color": partner["color"]}
            )

        state.rooms.server_change(record.id, place)  # BoardFrozen (409) if finalized elsewhere
        state.store.set_partners(record.id, [*partners, partner])
        fresh = state.store.get_board(record.id)
        issued = _issue(request, Access(fresh, Role.FACILITATOR, "facilitator"),
                        link_of_party(partner["id"]))
    return JSONResponse(
        {"party": {"id": partner["id"], "name": name, "token": issued["token"],
                   "link": issued["link"], "qr": issued["qr"]}},
        status_code=201,
    )


_FINALIZED_PARTNERS = "the board is finalized; start a new version to add a partner"


routes = [
    Route("/api/boards/{board_id}/links", list_links, methods=["GET"]),
    Route("/api/boards/{board_id}/links", reissue_link, methods=["POST"]),
    Route("/api/boards/{board_id}/partners", add_partner, methods=["POST"]),
]
