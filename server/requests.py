"""Reading what HTTP clients send: JSON bodies, text fields and board tokens.

All the rules for a request body live here, so every JSON endpoint refuses the same inputs the
same way: a body over the size limit (413), bytes that are not UTF-8 JSON, nesting deeper than
:data:`MAX_DEPTH`, and strings holding lone surrogates (400). The depth is measured on the raw
bytes before the parser runs, because Python's JSON decoder recurses once per level and a few
kilobytes of brackets would otherwise end in a RecursionError (a 500). Lone surrogates decode
from ``\\ud800`` escapes into strings that SQLite, the WebSocket and every exporter refuse to
encode later, so they are refused at the door.

Every failure becomes an :class:`HTTPProblem`, which the app turns into a JSON error answer:
bad input never becomes a 500.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from .json_depth import MAX_DEPTH, json_depth

__all__ = [
    "HTTPProblem",
    "MAX_DEPTH",
    "bearer_token",
    "json_depth",
    "parse_json",
    "problem_response",
    "read_body",
    "read_json",
    "read_json_object",
    "text_field",
]

_SURROGATE = re.compile("[\ud800-\udfff]")


class HTTPProblem(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def problem_response(problem: HTTPProblem) -> JSONResponse:
    return JSONResponse(
        {"error": problem.message}, status_code=problem.status, headers=problem.headers
    )


def _check_strings(value: Any) -> None:
    """Refuse strings (keys included) with lone surrogates; ``value`` is at most MAX_DEPTH deep."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise HTTPProblem(400, "request body holds invalid Unicode (a lone surrogate)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def parse_json(body: bytes) -> Any:
    """The JSON value of a request body, or an HTTPProblem (400) saying what is wrong."""
    if not body.strip():
        raise HTTPProblem(400, "request body is empty: send a JSON object")
    if json_depth(body) > MAX_DEPTH:
        raise HTTPProblem(400, f"request body nests deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise HTTPProblem(400, f"request body is not valid JSON: {error}") from None
    _check_strings(value)
    return value


#: A whole request body may take this many times ``--request-timeout`` (its parts, each one),
#: and a second more for every BODY_BYTES_PER_SECOND it brings: a trickle is cut off, a large
#: upload over a slow line is not (a fixed total cut off a 1 MiB board file sent at 70 kbit/s).
BODY_TIMEOUTS = 8
BODY_BYTES_PER_SECOND = 4096


async def read_body(request: Request, limit: int, too_big: str | None = None) -> bytes:
    """The request's body, at most ``limit`` bytes (413 with ``too_big`` beyond), its parts
    at most ``--request-timeout`` apart and all of it within BODY_TIMEOUTS of that, plus a
    second for every BODY_BYTES_PER_SECOND that came (408).

    Without the deadlines a client sending a byte now and then held its connection, and for
    some requests what the server had read for them, as long as it liked (an attack review)."""
    idle = float(request.app.state.settings.request_timeout)
    too_big = too_big or f"request body is larger than {limit} bytes"
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPProblem(413, too_big)
    body = bytearray()
    chunks = request.stream()
    loop = asyncio.get_running_loop()
    end = loop.time() + BODY_TIMEOUTS * idle
    while True:
        try:
            async with asyncio.timeout(min(idle, max(0.0, end - loop.time()))):
                chunk = await anext(chunks)
        except StopAsyncIteration:
            return bytes(body)
        except TimeoutError:
            raise HTTPProblem(408, "request body not complete in time") from None
        body.extend(chunk)
        end += len(chunk) / BODY_BYTES_PER_SECOND
        if len(body) > limit:
            raise HTTPProblem(413, too_big)


async def read_json(request: Request, limit: int) -> Any:
    return parse_json(await read_body(request, limit))


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request's JSON body, which must be an object, within the server's size limit."""
    body = await read_json(request, request.app.state.settings.max_message_bytes)
    if not isinstance(body, dict):
        raise HTTPProblem(400, "request body must be a JSON object")
    return body


def text_field(body: dict[str, Any], name: str, limit: int, *, required: bool = True) -> str:
    """A non-empty string field of at most ``limit`` characters, stripped.

    NUL is refused: no name or title needs it, and PostgreSQL text cannot store it.
    """
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise HTTPProblem(400, f"field {name!r} is required and must be a non-empty string")
    if len(value) > limit:
        raise HTTPProblem(400, f"field {name!r} is longer than {limit} characters")
    if "\x00" in value:
        raise HTTPProblem(400, f"field {name!r} must not contain NUL characters")
    return value.strip()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("token") or None
