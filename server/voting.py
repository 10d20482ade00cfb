"""Dot voting: the facilitator opens a round, participants spend N votes, results on close.

Votes are kept in the store, outside the board document, so nobody can read the totals while a
round is open; closing the round writes the results into ``meta.voting`` for everyone to see.
Votes are cast by seats (see :mod:`.seats`): a voter must be a seat the server issued through
the same link, so made-up voter ids count for nothing and nobody reads another seat's votes.
Each seat has N votes per round; a round may also cap the votes per organisation (a party link's
partner, or a guest's typed organisation), for rounds where each party has one voice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .api import authorize, authorize_access, still_authorized, text_field
from .board_meta import round_state, set_meta_value, whole_number
from .requests import HTTPProblem, read_json_object
from .seats import org_key, seat_of
from .store import board_transaction
from .tokens import Role

__all__ = ["routes"]

MAX_VOTES = 20
MAX_ORG_VOTES = 200


def _voting(doc: Doc) -> dict[str, Any]:
    """The voting round as the server wrote it, its numbers ints; empty when there is none
    (or what a client wrote there is not one: see :func:`.board_meta.round_state`)."""
    state = round_state(doc, "voting")
    per = whole_number(state.get("votes_per_participant"), 1, MAX_VOTES)
    cap = state.get("votes_per_organisation")
    per_org = None if cap is None else whole_number(cap, 1, MAX_ORG_VOTES)
    if per is None or (cap is not None and per_org is None):
        return {}
    state["votes_per_participant"] = per
    if per_org is not None:
        state["votes_per_organisation"] = per_org
    return state


def _set_voting(state: dict[str, Any]) -> Callable[[Doc], None]:
    return set_meta_value("voting", state)



def _open_round(doc: Doc) -> dict[str, Any]:
    voting = _voting(doc)
    if not voting.get("open"):
        raise HTTPProblem(409, "no voting round is open")
    return voting


async def open_round(request: Request) -> JSONResponse:
    access = authorize_access(request, Role.FACILITATOR)
    record = access.record
    _writable(record)
    body = await read_json_object(request)
    per = body.get("votes_per_participant")
    if not isinstance(per, int) or isinstance(per, bool) or not 1 <= per <= MAX_VOTES:
        raise HTTPProblem(400, f"field 'votes_per_participant' must be a number 1-{MAX_VOTES}")
    rooms, store = request.app.state.rooms, request.app.state.store
    if _voting(rooms.document(record.id)).get("open"):
        raise HTTPProblem(409, "a voting round is already open; close it first")
    per_org = body.get("votes_per_organisation")
    if per_org is not None and (not isinstance(per_org, int) or isinstance(per_org, bool)
                                or not 1 <= per_org <= MAX_ORG_VOTES):
        raise HTTPProblem(400, "field 'votes_per_organisation' must be left out or a number "
                               f"1-{MAX_ORG_VOTES}")
    # The token again, now the body is in: a facilitator link re-issued meanwhile opens none.
    # The round is read again under the board's lock, as the store holds it (its note, else
    # the document caught up): a round opened on another node a moment ago is not opened
    # twice, nor its number given out again (votes are kept by number).
    with still_authorized(request, access):
        stored_number, stored_open = _stored_round(rooms, store, record.id)
        current = _voting(rooms.document(record.id))
        if current.get("open") or stored_open:
            raise HTTPProblem(409, "a voting round is already open; close it first")
        number = max(current.get("round", 0), stored_number) + 1
        state = {"open": True, "round": number, "votes_per_participant": per}
        if per_org is not None:
            state["votes_per_organisation"] = per_org
        rooms.server_change(record.id, _set_voting(state))
        # Noted last: should noting it fail, votes are refused (see _still_open).
        store.set_voting_round(record.id, number, True)
    return JSONResponse(state, status_code=201)


async def close_round(request: Request) -> JSONResponse:
    """Close the round with its results, read under the board's lock: a vote another node
    adds at the same moment is either in the results or waits until the round is closed."""
    record, _role = authorize(request, Role.FACILITATOR)
    _writable(record)
    rooms, store = request.app.state.rooms, request.app.state.store
    with board_transaction(store, record.id) as now:
        if now != "open":
            raise HTTPProblem(409, "the board is finalized")
        rooms.catch_up(record.id)  # a round opened or closed on another node a moment ago
        voting = _open_round(rooms.document(record.id))
        state = {**voting, "open": False, "results": store.votes(record.id, voting["round"])}
        # Noted first: should writing the round fail, votes are refused all the same.
        store.set_voting_round(record.id, voting["round"], False)
        rooms.server_change(record.id, _set_voting(state))
    return JSONResponse(state)


#: The answer to a vote whose round closed before it was counted.
ROUND_CLOSED = ("the voting round closed before your vote arrived: it was not counted "
                "(the results are out)")


def _still_open(rooms: Any, store: Any, board_id: str, seen: dict[str, Any]) -> dict[str, Any]:
    """The round ``seen`` before the board's lock was taken, read again under it (409 unless
    it is still open): another node may have closed it meanwhile (its close holds the same
    lock), and a vote counted after the close is one the results never show. The round is
    read from what the store holds, not from this node's copy, which the other node's
    change may not have reached yet.

    The store's note of the round (``voting_rounds``, written with ``meta.voting`` under the
    same lock) is one read. Loading the document again from the store instead, for every vote
    and take-back, held the event loop (every board of the node) 150 ms on a board of 5,000
    notes and 670 ms on one of 20,000 (tests/benchmarks/vote_cost.py). A board without a
    note (its round opened before there were notes, or it came from a board file) is still
    checked that way. The round must be open in both the store's note and this node's copy
    (``seen``): should the two ever disagree, no vote counts until the facilitator closes the
    round."""
    if _stored_round(rooms, store, board_id) != (seen["round"], True):
        raise HTTPProblem(409, ROUND_CLOSED)
    return seen


def _stored_round(rooms: Any, store: Any, board_id: str) -> tuple[int, bool]:
    """(number, open) of the board's latest round as the store holds it, read under the
    board's lock: its note, else (no note yet) the document caught up from the store."""
    noted = store.voting_round(board_id)
    if noted is not None:
        return noted
    rooms.catch_up(board_id)
    voting = _voting(rooms.document(board_id))
    return voting.get("round", 0), bool(voting.get("open"))


def _writable(record: Any) -> None:
    if record.state == "finalized":
        raise HTTPProblem(409, "the board is finalized")


def _seat(request: Request, access: Any, seat_id: str) -> str:
    """The voting seat's id; 403 unless the server issued it through this very link."""
    seat = seat_of(request.app.state.store, access, seat_id)
    if seat is None:
        raise HTTPProblem(403, "votes are cast by a seat of this link: join the board first "
                               "(POST /api/boards/{id}/seats)")
    return str(seat["id"])


def _organisation_votes(store: Any, record: Any, round_: int, seat_id: str) -> int | None:
    """Votes the seat's organisation has cast this round, or None when it has none."""
    seats = {s["id"]: s for s in store.seats(record.id)}
    key = org_key(seats[seat_id]) if seat_id in seats else None
    if key is None:
        return None
    used = store.votes_by_voter(record.id, round_)
    return sum(n for voter, n in used.items() if voter in seats and org_key(seats[voter]) == key)


async def vote(request: Request) -> JSONResponse:
    access = authorize_access(request, Role.FACILITATOR, Role.PARTICIPANT)
    record = access.record
    _writable(record)
    body = await read_json_object(request)
    voter = _seat(request, access, text_field(body, "seat" if "seat" in body else "voter", 64))
    element = text_field(body, "element", 64)
    rooms = request.app.state.rooms
    seen = _open_round(rooms.document(record.id))
    store = request.app.state.store
    # Count and add under the board's lock: the same voter on two nodes at once gets N votes.
    # The state and the token are read again there: the board may have been finalized, or the
    # link re-issued, while the body came.
    with still_authorized(request, access) as now:
        if now.record.state != "open":
            raise HTTPProblem(409, "the board is finalized")
        voting = _still_open(rooms, store, record.id, seen)
        doc = rooms.document(record.id)
        mine = store.votes(record.id, voting["round"], voter)
        if request.method == "DELETE":
            if not store.remove_vote(record.id, voting["round"], voter, element):
                raise HTTPProblem(404, "you have no vote on that element to take back")
            mine[element] -= 1
            if not mine[element]:
                del mine[element]
        else:
            # This node's copy: a note added or deleted on another node a moment ago may not be
            # here yet (as a vote a moment earlier would have found it). The round is what
            # must be the store's (see _still_open).
            if element not in doc.get("elements", type=Map):
                raise HTTPProblem(404, f"there is no element {element!r} on this board")
            if sum(mine.values()) >= voting["votes_per_participant"]:
                raise HTTPProblem(409, "you have used all your votes in this round")
            cap = voting.get("votes_per_organisation")
            if cap is not None:
                spent = _organisation_votes(store, record, voting["round"], voter)
                if spent is not None and spent >= cap:
                    raise HTTPProblem(409, "your organisation has used all its votes in this round")
            store.add_vote(record.id, voting["round"], voter, element)
            mine[element] = mine.get(element, 0) + 1
    return _answer(voting, mine)


def _answer(voting: dict[str, Any], mine: dict[str, int]) -> JSONResponse:
    """A voter's votes in the round and how many are left."""
    return JSONResponse({
        "round": voting["round"],
        "mine": mine,
        "remaining": voting["votes_per_participant"] - sum(mine.values()),
    })


async def my_votes(request: Request) -> JSONResponse:
    access = authorize_access(request, Role.FACILITATOR, Role.PARTICIPANT)
    record = access.record
    voter = request.query_params.get("seat") or request.query_params.get("voter", "")
    if not voter:
        raise HTTPProblem(400, "query parameter 'seat' is required")
    voter = _seat(request, access, voter)
    voting = _open_round(request.app.state.rooms.document(record.id))
    return _answer(voting, request.app.state.store.votes(record.id, voting["round"], voter))


routes = [
    Route("/api/boards/{board_id}/voting", open_round, methods=["POST"]),
    Route("/api/boards/{board_id}/voting/close", close_round, methods=["POST"]),
    Route("/api/boards/{board_id}/votes", vote, methods=["POST", "DELETE"]),
    Route("/api/boards/{board_id}/votes", my_votes, methods=["GET"]),
]
