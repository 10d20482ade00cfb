"""A network's member organisations, kept once: added, changed and leaving in one place.

A change to a member (name, short name, colour, contact) is carried into every *open* board of
the network where it is a partner (see :mod:`.network_sync`). Finalized boards are never
touched: their snapshot and covenant keep the organisation as it was agreed. A member that
leaves is kept, marked with ``left_at``, so the boards and covenants it took part in still
name it; it is no longer offered for new boards or tables.
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .api import MAX_PARTNERS
from .boards import unique_names
from .names import name_key, without_bidi
from .network_access import opened, page_action
from .network_boards import partner_members
from .network_sync import MEMBER_KEYS, sync_partner
from .requests import HTTPProblem, read_json_object, text_field

__all__ = ["routes", "page_routes", "members_of", "current_members"]

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LIMITS = {"name": 100, "short_name": 30, "contact": 200}


def member_fields(value: object, where: str, *, partial: bool = False) -> dict[str, str]:
    """The member fields of a request; with ``partial`` only those given (at least one)."""
    if not isinstance(value, dict):
        raise HTTPProblem(400, f"{where} must be an object with a 'name'")
    fields: dict[str, str] = {}
    for key, limit in _LIMITS.items():
        if key in value or not partial:
            given = value.get(key)
            required = key == "name"
            fields[key] = text_field(value, key, limit, required=required) if (
                required or given not in (None, "")) else ""
    if "color" in value or not partial:
        color = value.get("color") or ""
        if color and (not isinstance(color, str) or not _COLOR.match(color)):
            raise HTTPProblem(400, f"{where}.color must be a colour such as '#0072b2'")
        fields["color"] = color
    if fields.get("name"):
        without_bidi(fields["name"], f"{where}.name")
    if partial and not fields:
        raise HTTPProblem(400, f"{where} changes nothing: give one of {', '.join(MEMBER_KEYS)}")
    return fields


def members_of(raw: object) -> list[dict[str, str]]:
    """The members of a new network."""
    if not isinstance(raw, list) or len(raw) > MAX_PARTNERS:
        raise HTTPProblem(400, f"field 'members' must be a list of at most {MAX_PARTNERS}")
    members = [{"id": f"m{index + 1}", **member_fields(value, f"members[{index}]")}
               for index, value in enumerate(raw)]
    if len(unique_names(m["name"] for m in members)) != len(members):
        raise HTTPProblem(400, "field 'members' names an organisation twice")
    return members


def current_members(network: dict[str, Any]) -> list[dict[str, Any]]:
    """The members that have not left: those offered for new boards and tables."""
    return [m for m in network["members"] if not m.get("left_at")]


def _member(network: dict[str, Any], member_id: str) -> dict[str, Any]:
    found = next((m for m in network["members"] if m["id"] == member_id), None)
    if found is None:
        raise HTTPProblem(404, f"this network has no member {member_id[:40]!r}")
    if found.get("left_at"):
        raise HTTPProblem(409, f"{found['name']} has left the network")
    return found


def _check_unique(network: dict[str, Any], name: str, member_id: str = "") -> None:
    if any(name_key(m["name"]) == name_key(name) and m["id"] != member_id
           for m in current_members(network)):
        raise HTTPProblem(409, f"{name!r} is already a member of this network")


def carry_to_open_boards(request: Request, network: dict[str, Any], member: dict[str, Any]
                         ) -> list[str]:
    """Bring the member's fields onto every open board of the network; return their ids."""
    state = request.app.state
    changed = []
    for row in state.store.network_boards(network["id"]):
        record = state.store.get_board(row["board_id"])
        if record is None or record.state != "open":
            continue
        for partner_id, member_id in partner_members(row, record, network).items():
            if member_id == member["id"] and sync_partner(state, record, partner_id, member):
                changed.append(record.id)
    return changed


def _save(request: Request, network: dict[str, Any], members: list[dict[str, Any]]) -> None:
    """Keep the changed member list, unless someone changed it since this request read it."""
    if not request.app.state.store.set_network_members(network["id"], members,
                                                       network["members"]):
        raise HTTPProblem(409, "the members were changed by someone else just now: "
                               "reload and try again")
    network["members"] = members


def _copy(network: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(m) for m in network["members"]]


def change_member(request: Request, network: dict[str, Any], member_id: str,
                  fields: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    _member(network, member_id)
    if "name" in fields:
        _check_unique(network, fields["name"], member_id)
    members = _copy(network)
    member = next(m for m in members if m["id"] == member_id)
    member.update(fields)
    _save(request, network, members)
    return member, carry_to_open_boards(request, network, member)


def add_member(request: Request, network: dict[str, Any], fields: dict[str, str]
               ) -> dict[str, Any]:
    if len(current_members(network)) >= MAX_PARTNERS:
        raise HTTPProblem(409, f"a network has at most {MAX_PARTNERS} members")
    _check_unique(network, fields["name"])
    numbers = [int(m["id"][1:]) for m in network["members"] if m["id"][1:].isdigit()]
    member = {"id": f"m{max(numbers, default=0) + 1}", **fields}
    _save(request, network, [*_copy(network), member])
    return member


def leave(request: Request, network: dict[str, Any], member_id: str) -> dict[str, Any]:
    _member(network, member_id)
    members = _copy(network)
    member = next(m for m in members if m["id"] == member_id)
    member["left_at"] = time.time()
    _save(request, network, members)
    return member


async def api_add(request: Request) -> JSONResponse:
    network, _key = opened(request)
    fields = member_fields(await read_json_object(request), "request body")
    return JSONResponse(add_member(request, network, fields), status_code=201)


async def api_change(request: Request) -> JSONResponse:
    network, _key = opened(request)
    fields = member_fields(await read_json_object(request), "request body", partial=True)
    member, boards = change_member(request, network, request.path_params["member_id"], fields)
    return JSONResponse({"member": member, "boards_updated": boards})


async def api_leave(request: Request) -> JSONResponse:
    network, _key = opened(request)
    return JSONResponse(leave(request, network, request.path_params["member_id"]))


routes = [
    Route("/api/networks/{network_id}/members", api_add, methods=["POST"]),
    Route("/api/networks/{network_id}/members/{member_id}", api_change, methods=["PATCH"]),
    Route("/api/networks/{network_id}/members/{member_id}", api_leave, methods=["DELETE"]),
]


def _form_fields(form: FormData, partial: bool) -> dict[str, str]:
    values = {key: str(form.get(key, "")) for key in MEMBER_KEYS if key in form}
    return member_fields(values, "the form", partial=partial)


async def _page_add(request: Request, network: dict[str, Any], key: str, form: FormData
                    ) -> None:
    add_member(request, network, _form_fields(form, partial=False))


async def _page_change(request: Request, network: dict[str, Any], key: str, form: FormData
                       ) -> None:
    fields = _form_fields(form, partial=True)
    change_member(request, network, request.path_params["member_id"], fields)


async def _page_leave(request: Request, network: dict[str, Any], key: str, form: FormData
                      ) -> None:
    leave(request, network, request.path_params["member_id"])


async def page_add(request: Request) -> Response:
    return await page_action(request, _page_add, anchor="members")


async def page_change(request: Request) -> Response:
    return await page_action(request, _page_change, anchor="members")


async def page_leave(request: Request) -> Response:
    return await page_action(request, _page_leave, anchor="members")


page_routes = [
    Route("/n/{network_id}/members", page_add, methods=["POST"]),
    Route("/n/{network_id}/members/{member_id}", page_change, methods=["POST"]),
    Route("/n/{network_id}/members/{member_id}/leave", page_leave, methods=["POST"]),
]
