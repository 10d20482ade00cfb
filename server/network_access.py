"""Opening a network with its key, for the JSON API and for the network page's forms.

The key is a token like a board's: only its hash is stored, it is compared in constant time, and
an unknown network answers exactly like a wrong key (403), so ids cannot be probed. Every
network endpoint goes through :func:`open_network`; every form on the network page through
:func:`page_action`, which answers with the page again (303) or an error page, never a 500.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .pages import form_too_large, pick_language, render
from .requests import HTTPProblem, bearer_token
from .store import could_be_stored_id
from .tokens import hash_token, matches

__all__ = ["network_key", "network_link", "open_network", "opened", "page_action"]

_DUMMY_HASH = hash_token("no network has this key")


def network_link(request: Request, network_id: str, key: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/n/{network_id}?key={key}"


def network_key(request: Request) -> str | None:
    """The key a request presents: ``Authorization: Bearer`` or ``?key=``."""
    return bearer_token(request) or request.query_params.get("key")


def open_network(request: Request, key: str | None) -> dict[str, Any]:
    """The network the key opens; 401 without a key, 403 (the same for unknown ids) otherwise."""
    if not key:
        raise HTTPProblem(401, "this needs the network's key (Authorization: Bearer … or ?key=…)")
    network_id = request.path_params["network_id"]
    # An id no network can have (too long, a NUL that PostgreSQL text cannot hold) is not
    # looked up, and answers like any unknown network.
    found = request.app.state.store.network(network_id) if could_be_stored_id(network_id) \
        else None
    network, key_hash = found if found is not None else (None, _DUMMY_HASH)
    if not matches(key, key_hash) or network is None:
        raise HTTPProblem(403, "the key is not valid for this network")
    return network


def opened(request: Request) -> tuple[dict[str, Any], str]:
    """(the network, its key) of an API request."""
    key = network_key(request)
    return open_network(request, key), key or ""


#: What a page form does once the key has opened the network; raises HTTPProblem to refuse.
FormAction = Callable[[Request, dict[str, Any], str, FormData], Awaitable[None]]


async def page_action(request: Request, action: FormAction, *, max_fields: int = 10,
                      anchor: str = "") -> Response:
    """Run a form of the network page: back to the page (303) when done, else an error page
    that says what was wrong (the key's field in the form, like the board forms)."""
    lang = pick_language(request)
    if form_too_large(request):
        return render("error.html", status=413, lang=lang, field="size")
    # A malformed form or too many fields: starlette's HTTPException, a 400 like elsewhere.
    form = await request.form(max_files=0, max_fields=max_fields)
    key = str(form.get("key", ""))
    try:
        network = open_network(request, key)
        await action(request, network, key, form)
    except HTTPProblem as problem:
        field = {403: "key", 401: "key", 429: "too_many"}.get(problem.status, "form")
        return render("error.html", status=problem.status, lang=lang, field=field,
                      message=problem.message)
    target = f"/n/{network['id']}?key={key}&lang={lang}"
    return RedirectResponse(target + (f"#{anchor}" if anchor else ""), status_code=303)
