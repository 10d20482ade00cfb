"""The HTTP API (DESIGN.md §4), in-process: each test builds its own app."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from partnerboard.canvases import partnership_map
from partnerboard.plugins.manager import build_registry
from partnerboard.server.app import create_app
from partnerboard.server.settings import load_settings

BOARD = {
    "canvas": "partnership-map",
    "title": "Jeugd in de wijk",
    "language": "nl",
    "partners": [{"name": "Gemeente"}, {"name": "Bibliotheek"}],
}


def make_client(tmp_path: Path, **overrides: object) -> TestClient:
    settings = load_settings({"data_dir": tmp_path, **overrides}, environ={})
    registry = build_registry(entry_points=False, plugins=[("partnership-map", partnership_map)])
    return TestClient(create_app(settings, registry))


@pytest.fixture
def client(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    with make_client(tmp_path, database_url=database_url or None) as test_client:
        yield test_client


def test_healthz(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_canvases_list_and_spec(client):
    listed = client.get("/api/canvases").json()
    assert [c["id"] for c in listed] == ["partnership-map"]
    assert set(listed[0]) == {"id", "version", "title", "description", "plugin"}
    spec = client.get("/api/canvases/partnership-map").json()
    assert [zone["id"] for zone in spec["zones"]][:5] == [
        "values", "relations", "acting", "conditions", "actions"
    ]
    assert spec["steps"] == ["values", "relations", "acting", "conditions", "actions"]
    # Right to left: step 1 is the rightmost column.
    xs = [next(z["rect"]["x"] for z in spec["zones"] if z["id"] == s) for s in spec["steps"]]
    assert xs == sorted(xs, reverse=True)


def test_unknown_canvas_is_404(client):
    answer = client.get("/api/canvases/nope")
    assert answer.status_code == 404
    assert "nope" in answer.json()["error"]


def test_create_board_returns_three_distinct_strong_tokens_and_links(client):
    answer = client.post("/api/boards", json=BOARD)
    assert answer.status_code == 201
    board = answer.json()
    assert board["state"] == "open" and board["canvas"] == "partnership-map"
    tokens = board["tokens"]
    assert set(tokens) == {"facilitator", "participant", "observer"}
    assert len(set(tokens.values())) == 3
    assert all(len(token) >= 32 for token in tokens.values())  # 192 bits, url-safe base64
    for role, link in board["links"].items():
        assert link.endswith(f"/b/{board['id']}?token={tokens[role]}")
    for role, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"}
        seen = client.get(f"/api/boards/{board['id']}", headers=headers)
        assert seen.status_code == 200
        assert seen.json()["role"] == role
        assert seen.json()["title"] == "Jeugd in de wijk"


def test_tokens_are_stored_only_as_hashes(client, tmp_path, database_url):
    board = client.post("/api/boards", json=BOARD).json()
    if database_url:
        raw = subprocess.run(["pg_dump", database_url], capture_output=True, check=True).stdout
    else:
        raw = (tmp_path / "partnerboard.sqlite3").read_bytes()
        wal = tmp_path / "partnerboard.sqlite3-wal"
        raw += wal.read_bytes() if wal.exists() else b""
    assert board["id"].encode() in raw
    for token in board["tokens"].values():
        assert token.encode() not in raw


def test_missing_token_is_401_and_wrong_token_403_the_same_for_unknown_boards(client):
    board = client.post("/api/boards", json=BOARD).json()
    assert client.get(f"/api/boards/{board['id']}").status_code == 401
    wrong = client.get(f"/api/boards/{board['id']}?token=guess")
    unknown = client.get("/api/boards/doesnotexist?token=guess")
    other_board = client.get(f"/api/boards/doesnotexist?token={board['tokens']['facilitator']}")
    assert wrong.status_code == unknown.status_code == other_board.status_code == 403
    assert wrong.json() == unknown.json() == other_board.json()


@pytest.mark.parametrize(
    ("body", "status", "mentions"),
    [
        pytest.param(b"{not json", 400, "JSON", id="malformed-json"),
        pytest.param(b"", 400, "empty", id="empty-body"),
        pytest.param(b"[1, 2]", 400, "object", id="not-an-object"),
        pytest.param(b'{"title": "x"}', 400, "canvas", id="missing-canvas"),
        pytest.param(b'{"canvas": "partnership-map"}', 400, "title", id="missing-title"),
        pytest.param(b'{"canvas": "partnership-map", "title": 5}', 400, "title", id="title-type"),
        pytest.param(
            b'{"canvas": "partnership-map", "title": "x", "language": "fr"}', 400, "language",
            id="bad-language",
        ),
        pytest.param(
            b'{"canvas": "partnership-map", "title": "x", "partners": [{"nom": "a"}]}', 400,
            "name", id="partner-without-name",
        ),
        pytest.param(
            b'{"canvas": "partnership-map", "title": "x", "partners": "a,b"}', 400, "partners",
            id="partners-not-a-list",
        ),
        pytest.param(
            b'{"canvas": "partnership-map", "title": "x", "partners": [{"name": "A"}, '
            b'{"name": "a"}]}', 400, "twice", id="duplicate-partner",
        ),
        pytest.param(b'{"canvas": "nope", "title": "x"}', 404, "nope", id="unknown-canvas"),
        pytest.param(b"\xff\xfe\x00", 400, "JSON", id="binary-garbage"),
    ],
)
def test_bad_create_requests_get_a_clear_4xx(client, body, status, mentions):
    answer = client.post("/api/boards", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status
    assert mentions in answer.json()["error"]


def test_oversized_body_is_413(client):
    big = b'{"canvas": "partnership-map", "title": "' + b"x" * (1024 * 1024 + 1) + b'"}'
    answer = client.post("/api/boards", content=big)
    assert answer.status_code == 413
    assert "larger" in answer.json()["error"]


def test_create_key_is_enforced_when_set(tmp_path, database_url):
    with make_client(tmp_path, create_key="s3cret-key",
                     database_url=database_url or None) as keyed:
        assert keyed.post("/api/boards", json=BOARD).status_code == 401
        wrong = keyed.post("/api/boards", json=BOARD, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        right = keyed.post(
            "/api/boards", json=BOARD, headers={"Authorization": "Bearer s3cret-key"}
        )
        assert right.status_code == 201


def test_pages_carry_a_csp_without_inline_script(client):
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "Partnership map" in page.text or "Partnerschapskaart" in page.text


def test_landing_page_form_creates_a_board_and_escapes_the_title(client):
    answer = client.post(
        "/new?lang=en",
        data={"canvas": "partnership-map", "title": "<script>alert(1)</script>",
              "language": "en", "partners": "Gemeente\nSchool\n"},
    )
    assert answer.status_code == 200
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
    assert answer.text.count("/b/") >= 3


def test_board_page_refuses_a_wrong_token(client):
    board = client.post("/api/boards", json=BOARD).json()
    assert client.get(f"/b/{board['id']}?token=nope").status_code == 403
    page = client.get(board["links"]["participant"].replace("http://testserver", ""))
    assert page.status_code == 200
    assert 'data-role="participant"' in page.text
