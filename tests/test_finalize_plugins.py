"""Finalizing with a canvas plugin that misbehaves: the board is finalized all the same (its
covenant without that plugin's sections), never a 500 that leaves the board half frozen."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import app_settings
from starlette.testclient import TestClient

from partnerboard.canvases import partnership_map
from partnerboard.plugins import exporters, hookimpl
from partnerboard.plugins.manager import PluginRegistry, build_registry
from partnerboard.server.app import create_app

SPEC = replace(partnership_map.SPEC, id="odd-canvas")


def odd_plugin(extra: Callable[[], Any]) -> ModuleType:
    """A canvas plugin whose covenant item carries ``extra()`` under the key ``odd``."""
    module = ModuleType("odd")

    def partnerboard_canvases() -> list[Any]:
        return [SPEC]

    def partnerboard_covenant() -> dict[str, Any]:
        return {"odd": [{"text": "t", "org": "", "element": "", "odd": extra()}]}

    for function in (partnerboard_canvases, partnerboard_covenant):
        setattr(module, function.__name__, hookimpl(function))
    return module


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@contextmanager
def running(data: Path, registry: PluginRegistry, database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings(data, database_url), registry),
                    raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(("extra", "problem"), [
    # json.dumps writes NaN; canonical JSON has none: finalize was a 500
    (lambda: math.nan, "not plain JSON data"),
    (lambda: {"b": 1, 2: "a"}, "not plain JSON data"),  # keys that cannot be sorted: a 500
    (lambda: nested(5000), "nests deeper"),  # deeper than the encoder recurses: a 500
    # finalized, but no document but JSON rendered (500) and its board file was "damaged"
    (lambda: nested(400), "nests deeper"),
], ids=["nan", "mixed-keys", "very-deep", "deep"])
def test_a_plugin_item_the_stored_covenant_cannot_hold_is_left_out(
        tmp_path, database_url, extra, problem):
    registry = build_registry(entry_points=False, plugins=[
        ("odd", odd_plugin(extra)), ("covenant-formats", exporters)])
    with running(tmp_path, registry, database_url) as client:
        board = client.post("/api/boards", json={
            "canvas": SPEC.id, "title": "t", "language": "en", "partners": [{"name": "A"}],
        }).json()
        headers = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
        done = client.post(f"/api/boards/{board['id']}/finalize", headers=headers)
        assert done.status_code == 200, done.text
        assert done.json()["covenant"]["sections"] == {}
        for fmt in ("md", "docx"):
            document = client.get(f"/api/boards/{board['id']}/covenant?format={fmt}",
                                  headers=headers)
            assert document.status_code == 200, document.text
        exported = client.get(f"/api/boards/{board['id']}/export", headers=headers).content
        moved = client.post("/api/boards/import", content=exported)
        assert moved.status_code == 201, moved.text
    assert registry.plugins["odd"].state == "failing"
    assert problem in registry.plugins["odd"].errors[0]
