"""A canvas plugin that misbehaves: the board is finalized all the same (its covenant without
that plugin's sections), never a 500 that leaves the board half frozen; and what went wrong,
listed for anyone at /-/plugins.json, tells nothing of any board."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from time import time
from types import ModuleType
from typing import Any

import pytest
from conftest import app_settings
from pycrdt import Map, Text
from starlette.testclient import TestClient

from partnerboard.canvases import partnership_map
from partnerboard.plugins import BoardSnapshot, exporters, hookimpl
from partnerboard.plugins.exporters import FunctionExporter
from partnerboard.plugins.manager import MAX_ERRORS, PluginRegistry, build_registry
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


def scoring_plugin() -> ModuleType:
    """A canvas plugin that reads every note as a score: ``float(text)`` raises, and the
    exception's message holds the note's text."""
    module = ModuleType("scores")

    def partnerboard_canvases() -> list[Any]:
        return [SPEC]

    def partnerboard_covenant(board: BoardSnapshot) -> dict[str, Any]:
        return {"scores": [{"text": str(float(e.text)), "org": e.org, "element": e.id}
                           for e in board.of_kind("note")]}

    for function in (partnerboard_canvases, partnerboard_covenant):
        setattr(module, function.__name__, hookimpl(function))
    return module


def test_what_a_failing_hook_raised_shows_no_board_text_and_stays_short(tmp_path, database_url):
    registry = build_registry(entry_points=False, plugins=[("scores", scoring_plugin())])
    with running(tmp_path, registry, database_url) as client:
        app: Any = client.app
        for secret in range(3):
            board = client.post("/api/boards", json={
                "canvas": SPEC.id, "title": "t", "language": "en", "partners": [{"name": "A"}],
            }).json()

            def write(doc: Any, text: str = f"wachtlijst van Jan {secret}") -> None:
                doc.get("elements", type=Map)["n1"] = Map({
                    "kind": "note", "x": 10.0, "y": 10.0, "w": 160.0, "h": 100.0,
                    "text": Text(text), "author": "Jan", "org": "A", "color": "#ffe066",
                    "created": time() * 1000})

            app.state.rooms.server_change(board["id"], write)
            preview = client.get(f"/api/boards/{board['id']}/covenant/preview", headers={
                "Authorization": f"Bearer {board['tokens']['facilitator']}"})
            assert preview.status_code == 200, preview.text
        listed = {p["name"]: p for p in client.get("/-/plugins.json").json()}
    assert listed["scores"]["state"] == "failing"
    assert listed["scores"]["errors"] == ["partnerboard_covenant raised ValueError"]
    assert "wachtlijst" not in str(listed)


def test_a_plugin_keeps_only_its_first_problems(tmp_path):
    """Problems that differ by the board (here: which item is wrong) fill no memory."""
    nonsense = ModuleType("nonsense")

    def partnerboard_canvases() -> list[Any]:
        return [SPEC]

    def partnerboard_covenant(board: BoardSnapshot) -> dict[str, Any]:
        ok = {"text": "t", "org": "", "element": ""}
        return {"s": [ok] * int(board.title) + [{"text": 1}]}

    for function in (partnerboard_canvases, partnerboard_covenant):
        setattr(nonsense, function.__name__, hookimpl(function))
    registry = build_registry(entry_points=False, plugins=[("nonsense", nonsense)])
    for count in range(MAX_ERRORS * 3):
        board = BoardSnapshot(id="b", canvas=SPEC.id, title=str(count))
        assert registry.covenant_sections(board, SPEC, {}) == {}
    errors = registry.plugins["nonsense"].errors
    assert len(errors) == MAX_ERRORS
    assert "s[0].text: missing or not a str" in errors[0]


def meddling_plugin(seen: list[str]) -> ModuleType:
    """A canvas plugin whose hooks change the covenant they are given to read; its covenant
    hook notes the snapshot's sha256 it is given in ``seen``."""
    module = ModuleType("meddler")

    def partnerboard_canvases() -> list[Any]:
        return [SPEC]

    def partnerboard_covenant(covenant: dict[str, Any]) -> dict[str, Any]:
        seen.append(covenant["board"]["snapshot_sha256"])
        covenant["parties"].append({"id": "p9", "name": "Intruder", "color": "#000"})
        covenant["parties"][0]["name"] = "Renamed"
        covenant["board"]["title"] = "Another title"
        covenant["participants"].append({"name": "Ghost", "organisation": "A"})
        return {"values": [{"text": "t", "org": "A", "element": ""}]}

    def partnerboard_board_finalized(covenant: dict[str, Any]) -> None:
        covenant["sections"].clear()
        covenant["parties"].clear()
        covenant["title"] = "changed after the fact"

    for function in (partnerboard_canvases, partnerboard_covenant,
                     partnerboard_board_finalized):
        setattr(module, function.__name__, hookimpl(function))
    return module


def test_a_plugin_changes_the_covenant_only_through_what_it_returns(tmp_path, database_url):
    seen: list[str] = []
    registry = build_registry(entry_points=False, plugins=[
        ("meddler", meddling_plugin(seen)), ("covenant-formats", exporters)])
    with running(tmp_path, registry, database_url) as client:
        board = client.post("/api/boards", json={
            "canvas": SPEC.id, "title": "Our title", "language": "en",
            "partners": [{"name": "A"}, {"name": "B"}]}).json()
        headers = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
        done = client.post(f"/api/boards/{board['id']}/finalize", headers=headers)
        assert done.status_code == 200, done.text
        stored = client.get(f"/api/boards/{board['id']}/covenant", headers=headers).json()
    for covenant in (done.json()["covenant"], stored):
        assert [p["name"] for p in covenant["parties"]] == ["A", "B"]
        assert covenant["board"]["title"] == covenant["title"] == "Our title"
        assert covenant["participants"] == []
        assert [item["text"] for item in covenant["sections"]["values"]] == ["t"]
    assert done.json()["covenant"] == stored
    # The hook reads the frozen board's snapshot hash (DESIGN §9), not an empty one.
    assert seen == [done.json()["snapshot_sha256"]]


def broken_format_plugin() -> ModuleType:
    """A plugin with a covenant format whose renderer raises (its message names a party)."""
    module = ModuleType("odd-format")

    def render(covenant: dict[str, Any]) -> str:
        raise KeyError(f"no layout for {covenant['parties'][0]['name']}")

    def partnerboard_exporters() -> list[Any]:
        return [FunctionExporter("odd", "text/plain", "txt", render)]

    module.partnerboard_exporters = hookimpl(partnerboard_exporters)  # type: ignore[attr-defined]
    return module


def test_a_format_whose_exporter_raises_answers_a_json_error_naming_it(
        tmp_path, database_url, caplog):
    registry = build_registry(entry_points=False, plugins=[
        ("odd-format", broken_format_plugin()), ("canvas", odd_plugin(lambda: 1)),
        ("covenant-formats", exporters)])
    with running(tmp_path, registry, database_url) as client:
        board = client.post("/api/boards", json={
            "canvas": SPEC.id, "title": "t", "language": "en",
            "partners": [{"name": "Wachtlijst Jan"}]}).json()
        headers = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
        assert client.post(f"/api/boards/{board['id']}/finalize",
                           headers=headers).status_code == 200
        failed = client.get(f"/api/boards/{board['id']}/covenant?format=odd", headers=headers)
        assert failed.status_code == 500
        error = failed.json()["error"]
        assert "'odd'" in error and "'odd-format'" in error
        assert "Traceback" not in failed.text and "Wachtlijst" not in failed.text
        assert client.get(f"/api/boards/{board['id']}/covenant?format=md",
                          headers=headers).status_code == 200
        listed = {p["name"]: p for p in client.get("/-/plugins.json").json()}
    assert listed["odd-format"]["state"] == "failing"
    assert listed["odd-format"]["errors"] == ["exporter 'odd' raised KeyError"]
    assert "no layout for Wachtlijst Jan" in caplog.text  # the traceback, for the operator
