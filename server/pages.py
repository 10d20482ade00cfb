"""Server-rendered pages (Jinja2, autoescaped): the landing page, board creation, the board."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from partnerboard.plugins.covenant_words import format_date
from partnerboard.plugins.manager import PluginRegistry

from . import heavy
from .api import MAX_PARTNERS, board_link
from .boards import unique_names
from .i18n import TEXTS, pick_language
from .links_api import qr_data_uri
from .names import has_bidi
from .ratelimit import RateLimiter
from .web_files import web_dir

__all__ = ["routes", "WEB_DIR", "templates", "render", "pick_language", "form_too_large"]

#: The installed ``partnerboard.web`` package: templates/, static/ and the bundle in dist/.
WEB_DIR = web_dir()

templates = Environment(
    loader=FileSystemLoader(WEB_DIR / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def moment_date(seconds: float, lang: str) -> str:
    """A moment (seconds since the epoch) as a date people write: "30 november 2026"."""
    return format_date(datetime.fromtimestamp(seconds, UTC).date().isoformat(), lang)


templates.filters["date"] = moment_date
templates.filters["isodate"] = lambda day, lang: format_date(str(day), lang)
templates.filters["name_of"] = lambda key, names: names.get(key, key)


class PageTexts:
    """One language's page texts for templates, as ``t.key`` and ``t["key"]``.

    A plain dict made ``t.copy`` the dict's own ``copy`` method (Jinja tries attributes before
    keys), so the links page showed ``<built-in method copy of dict object>`` on its buttons.
    Here the only attributes are the texts, so no key can clash with a method.
    """

    __slots__ = ("_texts",)

    def __init__(self, texts: dict[str, str]) -> None:
        self._texts = texts

    def __getattr__(self, key: str) -> str:
        try:
            return self._texts[key]
        except KeyError:
            raise AttributeError(key) from None

    def __getitem__(self, key: str) -> str:
        return self._texts[key]


def render(name: str, status: int = 200, **context: object) -> HTMLResponse:
    lang = str(context.get("lang", "en"))
    html = templates.get_template(name).render(t=PageTexts(TEXTS[lang]), **context)
    return HTMLResponse(html, status_code=status)


async def index(request: Request) -> HTMLResponse:
    lang = pick_language(request)
    registry = request.app.state.registry
    # Guided canvases first (the partnership map walks five steps), then by title.
    specs = sorted(
        (spec for spec, _plugin in registry.canvases.values()),
        key=lambda spec: (-len(spec.steps), spec.title[lang].casefold()),
    )
    canvases = [spec.to_json() for spec in specs]
    return render(
        "index.html",
        lang=lang,
        canvases=canvases,
        needs_key=bool(request.app.state.settings.create_key),
    )


def form_text(form: FormData, name: str) -> str:
    """A form field as text, without NUL characters: a browser never sends them, and
    PostgreSQL text cannot store them (a hand-made form would otherwise get a 500)."""
    return str(form.get(name, "")).replace("\x00", "")


def form_too_large(request: Request) -> bool:
    """A page form must say its size, within the server's message limit (413 otherwise)."""
    declared = request.headers.get("content-length", "")
    return not declared.isdigit() or int(declared) > request.app.state.settings.max_message_bytes


def form_create_refusal(request: Request, form: Any, lang: str) -> HTMLResponse | None:
    """Why a page form may not create (a board or a network) now, as the page to show, or None:
    the server's create key (compared in constant time), then this address's rate."""
    settings = request.app.state.settings
    given = str(form.get("create_key", "")).encode()
    if settings.create_key and not hmac.compare_digest(given, settings.create_key.encode()):
        return render("error.html", status=400, lang=lang, field="create_key")
    wait = request.app.state.create_limiter.take(request.client.host if request.client else "")
    if wait:
        response = render("error.html", status=429, lang=lang, field="too_many")
        response.headers["retry-after"] = RateLimiter.retry_after(wait)
        return response
    return None


async def new_board(request: Request) -> HTMLResponse | RedirectResponse:
    """The landing page's form, handled on the server so creating a board needs no script."""
    lang = pick_language(request)
    if form_too_large(request):
        return render("error.html", status=413, lang=lang, field="size")
    form = await request.form(max_files=0, max_fields=10)
    registry = request.app.state.registry
    spec = registry.canvas(str(form.get("canvas", "")))
    title = form_text(form, "title").strip()[:200]
    language = "en" if form.get("language") == "en" else "nl"
    names = unique_names(line.strip()[:100] for line in form_text(form, "partners").splitlines())
    problem = None
    if spec is None:
        problem = "canvas"
    elif not title:
        problem = "title"
    elif len(names) > MAX_PARTNERS:
        problem = "partners"
    elif has_bidi(*names):
        problem = "bidi"
    if problem:
        return render("error.html", status=400, lang=lang, field=problem)
    refused = form_create_refusal(request, form, lang)
    if refused is not None:
        return refused
    created = request.app.state.boards.create(spec, title, language, names)
    board_id = created.record.id
    links = {
        role.value: board_link(request, board_id, token) for role, token in created.tokens.items()
    }
    qr = {role: qr_data_uri(link) for role, link in links.items()}
    names_by_id = {partner["id"]: partner["name"] for partner in created.record.partners}
    parties = []
    for party_id, token in created.party_tokens.items():
        link = board_link(request, board_id, token)
        parties.append({"id": party_id, "name": names_by_id[party_id], "link": link,
                        "qr": qr_data_uri(link)})
    return render("created.html", lang=lang, board=created.record, links=links, qr=qr,
                  parties=parties, spec=spec.to_json())


async def board_page(request: Request) -> HTMLResponse:
    token = request.query_params.get("token", "")
    found = request.app.state.boards.authenticate(request.path_params["board_id"], token)
    if found is None:
        return render("error.html", status=403, lang=pick_language(request), field="token")
    record, role = found
    lang = pick_language(request, record.language)
    # A board whose stored data is damaged answers 503 here, not a page that cannot sync.
    await heavy.check_board(request.app.state.rooms, record.id)
    return render(
        "board.html",
        lang=lang,
        board=record,
        role=role.value,
        plugin_modules=plugin_modules(request.app.state.registry, record.canvas),
    )


def plugin_modules(registry: PluginRegistry, canvas_id: str) -> list[str]:
    """The browser module of the canvas's plugin, when it ships ``static/board.js``.

    That module draws the canvas's own element kinds through
    ``window.partnerboard.registerKind``; canvases made of notes and arrows need none.
    """
    found = registry.canvases.get(canvas_id)
    if found is None:
        return []
    root = registry.static_root(found[1])
    if root is None or not root.joinpath("board.js").is_file():
        return []
    return [f"/-/plugins/{found[1]}/board.js"]


routes = [
    Route("/", index),
    Route("/new", new_board, methods=["POST"]),
    Route("/b/{board_id}", board_page),
]
