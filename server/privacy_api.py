"""HTTP routes and page forms of a network's privacy (issue 17): retention, export, erasure.

Every route needs the network's key (``Authorization: Bearer KEY``, ``?key=`` or, in a page
form, the ``key`` field) and acts on that network's boards only. A person is named in the
request body, never in the URL: a name in a path or query string ends up in access logs and
browser histories, which is what this is meant to prevent.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .names import name_key
from .network_access import network_key, open_network
from .pages import form_too_large, pick_language, render
from .privacy import (
    Person,
    apply_network_retention,
    erase_person,
    export_person,
)
from .requests import HTTPProblem, read_json_object, text_field

__all__ = ["routes", "page_routes", "MAX_MONTHS"]

#: Ten years: longer is no retention period.
MAX_MONTHS = 120
MAX_PERSON = 100
MAX_ORG = 100


def months_of(raw: object) -> int | None:
    """A retention period: whole months from 1 to 120, or None (names are kept)."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_MONTHS:
        raise HTTPProblem(400, f"field 'months' must be a whole number from 1 to {MAX_MONTHS}, "
                          "or null to keep names")
    return raw


def person_of(body: dict[str, Any]) -> Person:
    name = text_field(body, "name", MAX_PERSON)
    if not name_key(name):
        raise HTTPProblem(400, "field 'name' has no visible characters")
    org = text_field(body, "organisation", MAX_ORG, required=False)
    return Person(name, org or None)


def _remove_text(body: dict[str, Any]) -> bool:
    value = body.get("remove_text", False)
    if not isinstance(value, bool):
        raise HTTPProblem(400, "field 'remove_text' must be true or false")
    return value


def set_retention(request: Request, network: dict[str, Any], months: int | None
                  ) -> list[dict[str, Any]]:
    """Keep the period and apply it to the network's boards at once."""
    store = request.app.state.store
    now = time.time()
    store.set_retention(network["id"], months, now)
    if months is None:
        return []
    return apply_network_retention(request.app.state, network["id"], months, now)


async def read_retention(request: Request) -> JSONResponse:
    network = open_network(request, network_key(request))
    months = request.app.state.store.retention(network["id"])
    return JSONResponse({"months": months})


async def write_retention(request: Request) -> JSONResponse:
    network = open_network(request, network_key(request))
    body = await read_json_object(request)
    if "months" not in body:
        raise HTTPProblem(400, "field 'months' is required (a number of months, or null)")
    months = months_of(body["months"])
    applied = set_retention(request, network, months)
    return JSONResponse({"months": months, "applied": applied})


async def export(request: Request) -> JSONResponse:
    network = open_network(request, network_key(request))
    person = person_of(await read_json_object(request))
    found = export_person(request.app.state, network, person)
    if not found["boards"] and not found["contacts"]:
        raise HTTPProblem(404, "this name is on none of the network's boards")
    return JSONResponse(found)


async def erase(request: Request) -> JSONResponse:
    network = open_network(request, network_key(request))
    body = await read_json_object(request)
    person, remove_text = person_of(body), _remove_text(body)
    done, contacts = erase_person(request.app.state, network, person, remove_text=remove_text)
    if not done and not contacts:
        raise HTTPProblem(404, "this name is on none of the network's boards")
    return JSONResponse({"person": {"name": person.name, "organisation": person.org},
                         "boards": done, "contacts": contacts})


routes = [
    Route("/api/networks/{network_id}/retention", read_retention, methods=["GET"]),
    Route("/api/networks/{network_id}/retention", write_retention, methods=["PUT"]),
    Route("/api/networks/{network_id}/people/export", export, methods=["POST"]),
    Route("/api/networks/{network_id}/people/erase", erase, methods=["POST"]),
]


# -- the network page's forms ------------------------------------------------------------------


async def _form(request: Request) -> tuple[str, FormData | Response]:
    lang = pick_language(request)
    if form_too_large(request):
        return lang, render("error.html", status=413, lang=lang, field="size")
    form = await request.form(max_files=0, max_fields=10)
    try:
        open_network(request, str(form.get("key", "")))
    except HTTPProblem:
        return lang, render("error.html", status=403, lang=lang, field="key")
    return lang, form


def _fields(form: FormData, *names: str) -> dict[str, Any]:
    """The form's text fields as a JSON body would give them (an empty field is absent)."""
    return {name: str(form.get(name, "")) or None for name in names}


def _done(request: Request, lang: str, form: FormData, status: int, **context: Any) -> Response:
    network = open_network(request, str(form.get("key", "")))
    return render("network_privacy_done.html", status=status, lang=lang, network=network,
                  key=str(form.get("key", "")), **context)


async def retention_form(request: Request) -> Response:
    lang, form = await _form(request)
    if isinstance(form, Response):
        return form
    raw = str(form.get("months", "")).strip()
    try:
        months = months_of(int(raw)) if raw else None
    except (ValueError, HTTPProblem):
        return _done(request, lang, form, 400, message="privacy_bad_months")
    network = open_network(request, str(form.get("key", "")))
    applied = set_retention(request, network, months)
    return _done(request, lang, form, 200, heading="retention_saved", months=months,
                 boards=applied, boards_heading="retention_applied")


async def _person_form(request: Request) -> Response | tuple[str, FormData, Person]:
    """The export and erase forms: the form and the person it names, or the page that says
    what was wrong."""
    lang, form = await _form(request)
    if isinstance(form, Response):
        return form
    try:
        return lang, form, person_of(_fields(form, "name", "organisation"))
    except HTTPProblem:
        return _done(request, lang, form, 400, message="privacy_bad_name")


async def export_form(request: Request) -> Response:
    read = await _person_form(request)
    if isinstance(read, Response):
        return read
    lang, form, person = read
    network = open_network(request, str(form.get("key", "")))
    found = export_person(request.app.state, network, person)
    if not found["boards"] and not found["contacts"]:
        return _done(request, lang, form, 404, message="person_not_found")
    return Response(json.dumps(found, ensure_ascii=False, indent=2), media_type="application/json",
                    headers={"content-disposition":
                             'attachment; filename="partnerboard-person-export.json"'})


async def erase_form(request: Request) -> Response:
    read = await _person_form(request)
    if isinstance(read, Response):
        return read
    lang, form, person = read
    if form.get("confirm") != "yes":
        return _done(request, lang, form, 400, message="privacy_confirm_needed")
    network = open_network(request, str(form.get("key", "")))
    done, contacts = erase_person(request.app.state, network, person,
                                  remove_text=form.get("remove_text") == "yes")
    if not done and not contacts:
        return _done(request, lang, form, 404, message="person_not_found")
    return _done(request, lang, form, 200, heading="person_erased", boards=done,
                 boards_heading="person_boards")


page_routes = [
    Route("/n/{network_id}/retention", retention_form, methods=["POST"]),
    Route("/n/{network_id}/people/export", export_form, methods=["POST"]),
    Route("/n/{network_id}/people/erase", erase_form, methods=["POST"]),
]
