"""Privacy on a network's boards (issue 17): pages that ask no other host, a person's export
and erasure on request, and names replaced by their organisation after the network's
retention period. In-process, on the suite's store (SQLite, or PostgreSQL with
``--store postgres``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import app_settings
from starlette.testclient import TestClient

from partnerboard.server.app import create_app


@pytest.fixture
def client(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    app = create_app(app_settings(tmp_path, database_url))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_pages_allow_no_other_host(client):
    for path in ("/", "/networks"):
        policy = client.get(path, headers={"host": "board.example.org:8443"}).headers[
            "content-security-policy"]
        sources = [word for part in policy.split(";") for word in part.split()[1:]]
        assert "*" not in sources and "ws:" not in sources and "wss:" not in sources
        assert all(word.startswith("'") or word in (
            "data:", "ws://board.example.org:8443", "wss://board.example.org:8443")
            for word in sources), policy
        assert "connect-src 'self' ws://board.example.org:8443 wss://board.example.org:8443;" \
            in policy
    # A Host header that is no host name gets no WebSocket source at all (only 'self').
    policy = client.get("/", headers={"host": "evil.example; script-src *"}).headers[
        "content-security-policy"]
    assert "connect-src 'self';" in policy and "evil" not in policy
