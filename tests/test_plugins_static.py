"""Plugin static files under /-/plugins/<name>/, and the /-/plugins.json listing."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import app_settings
from starlette.applications import Starlette
from starlette.testclient import TestClient

from partnerboard.plugins.manager import PluginRegistry
from partnerboard.plugins.testing import registry_with
from partnerboard.server import plugin_static

PLUGIN = '''
from dataclasses import replace

from partnerboard.canvases.partnership_map import SPEC
from partnerboard.plugins import hookimpl


@hookimpl
def partnerboard_canvases():
    return [replace(SPEC, id="{canvas}")]
'''


@pytest.fixture
def plugins_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Two plugin packages: pb_static_demo ships static files, pb_static_broken is broken."""
    site = tmp_path / "site"
    demo = site / "pb_static_demo"
    (demo / "static" / "js").mkdir(parents=True)
    (demo / "__init__.py").write_text(PLUGIN.format(canvas="static-demo"))
    (demo / "static" / "kinds.js").write_text("export const kinds = [];\n")
    (demo / "static" / "js" / "deep.css").write_text("body {}\n")
    (demo / "static" / ".hidden").write_text("secret")
    (demo / "secret.py").write_text("TOKEN = 'never served'\n")
    (demo / "static" / "escape.txt").symlink_to(tmp_path / "outside.txt")
    (tmp_path / "outside.txt").write_text("outside the static directory")
    broken = site / "pb_static_broken"
    (broken / "static").mkdir(parents=True)
    (broken / "__init__.py").write_text(PLUGIN.format(canvas="Not A Slug"))
    (broken / "static" / "kinds.js").write_text("export const kinds = [];\n")
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in ("pb_static_demo", "pb_static_broken"):
        sys.modules.pop(name, None)


@pytest.fixture
def registry(plugins_dir: Path) -> PluginRegistry:
    demo = importlib.import_module("pb_static_demo")
    broken = importlib.import_module("pb_static_broken")
    return registry_with(demo, broken, names=["demo", "broken"])


@pytest.fixture
def client(registry: PluginRegistry) -> Iterator[TestClient]:
    app = Starlette(routes=plugin_static.routes)
    app.state.registry = registry
    with TestClient(app) as test_client:
        yield test_client


def test_a_plugin_file_is_served_with_its_media_type(client):
    answer = client.get("/-/plugins/demo/kinds.js")
    assert answer.status_code == 200
    assert answer.text == "export const kinds = [];\n"
    assert answer.headers["content-type"].split(";")[0] in (
        "text/javascript", "application/javascript")
    assert answer.headers["cache-control"] == "no-cache"
    nested = client.get("/-/plugins/demo/js/deep.css")
    assert nested.status_code == 200 and nested.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path",
    [
        "/-/plugins/demo/missing.js",
        "/-/plugins/demo/js",                      # a directory
        "/-/plugins/demo/.hidden",
        "/-/plugins/demo/%2e%2e/secret.py",        # ../secret.py, encoded
        "/-/plugins/demo/js/%2e%2e/%2e%2e/secret.py",
        "/-/plugins/demo/..%2fsecret.py",
        "/-/plugins/demo/%2Fetc%2Fpasswd",
        "/-/plugins/demo/js%5C..%5C..%5Csecret.py",  # backslashes
        "/-/plugins/demo/escape.txt",              # a symlink out of static/
        "/-/plugins/broken/kinds.js",              # broken plugins serve nothing
        "/-/plugins/nobody/kinds.js",
    ],
)
def test_nothing_outside_a_working_plugins_static_directory_is_served(client, path):
    answer = client.get(path)
    assert answer.status_code == 404
    assert "never served" not in answer.text and "outside" not in answer.text


def test_the_listing_says_which_plugins_ship_static_files(client, registry):
    listed = client.get("/-/plugins.json").json()
    assert listed == registry.to_json()
    by_name = {info["name"]: info for info in listed}
    assert by_name["demo"]["static"] is True and by_name["demo"]["state"] == "ok"
    assert by_name["demo"]["canvases"] == ["static-demo"]
    assert by_name["broken"]["state"] == "broken" and by_name["broken"]["static"] is False
    assert "canvas 'Not A Slug': id:" in by_name["broken"]["errors"][0]


def test_find_static_checks_every_part_before_touching_the_file_system(registry):
    assert plugin_static.find_static(registry, "demo", "kinds.js") is not None
    for path in ("", "/kinds.js", "js//deep.css", "../demo/static/kinds.js", "C:kinds.js",
                 "kinds.js\x00.png", "./kinds.js"):
        assert plugin_static.find_static(registry, "demo", path) is None, path


def test_built_in_canvases_are_listed_with_or_without_static_files():
    from partnerboard.canvases import game_rules, partnership_map

    # The partnership map is notes and arrows only; game rules bring their browser module.
    registry = registry_with(partnership_map, game_rules, names=["partnership-map", "game-rules"])
    assert registry.static_root("partnership-map") is None
    assert registry.static_root("game-rules").joinpath("board.js").is_file()
    assert {info["name"]: info["static"] for info in registry.to_json()} == {
        "game-rules": True, "partnership-map": False}


def test_board_page_loads_the_canvas_plugins_browser_module(
    registry: PluginRegistry, plugins_dir: Path, tmp_path: Path, database_url: str
) -> None:
    from partnerboard.server.app import create_app

    (plugins_dir / "pb_static_demo" / "static" / "board.js").write_text("// draws kinds\n")
    settings = app_settings(tmp_path / "data", database_url)
    with TestClient(create_app(settings, registry)) as app_client:
        board = app_client.post(
            "/api/boards", json={"canvas": "static-demo", "title": "Demo"}
        ).json()
        page = app_client.get(f"/b/{board['id']}?token={board['tokens']['observer']}")
        assert '<script type="module" src="/-/plugins/demo/board.js"></script>' in page.text
        assert app_client.get("/-/plugins/demo/board.js").text == "// draws kinds\n"


def test_a_file_name_too_long_for_the_file_system_is_404_not_500(client):
    for name in ("a" * 256, "a" * 5000, "a" * 255 + "/b", "js/" + "b" * 300 + ".css"):
        answer = client.get(f"/-/plugins/demo/{name}")
        assert answer.status_code == 404, (len(name), answer.text[:200])
