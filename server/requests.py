"""Reading what HTTP clients send: JSON bodies with a size limit, and board tokens.

Every failure becomes an :class:`HTTPProblem`, which the app turns into a JSON error answer:
bad input never becomes a 500.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

__all__ = ["HTTPProblem", "read_json", "bearer_token", "problem_response"]


class HTTPProblem(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def problem_response(problem: HTTPProblem) -> JSONResponse:
    return JSONResponse({"error": problem.message}, status_code=problem.status)


async def read_json(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPProblem(413, f"request body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise HTTPProblem(413, f"request body is larger than {limit} bytes")
    if not body:
        raise HTTPProblem(400, "request body is empty: send a JSON object")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise HTTPProblem(400, f"request body is not valid JSON: {error}") from None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("token") or None
