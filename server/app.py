"""The application factory and route table."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from partnerboard.plugins.manager import PluginRegistry, build_registry

from . import (
    api,
    board_files,
    brainstorm,
    covenant_api,
    heavy,
    history_api,
    links_api,
    merge,
    metrics,
    network_covenant,
    network_members,
    network_reviews,
    network_tables,
    networks,
    openapi,
    pages,
    participation,
    picture_api,
    plugin_static,
    privacy,
    privacy_api,
    seats,
    signatures,
    voting,
)
from .boards import Boards
from .direct_send import RAW_SEND
from .limits import ConnectionCounter
from .ratelimit import RateLimiter
from .requests import HTTPProblem, problem_response
from .rooms import Rooms
from .settings import Settings
from .store import BoardDamaged, BoardFrozen, open_store
from .update_cost import UpdateCosts
from .websocket import BoardSocket

__all__ = ["create_app"]

log = logging.getLogger("partnerboard")

#: No other host, ever (issue 17: participants' browsers talk to this server only). The
#: WebSocket is allowed to this host alone: ``ws:``/``wss:`` as bare schemes would allow any
#: host, and browsers before CSP 3 do not count a WebSocket to the page's host as ``'self'``.
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'{sockets}; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
_HOST = re.compile(rb"^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(:[0-9]{1,5})?$")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    # Links carry role tokens: never leak them to other sites.
    (b"referrer-policy", b"no-referrer"),
]


def content_security_policy(host: bytes | None) -> bytes:
    """The page policy, its WebSocket source naming the request's own host (none when the
    Host header is missing or malformed: then only ``'self'``)."""
    if host and _HOST.match(host):
        name = host.decode("ascii")
        return _POLICY.format(sockets=f" ws://{name} wss://{name}").encode("ascii")
    return _POLICY.format(sockets="").encode("ascii")


class SecurityHeaders:
    """Adds the Content-Security-Policy (no inline script) and friends to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                # A response may bring a stricter policy of its own (the covenant page).
                policy = (b"content-security-policy",
                          content_security_policy(dict(scope["headers"]).get(b"host")))
                headers += [(n, v) for n, v in (policy, *SECURITY_HEADERS) if n not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: The board socket's path, as Starlette's router would match ``/ws/{board_id}``.
_BOARD_SOCKET = re.compile(r"^/ws/([^/]+)$")


def _route_path(scope: Scope) -> str:
    """The request's path below the app's root path, as Starlette's router matches it."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root):len(root) + 1] in ("", "/"):
        return path[len(root):]
    return path


class KeepRawSend:
    """Outermost: keeps the server's own ASGI ``send`` of a WebSocket in its scope, so the
    board socket can write frames straight to the connection (see direct_send), and hands a
    board's WebSocket (``/ws/{board_id}``) to its endpoint directly.

    The layers in between (the HTTP-only middleware, exception handling, the router) pass a
    WebSocket on unchanged, but each is a coroutine that stays suspended for as long as the
    connection is open, mostly idle (measured: 51.4 -> 48.6 KiB per idle room, one
    connection each)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.board_socket = BoardSocket()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        scope[RAW_SEND] = send
        try:
            board = _BOARD_SOCKET.match(_route_path(scope))
            if board is None:
                await self.app(scope, receive, send)
                return
            scope["path_params"] = {"board_id": board[1]}
            await self.board_socket(scope, receive, send)
        finally:
            # ``send`` is a method of the connection's protocol, which holds the scope: left
            # there, the closed connection's protocol and all it holds (about 30 objects) wait
            # for the cycle collector instead of going at once.
            del scope[RAW_SEND]


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPProblem)
    return problem_response(exc)


async def _frozen(request: Request, exc: Exception) -> Response:
    # The board was finalized, perhaps on another node a moment ago.
    return JSONResponse({"error": "the board is finalized"}, status_code=409)


async def _damaged(request: Request, exc: Exception) -> Response:
    """One board's stored data can't be read: 503 for it alone, and a line for the operator."""
    assert isinstance(exc, BoardDamaged)
    log.error("%s; every other board works; restore this one from a backup", exc)
    if request.url.path.startswith("/b/"):
        return pages.render("error.html", status=503, lang=pages.pick_language(request),
                            field="damaged")
    return JSONResponse(
        {"error": f"board {exc.board_id} cannot be read: its stored data is damaged. "
                  "The operator can restore it from a backup; other boards are not affected."},
        status_code=503,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


def create_app(settings: Settings, registry: PluginRegistry | None = None) -> Starlette:
    """Build the app. Without a registry, installed plugins are loaded from entry points."""
    registry = registry if registry is not None else build_registry()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = metrics.TimedStore(open_store(settings))
        app.state.store = store
        app.state.boards = Boards(store)
        bus = None
        if settings.redis_url:
            from .bus import Bus
            from .bus_entries import KEY_NAME

            bus = Bus(settings.redis_url, store.node_secret(KEY_NAME))
        app.state.bus = bus
        app.state.rooms = Rooms(store, settings, bus)
        if bus is not None:
            bus.start(app.state.rooms)
        app.state.connections = ConnectionCounter(
            settings.max_connections_per_address, settings.max_connections_per_board
        )
        app.state.update_costs = UpdateCosts(settings.update_cpu_share)
        retention = asyncio.create_task(privacy.keep_retention(app.state))
        try:
            yield
        finally:
            retention.cancel()
            await app.state.rooms.shutdown()
            if bus is not None:
                await bus.close()
            heavy.shutdown()
            store.close()
            log.info("partnerboard stopped; every board was flushed")

    routes = [
        *openapi.routes,
        *merge.routes,
        *metrics.routes,
        *board_files.routes,
        *api.routes,
        *covenant_api.routes,
        *history_api.routes,
        *voting.routes,
        *networks.routes,
        *networks.page_routes,
        *network_members.routes,
        *network_members.page_routes,
        *network_covenant.routes,
        *network_covenant.page_routes,
        *network_tables.routes,
        *network_tables.page_routes,
        *network_reviews.routes,
        *network_reviews.page_routes,
        *privacy_api.routes,
        *privacy_api.page_routes,
        *brainstorm.routes,
        *signatures.routes,
        *seats.routes,
        *links_api.routes,
        *participation.routes,
        *picture_api.routes,
        *plugin_static.routes,
        *pages.routes,
        Mount("/static", StaticFiles(directory=pages.WEB_DIR / "static"), name="static"),
        Mount(
            "/assets",
            StaticFiles(directory=pages.WEB_DIR / "dist", check_dir=False),
            name="assets",
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(KeepRawSend), Middleware(SecurityHeaders)],
        exception_handlers={
            HTTPProblem: _problem, HTTPException: _http_error, BoardFrozen: _frozen,
            BoardDamaged: _damaged,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.create_limiter = RateLimiter(settings.create_per_minute)
    app.state.registry = registry
    return app
