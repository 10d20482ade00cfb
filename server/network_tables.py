"""Representation in a large network: who sits at which table, and seats that rotate.

A large network cannot bring every organisation to every conversation (the seeds' lessons on
large, unstable networks: decide together who represents whom, and let seats move so that no
member stays out of sight for long). Three tables: executive (bestuurlijk), management and
operations (uitvoering). Each has fixed members and, optionally, a rotation: a pool of members
in order, a number of seats, a period in months and the day the first period starts. Period
``p`` seats the pool's members ``p*seats … p*seats+seats-1`` (round the pool), so the schedule
is known in advance and needs no job to run it. Members that left are skipped.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .network_access import opened, page_action
from .network_members import current_members
from .requests import HTTPProblem, read_json_object

__all__ = ["TABLES", "delegation", "form_number", "page_routes", "routes", "tables_view"]

TABLES = ("executive", "management", "operations")
MAX_MONTHS = 120


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _period(rotation: dict[str, Any], today: date) -> int:
    start = date.fromisoformat(rotation["start"])
    months = (today.year - start.year) * 12 + today.month - start.month
    if today.day < start.day:
        months -= 1
    return max(0, months // rotation["every_months"])


def _seated(rotation: dict[str, Any], period: int, present: set[str]) -> list[str]:
    pool = [m for m in rotation["pool"] if m in present]
    if not pool:
        return []
    seats = min(rotation["seats"], len(pool))
    return [pool[(period * seats + i) % len(pool)] for i in range(seats)]


def delegation(network: dict[str, Any], table: str, today: date | None = None
               ) -> dict[str, Any]:
    """The table now: its members (fixed, then the rotating seats), and when it changes next
    and to whom (None without a rotation)."""
    today = today or datetime.now(UTC).date()
    present = {m["id"] for m in current_members(network)}
    setting = network.get("tables", {}).get(table) or {"members": [], "rotation": None}
    fixed = [m for m in setting["members"] if m in present]
    rotation = setting.get("rotation")
    view: dict[str, Any] = {**setting, "delegation": fixed, "next_change": None,
                            "next_delegation": None}
    if rotation:
        start = date.fromisoformat(rotation["start"])
        if today < start:  # the first period has not begun: its seats are the next change
            upcoming, now, after = start, [], _seated(rotation, 0, present)
        else:
            period = _period(rotation, today)
            upcoming = add_months(start, (period + 1) * rotation["every_months"])
            now = _seated(rotation, period, present)
            after = _seated(rotation, period + 1, present)
        view.update(delegation=fixed + now, next_change=upcoming.isoformat(),
                    next_delegation=fixed + after)
    return view


def tables_view(network: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    return {table: delegation(network, table, today) for table in TABLES}


def _ids(value: object, field: str, present: set[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HTTPProblem(400, f"field {field!r} must be a list of member ids")
    unknown = [v[:20] for v in value if v not in present]
    if unknown:
        raise HTTPProblem(400, f"field {field!r} names no current member: {', '.join(unknown)}")
    if len(set(value)) != len(value):
        raise HTTPProblem(400, f"field {field!r} names a member twice")
    return list(value)


def _whole(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise HTTPProblem(400, f"field {field!r} must be a whole number from {low} to {high}")
    return value


def table_setting(network: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """A table's setting from a request: ``members`` and ``rotation`` (or null)."""
    present = {m["id"] for m in current_members(network)}
    members = _ids(body.get("members", []), "members", present)
    raw = body.get("rotation")
    if raw is None:
        return {"members": members, "rotation": None}
    if not isinstance(raw, dict):
        raise HTTPProblem(400, "field 'rotation' must be an object or null")
    pool = _ids(raw.get("pool"), "rotation.pool", present)
    if not pool:
        raise HTTPProblem(400, "field 'rotation.pool' needs at least one member")
    if set(pool) & set(members):
        raise HTTPProblem(400, "a member has a fixed seat and a rotating one: pick one")
    start = raw.get("start")
    try:
        day = date.fromisoformat(start) if isinstance(start, str) and len(start) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise HTTPProblem(400, "field 'rotation.start' must be a date such as '2027-01-01'")
    return {"members": members, "rotation": {
        "pool": pool, "seats": _whole(raw.get("seats", 1), "rotation.seats", 1, len(pool)),
        "every_months": _whole(raw.get("every_months"), "rotation.every_months", 1, MAX_MONTHS),
        "start": day.isoformat()}}


def _table(request: Request) -> str:
    table = request.path_params["table"]
    if table not in TABLES:
        raise HTTPProblem(404, f"unknown table {table[:40]!r}: use one of {', '.join(TABLES)}")
    return table


def set_table(request: Request, network: dict[str, Any], table: str,
              setting: dict[str, Any]) -> dict[str, Any]:
    before = network.get("tables", {})
    tables = {**before, table: setting}
    if not request.app.state.store.set_network_tables(network["id"], tables, before):
        raise HTTPProblem(409, "the tables were changed by someone else just now: "
                               "reload and try again")
    network["tables"] = tables
    return delegation(network, table)


async def api_set(request: Request) -> JSONResponse:
    network, _key = opened(request)
    table = _table(request)
    setting = table_setting(network, await read_json_object(request))
    return JSONResponse(set_table(request, network, table, setting))


async def api_tables(request: Request) -> JSONResponse:
    network, _key = opened(request)
    return JSONResponse(tables_view(network))


routes = [
    Route("/api/networks/{network_id}/tables", api_tables, methods=["GET"]),
    Route("/api/networks/{network_id}/tables/{table}", api_set, methods=["PUT"]),
]


def form_number(form: FormData, name: str) -> object:
    """A form field as the JSON body would give it: a whole number when it is written in
    ASCII digits, else the text, which the body's check then refuses (400) by its name.
    Only ASCII: str.isdigit() also takes digits such as "²", which int() refuses (a 500)."""
    text = str(form.get(name, "")).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else text


async def _page_set(request: Request, network: dict[str, Any], key: str, form: FormData
                    ) -> None:
    table = _table(request)
    order = [m["id"] for m in current_members(network)]
    pool = [m for m in order if m in form.getlist("pool")]
    body: dict[str, Any] = {"members": [m for m in order if m in form.getlist("members")]}
    if pool:
        body["rotation"] = {"pool": pool, "seats": form_number(form, "seats"),
                            "every_months": form_number(form, "every_months"),
                            "start": str(form.get("start", ""))}
    set_table(request, network, table, table_setting(network, body))


async def page_set(request: Request) -> Response:
    return await page_action(request, _page_set, max_fields=100, anchor="tables")


page_routes = [Route("/n/{network_id}/tables/{table}", page_set, methods=["POST"])]
