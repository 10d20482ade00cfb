"""``/metrics`` (Prometheus text) and ``/healthz`` of one node."""

from __future__ import annotations

import asyncio
import re

import httpx
from yclient import YClient, connected, wait_for

SAMPLE = re.compile(r"^([a-z_]+)(\{[^}]*\})? (-?[0-9.e+-]+|NaN)$")


def scrape(url: str) -> dict[str, float]:
    """Every sample of a scrape, checked line by line against the text format."""
    answer = httpx.get(url + "/metrics", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, float] = {}
    for line in answer.text.splitlines():
        if line.startswith("# "):
            assert line.startswith(("# HELP partnerboard_", "# TYPE partnerboard_"))
            continue
        found = SAMPLE.match(line)
        assert found, f"not a Prometheus sample: {line!r}"
        samples[found.group(1) + (found.group(2) or "")] = float(found.group(3))
    return samples


def test_metrics_count_rooms_connections_updates_and_rejections(server):
    board = server.create_board()
    before = scrape(server.url)

    async def scenario() -> dict[str, float]:
        async with connected(server.board_ws(board)) as one, \
                connected(server.board_ws(board)) as two:
            for index in range(5):
                one.add_note(f"m{index}", "counted")
            await wait_for(lambda: len(two.elements) == 5, what="notes on the second client")
            during = scrape(server.url)
            wrong = await YClient(f"{server.ws_url}/{board['id']}?token=wrong").connect()
            await wrong.wait_closed()
            return during

    during = asyncio.run(scenario())
    after = scrape(server.url)
    assert during["partnerboard_rooms"] >= 1
    assert during["partnerboard_connections"] >= 2
    assert during["partnerboard_updates_total"] >= before["partnerboard_updates_total"] + 5
    assert during['partnerboard_store_seconds_count{method="append_update"}'] >= 5
    assert after['partnerboard_rejected_total{reason="token"}'] >= 1
    assert "partnerboard_redis_connected" not in after  # one node: no Redis


def test_healthz_reports_the_store(server):
    answer = httpx.get(server.url + "/healthz", timeout=5).json()
    assert answer["status"] == "ok" and answer["store"] == "ok"
    assert "redis" not in answer
