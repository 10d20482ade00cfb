"""Secrets stay out of the server log, log lines can't be forged, and board creation is limited.

All against a real server process, reading the log file it writes.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import websockets
from conftest import ServerProcess
from websockets.exceptions import ConnectionClosed, InvalidStatus

from partnerboard.server.logs import scrub
from partnerboard.server.ratelimit import RateLimiter

CREATE_KEY = "create-key-Zq81xv-never-in-a-log"


def test_scrub_redacts_secrets_and_escapes_control_characters():
    line = 'GET /b/x?lang=nl&token=abc-DEF_1&key=k1 "Bearer eyJhbGci.x" \n\r\x00\u2028 ok'
    assert scrub(line) == (
        'GET /b/x?lang=nl&token=[redacted]&key=[redacted] "Bearer [redacted]" '
        "\\x0a\\x0d\\x00\\u2028 ok"
    )


async def _use_every_link(server: ServerProcess, board: dict) -> None:
    for role, token in board["tokens"].items():
        async with websockets.connect(f"{server.ws_url}/{board['id']}?token={token}") as ws:
            await ws.recv()  # sync step 1: the connection was accepted
        assert role
    try:
        async with websockets.connect(f"{server.ws_url}/{board['id']}?token=wrong-token-77") as ws:
            await ws.recv()
            await ws.recv()
    except (ConnectionClosed, InvalidStatus):
        pass


def test_no_token_or_create_key_in_any_log_line(tmp_path: Path):
    server = ServerProcess(tmp_path / "data", "--log-level", "info",
                           "--create-key", CREATE_KEY).start()
    try:
        body = {"canvas": "partnership-map", "title": "Wijk", "partners": [{"name": "Gemeente"}]}
        by_header = httpx.post(server.url + "/api/boards", json=body,
                               headers={"authorization": f"Bearer {CREATE_KEY}"})
        by_query = httpx.post(server.url + f"/api/boards?token={CREATE_KEY}", json=body)
        assert by_header.status_code == by_query.status_code == 201
        by_form = httpx.post(server.url + "/new", data={
            "canvas": "partnership-map", "title": "Form", "create_key": CREATE_KEY})
        assert by_form.status_code == 200
        board = by_header.json()
        for role, link in board["links"].items():
            assert httpx.get(link).status_code == 200, role
            token = board["tokens"][role]
            assert httpx.get(f"{server.url}/api/boards/{board['id']}?token={token}").json()[
                "role"] == role
            httpx.get(f"{server.url}/api/boards/{board['id']}",
                      headers={"authorization": f"Bearer {token}"})
            httpx.get(f"{server.url}/api/boards/{board['id']}/covenant?format=html&token={token}")
        asyncio.run(_use_every_link(server, board))
        secrets = [CREATE_KEY, *board["tokens"].values(), *by_query.json()["tokens"].values()]
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert "uvicorn.access" in log and "[redacted]" in log  # the access log was on
    assert "WebSocket /ws/" in log
    for secret in secrets:
        assert secret not in log


def test_a_board_id_with_a_newline_cannot_forge_a_log_line(tmp_path: Path):
    server = ServerProcess(tmp_path / "data", "--log-level", "info").start()
    forged = "x%0AERROR%20partnerboard:%20FORGED%0D%0AINFO%20FORGED"
    try:
        httpx.get(f"{server.url}/b/{forged}?token=t")
        httpx.get(f"{server.url}/api/boards/{forged}?token=t")

        async def connect() -> None:
            try:
                async with websockets.connect(f"{server.ws_url}/{forged}?token=t") as ws:
                    await ws.recv()
                    await ws.recv()
            except (ConnectionClosed, InvalidStatus):
                pass

        asyncio.run(connect())
    finally:
        server.stop()
    lines = server.log_path.read_text().splitlines()
    assert any("FORGED" in line for line in lines)  # the attempts were logged...
    for line in lines:  # ...but never as a line of their own
        assert not line.startswith(("ERROR partnerboard: FORGED", "INFO FORGED")), line
    assert any("refused a connection" in line and "\\x0a" in line for line in lines)


def test_boards_per_address_per_minute_is_limited_with_retry_after(tmp_path: Path):
    server = ServerProcess(tmp_path / "data", "--create-per-minute", "5").start()
    body = {"canvas": "partnership-map", "title": "Wijk"}
    try:
        answers = [httpx.post(server.url + "/api/boards", json=body) for _ in range(6)]
        assert [a.status_code for a in answers] == [201] * 5 + [429]
        refused = answers[-1]
        assert "at most 5 a minute" in refused.json()["error"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        form = httpx.post(server.url + "/new", data={"canvas": "partnership-map", "title": "F"})
        assert form.status_code == 429 and form.headers["retry-after"]
        assert 'data-field="too_many"' in form.text
        # Another client address is not held back by this one.
        other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        with other:
            assert other.post(server.url + "/api/boards", json=body).status_code == 201
    finally:
        server.stop()


def test_rate_limiter_refills_steadily():
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(60)] == [0.0] * 60
    wait = limiter.take("a")
    assert 0.9 <= wait <= 1.0
    now[0] += 1.0
    assert limiter.take("a") == 0.0 and limiter.take("a") > 0
    assert limiter.take("b") == 0.0
    assert RateLimiter(0).take("a") == 0.0  # 0 = no limit


def test_the_limit_is_an_option_of_serve():
    helped = subprocess.run([sys.executable, "-m", "partnerboard.server.cli", "serve", "--help"],
                            capture_output=True, text=True, check=True).stdout
    assert "--create-per-minute" in helped and "PARTNERBOARD_CREATE_PER_MINUTE" in helped
