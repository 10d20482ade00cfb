"""Seats: the server's record of one person at a board, issued when they join.

A seat belongs to the link it was issued through; a party link's seats belong to that partner
organisation, a guest seat carries the organisation its holder typed (shown as a guest's).
Votes are cast by seats, so a made-up voter id counts for nothing, and a seat reads only its
own votes. The facilitator sees every seat (name, organisation, votes used) and can remove one:
its votes go with it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .api import authorize_access, still_authorized, text_field
from .attribution import Speaker, close_seat
from .board_meta import round_state
from .links import Access
from .names import without_bidi
from .requests import HTTPProblem, read_json
from .store import Store, could_be_stored_id
from .tokens import Role

__all__ = ["routes", "speaker_of", "seat_of", "org_key", "MAX_SEATS_PER_LINK"]

#: Seats one link may be issued: a board has up to 40 people; a guest link shared by everyone
#: stays under it, and a script that asks for seats in a loop soon hits it.
MAX_SEATS_PER_LINK = 80
MAX_NAME = 80
MAX_ORG = 100


def speaker_of(store: Store, access: Access, seat_id: str) -> tuple[Speaker, str | None]:
    """Who a connection speaks for: its link, and the seat's person when the seat is valid."""
    seat = seat_of(store, access, seat_id) if seat_id else None
    party = access.party["name"] if access.party else None
    return Speaker(
        link=access.link,
        role=access.role.value,
        party=party,
        name=seat["name"] if seat else "",
        org=(party or seat["org"]) if seat else (party or ""),
    ), (seat["id"] if seat else None)


def seat_of(store: Store, access: Access, seat_id: str) -> dict[str, Any] | None:
    """The seat, when it exists and was issued through the same link as ``access``."""
    if not could_be_stored_id(seat_id):
        return None
    seat = store.seat(access.record.id, seat_id)
    return seat if seat is not None and seat["link"] == access.link else None


def org_key(seat: dict[str, Any]) -> str | None:
    """The organisation a seat's votes count for (per-organisation limits), or None."""
    if seat["link"].startswith("party:"):
        return seat["link"]
    if seat["link"] == Role.PARTICIPANT.value and seat["org"].strip():
        return "guest:" + " ".join(seat["org"].split()).casefold()
    return None


def seat_json(seat: dict[str, Any], votes_used: int | None = None) -> dict[str, Any]:
    answer = {
        "id": seat["id"],
        "name": seat["name"],
        "org": seat["org"],
        "guest": seat["link"] == Role.PARTICIPANT.value,
        "party": seat["link"].removeprefix("party:") if seat["link"].startswith("party:")
        else None,
        "link": seat["link"],
    }
    if votes_used is not None:
        answer["votes_used"] = votes_used
    return answer


async def join(request: Request) -> JSONResponse:
    """Issue a seat to someone joining through this link (observers watch without one)."""
    access = authorize_access(request, Role.FACILITATOR, Role.PARTICIPANT)
    body = await read_json(request, request.app.state.settings.max_message_bytes)
    if not isinstance(body, dict):
        raise HTTPProblem(400, "request body must be a JSON object")
    name = without_bidi(text_field(body, "name", MAX_NAME), "name")
    if access.party is not None:
        org = access.party["name"]  # a party link's holder belongs to its partner
    elif access.is_guest:
        typed = body.get("org")
        org = text_field(body, "org", MAX_ORG) if isinstance(typed, str) and typed.strip() \
            else ""
        if typed is not None and not isinstance(typed, str):
            raise HTTPProblem(400, "field 'org' must be a string")
    else:
        org = ""
    store: Store = request.app.state.store
    with _while_open(request, access):
        if store.seat_count(access.record.id, access.link) >= MAX_SEATS_PER_LINK:
            raise HTTPProblem(409, f"this link has {MAX_SEATS_PER_LINK} seats already; ask "
                                   "the facilitator to remove unused ones")
        seat = {"id": secrets.token_urlsafe(16), "link": access.link, "name": name, "org": org,
                "created_at": time.time()}
        store.add_seat(access.record.id, seat)
    return JSONResponse(seat_json(seat), status_code=201)


async def my_seat(request: Request) -> JSONResponse:
    """A seat, to its own link only: the browser checks that its stored seat still stands."""
    access = authorize_access(request)
    seat = seat_of(request.app.state.store, access, request.path_params["seat_id"])
    if seat is None:
        raise HTTPProblem(404, "no such seat for this link (removed, or never issued)")
    return JSONResponse(seat_json(seat))


def _round(request: Request, board_id: str) -> int | None:
    return round_state(request.app.state.rooms.document(board_id), "voting").get("round")


async def list_seats(request: Request) -> JSONResponse:
    access = authorize_access(request, Role.FACILITATOR)
    store: Store = request.app.state.store
    round_ = _round(request, access.record.id)
    used = store.votes_by_voter(access.record.id, round_) if round_ else {}
    return JSONResponse({
        "round": round_,
        "seats": [seat_json(s, used.get(s["id"], 0)) for s in store.seats(access.record.id)],
    })


async def remove_seat(request: Request) -> JSONResponse:
    access = authorize_access(request, Role.FACILITATOR)
    seat_id = request.path_params["seat_id"]
    with _while_open(request, access):
        if not could_be_stored_id(seat_id) or not request.app.state.store.remove_seat(
                access.record.id, seat_id):
            raise HTTPProblem(404, "there is no such seat on this board")
    # Its open connections end now (1008, as for a revoked link): they spoke for the seat.
    close_seat(request.app.state.rooms, access.record.id, seat_id)
    return JSONResponse({"removed": seat_id})


@contextmanager
def _while_open(request: Request, access: Access) -> Iterator[None]:
    """Hold the board with the token checked again (:func:`.api.still_authorized`: a link
    re-issued meanwhile changes no seat), and 409 unless it is open under that hold: who took
    part in an agreed version is part of its record. Read under the hold, not before it: with
    several nodes, the finalize another node was doing holds the board first (an attack
    review: a seat read the board open, waited for it, and was taken on the finalized board).
    """
    with still_authorized(request, access) as now:
        if now.record.state != "open":
            raise HTTPProblem(409, "the board is finalized: its seats stay as they were")
        yield


routes = [
    Route("/api/boards/{board_id}/seats", join, methods=["POST"]),
    Route("/api/boards/{board_id}/seats", list_seats, methods=["GET"]),
    Route("/api/boards/{board_id}/seats/{seat_id}", my_seat, methods=["GET"]),
    Route("/api/boards/{board_id}/seats/{seat_id}", remove_seat, methods=["DELETE"]),
]
