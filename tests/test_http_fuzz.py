"""/openapi.json describes every route, and a property-based fuzzer of the HTTP API built from
it (schemathesis) finds no server error against a real server.

The fuzzer gets real board ids and tokens of every role, on boards in every state (open, with
a voting round, finalized), so its requests get past authentication into each endpoint's own
checks; it sends both valid and schema-violating data. ``PARTNERBOARD_FUZZ_EXAMPLES`` sets
the examples per operation and generation mode: 8 in ``make test``, which runs it once on each
store with examples drawn afresh each run (16 per operation and mode in all); ``make fuzz`` runs
it with 100.
"""

from __future__ import annotations

import copy
import os
import random
import time
from pathlib import Path

import httpx
import pytest
import schemathesis
from conftest import ServerProcess, once_whatever_the_store
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from starlette.routing import Route

from partnerboard.server.app import create_app
from partnerboard.server.openapi import OPERATIONS, openapi_document
from partnerboard.server.settings import load_settings

EXAMPLES = int(os.environ.get("PARTNERBOARD_FUZZ_EXAMPLES", "8"))
#: Operations that change a board's state for good run last, so the others see every state.
LAST = ("/finalize", "/versions", "/voting/close")


@once_whatever_the_store("an app built on a SQLite data dir in either pass; no request made")
def test_every_route_of_the_app_is_declared_in_openapi(tmp_path: Path):
    app = create_app(load_settings({"data_dir": tmp_path}, environ={}))
    document = openapi_document(app.routes, "test")
    assert document["openapi"] == "3.1.0"
    seen = set()
    for route in app.routes:
        if not isinstance(route, Route):
            continue
        path = route.path.replace("{path:path}", "{path}")
        for method in route.methods - {"HEAD"}:
            assert (method, path) in OPERATIONS, f"{method} {path} has no OpenAPI declaration"
            operation = document["paths"][path][method.lower()]
            assert "undocumented" not in operation["tags"]
            assert operation["responses"], f"{method} {path} declares no answers"
            seen.add((method, path))
    assert seen == set(OPERATIONS), f"declared but not routed: {set(OPERATIONS) - seen}"
    # schemathesis reads it as valid OpenAPI 3.1 with an operation per declaration.
    schema = schemathesis.openapi.from_dict(document)
    assert len([result.ok() for result in schema.get_all_operations()]) == len(OPERATIONS)


def _boards(server: ServerProcess) -> dict[str, dict]:
    """Boards in every state the API distinguishes."""
    boards = {"open": server.create_board(), "spare": server.create_board(),
              "voting": server.create_board(), "final": server.create_board()}
    facilitator = {"authorization": f"Bearer {boards['voting']['tokens']['facilitator']}"}
    opened = httpx.post(f"{server.url}/api/boards/{boards['voting']['id']}/voting",
                        json={"votes_per_participant": 5}, headers=facilitator, timeout=60)
    assert opened.status_code == 201
    facilitator = {"authorization": f"Bearer {boards['final']['tokens']['facilitator']}"}
    assert httpx.post(f"{server.url}/api/boards/{boards['final']['id']}/finalize",
                      headers=facilitator, timeout=60).status_code == 200
    return boards


def _with_known_values(raw: dict, boards: dict[str, dict]) -> dict:
    """The schema with real ids and tokens offered next to whatever else it allows."""
    raw = copy.deepcopy(raw)
    ids = [board["id"] for board in boards.values()]
    refs = [{"id": board["id"], "token": token}
            for board in boards.values() for token in board["tokens"].values()]
    known = {"board_id": ids, "canvas_id": ["partnership-map", "game-rules"],
             "plugin": ["partnership-map", "covenant-formats"]}
    for operations in raw["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in known:
                    parameter["schema"] = {"anyOf": [{"enum": known[parameter["name"]]},
                                                     parameter["schema"]]}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            boards_field = (body or {}).get("schema", {}).get("properties", {}).get("boards")
            if boards_field:
                boards_field["items"] = {"anyOf": [{"enum": refs}, boards_field["items"]]}
    return raw


@pytest.mark.timeout(max(900, EXAMPLES * 60))
def test_fuzzing_the_http_api_from_its_openapi_finds_no_server_error(tmp_path: Path):
    server = ServerProcess(tmp_path / "data").start()
    started = time.monotonic()
    try:
        boards = _boards(server)
        tokens = {board["id"]: board["tokens"] for board in boards.values()}
        raw = httpx.get(f"{server.url}/openapi.json", timeout=60).json()
        schema = schemathesis.openapi.from_dict(_with_known_values(raw, boards))
        operations = sorted((result.ok() for result in schema.get_all_operations()),
                            key=lambda op: (op.path.endswith(LAST), op.path, op.method))
        failures: list[str] = []
        counts = {"requests": 0}
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(server.url, operation, mode, tokens, failures, counts)
    finally:
        server.stop()
    log = server.log_path.read_text()
    print(f"\nfuzzed {len(operations)} operations with {counts['requests']} requests "
          f"in {time.monotonic() - started:.0f} s")
    assert not failures, "\n".join(failures[:20])
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log[-3000:]


def _fuzz(base_url: str, operation, mode, tokens: dict[str, dict], failures: list[str],  # noqa: ANN001
          counts: dict[str, int]) -> None:
    roles = ["facilitator", "participant", "observer", None]

    @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(roles),
           where=st.sampled_from(["header", "query"]))
    # Generate only: failures are collected below, not shrunk (shrinking replays schemathesis's
    # negative strategies, which hypothesis then reports as inconsistent).
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    def check(case, role, where) -> None:  # noqa: ANN001
        board = tokens.get((case.path_parameters or {}).get("board_id", ""))
        headers, params = {}, {}
        if role is not None:
            token = board[role] if board else random.choice(list(tokens.values()))[role]
            if where == "header":
                headers["Authorization"] = f"Bearer {token}"
            else:
                params["token"] = token
        response = case.call(base_url=base_url, headers=headers, params=params, timeout=60)
        counts["requests"] += 1
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {case.method} {case.formatted_path} "
                            f"{case.query!r} {case.body!r:.300}: {response.text[:300]}")

    try:
        check()
    except Exception as error:  # schemathesis could not generate for this operation
        if "Unsatisfiable" not in type(error).__name__:
            raise


@pytest.mark.parametrize("path", ["/openapi.json"])
def test_openapi_is_served(server, path):
    answer = httpx.get(server.url + path)
    assert answer.status_code == 200
    document = answer.json()
    assert "/api/boards/{board_id}/votes" in document["paths"]
    create = document["paths"]["/api/boards"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "canvas", "title"]
    assert "429" in create["responses"]
