"""Loading plugins: a broken plugin is reported and skipped while every other canvas works."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from conftest import ServerProcess

from partnerboard.canvases import partnership_map
from partnerboard.plugins import Rect, hookimpl
from partnerboard.plugins.manager import build_registry
from partnerboard.plugins.testing import build_board, covenant_stub

GOOD_SPEC = replace(partnership_map.SPEC, id="good-canvas")


def plugin(name: str, **hooks: Callable[..., object]) -> ModuleType:
    """A plugin module with the given hook implementations."""
    module = ModuleType(name)
    for hook, function in hooks.items():
        function.__name__ = hook
        setattr(module, hook, hookimpl(function))
    return module


def good() -> ModuleType:
    return plugin(
        "good",
        partnerboard_canvases=lambda: [GOOD_SPEC],
        partnerboard_covenant=lambda board: {"good": [{"text": "g", "org": "", "element": ""}]},
    )


def test_an_invalid_spec_marks_its_plugin_broken_and_skips_all_its_hooks(caplog):
    outside = replace(GOOD_SPEC, id="bad-canvas",
                      zones=(replace(GOOD_SPEC.zones[0], rect=Rect(2300, 0, 500, 100)),),
                      steps=())
    covenant_calls = []
    bad = plugin("bad", partnerboard_canvases=lambda: [outside],
                 partnerboard_covenant=lambda board: covenant_calls.append(board))
    with caplog.at_level(logging.ERROR, "partnerboard.plugins"):
        registry = build_registry(entry_points=False, plugins=[("bad", bad), ("good", good())])
    info = registry.plugins["bad"]
    assert info.state == "broken" and info.canvases == []
    assert "plugin 'bad', canvas 'bad-canvas': zones[0].rect:" in info.errors[0]
    assert "bad is broken" in caplog.text
    assert list(registry.canvases) == ["good-canvas"]
    board = build_board(GOOD_SPEC)
    sections = registry.covenant_sections(board, GOOD_SPEC, covenant_stub(board))
    assert list(sections) == ["good"] and covenant_calls == []


@pytest.mark.parametrize(
    ("hooks", "words"),
    [
        ({"partnerboard_canvases": lambda: 1 / 0}, "partnerboard_canvases raised ZeroDivision"),
        ({"partnerboard_canvases": lambda: GOOD_SPEC}, "must return a list"),
        ({"partnerboard_canvases": lambda: [{"id": "x"}]}, "must be a CanvasSpec, got dict"),
        ({"partnerboard_canvas": lambda: []}, "unknown hook 'partnerboard_canvas'"),
        ({"partnerboard_covenant": lambda board, colour: None}, "cannot register"),
    ],
)
def test_a_plugin_that_cannot_declare_canvases_is_broken_and_the_others_load(hooks, words):
    registry = build_registry(entry_points=False,
                              plugins=[("bad", plugin("bad", **hooks)), ("good", good())])
    assert registry.plugins["bad"].state == "broken"
    assert words in " ".join(registry.plugins["bad"].errors)
    assert registry.plugins["good"].state == "ok"
    assert list(registry.canvases) == ["good-canvas"]


def test_hook_wrappers_are_refused():
    def partnerboard_canvases():
        return (yield)

    wrapper = ModuleType("wrapper")
    wrapper.partnerboard_canvases = hookimpl(wrapper=True)(partnerboard_canvases)
    registry = build_registry(entry_points=False, plugins=[("wrapper", wrapper), ("good", good())])
    assert registry.plugins["wrapper"].state == "broken"
    assert "wrappers are not supported" in registry.plugins["wrapper"].errors[0]
    assert list(registry.canvases) == ["good-canvas"]


def test_a_covenant_hook_that_raises_or_returns_nonsense_is_failing_and_skipped(caplog):
    raising_spec = replace(GOOD_SPEC, id="raising-canvas")
    nonsense_spec = replace(GOOD_SPEC, id="nonsense-canvas")
    raising = plugin("raising", partnerboard_canvases=lambda: [raising_spec],
                     partnerboard_covenant=lambda board: {}["missing"])
    nonsense = plugin("nonsense", partnerboard_canvases=lambda: [nonsense_spec],
                      partnerboard_covenant=lambda: {"s": [{"text": 1}]})
    registry = build_registry(entry_points=False, plugins=[
        ("raising", raising), ("nonsense", nonsense), ("good", good())])
    with caplog.at_level(logging.ERROR, "partnerboard.plugins"):
        for spec in (raising_spec, nonsense_spec):
            board = build_board(spec)
            assert registry.covenant_sections(board, spec, covenant_stub(board)) == {}
    board = build_board(GOOD_SPEC)
    sections = registry.covenant_sections(board, GOOD_SPEC, covenant_stub(board))
    assert sections == {"good": [{"text": "g", "org": "", "element": ""}]}
    assert registry.plugins["raising"].state == "failing"
    assert "partnerboard_covenant raised KeyError" in registry.plugins["raising"].errors[0]
    assert registry.plugins["nonsense"].state == "failing"
    assert "s[0].text: missing or not a str" in registry.plugins["nonsense"].errors[0]
    assert "plugin raising raised in partnerboard_covenant" in caplog.text
    assert sorted(registry.canvases) == ["good-canvas", "nonsense-canvas", "raising-canvas"]


def test_event_hooks_are_isolated_and_get_only_the_arguments_they_ask_for():
    seen = []
    registry = build_registry(entry_points=False, plugins=[
        ("listener", plugin("listener",
                            partnerboard_board_created=lambda board: seen.append(board.id),
                            partnerboard_board_finalized=lambda covenant: seen.append("fin"))),
        ("raising", plugin("raising", partnerboard_board_created=lambda: 1 / 0)),
    ])
    board = build_board(GOOD_SPEC)
    assert registry.call_each("partnerboard_board_created", board=board) == []
    registry.call_each("partnerboard_board_finalized", board=board, covenant={})
    assert seen == ["test-board", "fin"]
    assert registry.plugins["raising"].state == "failing"
    assert registry.plugins["listener"].state == "ok"


def test_exporters_are_collected_installed_plugins_before_built_ins():
    class Exporter:
        media_type = "text/plain"

        def __init__(self, fmt: str) -> None:
            self.format = fmt

        def render(self, covenant: dict) -> str:
            return self.format

    def partnerboard_exporters():
        return [Exporter("txt-built-in")]

    built_in = ModuleType("built_in")
    built_in.partnerboard_exporters = hookimpl(trylast=True)(partnerboard_exporters)
    installed = plugin("installed", partnerboard_exporters=lambda: [Exporter("txt")])
    registry = build_registry(entry_points=False,
                              plugins=[("built-in", built_in), ("installed", installed)])
    found = registry.call_each("partnerboard_exporters")
    assert [(name, [e.format for e in exporters]) for name, exporters in found] == [
        ("installed", ["txt"]), ("built-in", ["txt-built-in"])]


def test_a_canvas_id_declared_twice_goes_to_the_first_plugin_and_the_other_is_told():
    registry = build_registry(entry_points=False, plugins=[
        ("first", good()), ("second", good())])
    # pluggy calls the last registered first: "second" declared the canvas first.
    assert registry.canvases["good-canvas"][1] == "second"
    assert "already from second" in registry.plugins["first"].errors[0]


def test_tracing_logs_every_hook_call(caplog):
    registry = build_registry(entry_points=False, plugins=[("good", good())], trace=True)
    with caplog.at_level(logging.INFO, "partnerboard.plugins"):
        registry.call_each("partnerboard_board_created", board=build_board(GOOD_SPEC))
        registry.call_each("partnerboard_canvases")
    assert "hook partnerboard_canvases: calling plugin good" in caplog.text


# Through entry points: a fake installed distribution on sys.path.

FAKE_PLUGINS = {
    "pb_fake_import_error": "import not_a_module_anywhere\n",
    "pb_fake_invalid": """
        from dataclasses import replace
        from partnerboard.canvases.partnership_map import SPEC
        from partnerboard.plugins import hookimpl

        @hookimpl
        def partnerboard_canvases():
            return [replace(SPEC, id="fake-invalid", steps=("values", "nowhere"))]
    """,
    "pb_fake_raising": """
        from partnerboard.plugins import hookimpl

        @hookimpl
        def partnerboard_canvases():
            raise RuntimeError("boom")
    """,
}


@pytest.fixture
def fake_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory with an 'installed' distribution of three broken plugins, on sys.path."""
    site = tmp_path / "site"
    dist_info = site / "pb_fake_plugins-1.2.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: pb-fake-plugins\n"
                                        "Version: 1.2\n")
    (dist_info / "entry_points.txt").write_text(
        "[partnerboard]\n" + "".join(f"{m[8:].replace('_', '-')} = {m}\n" for m in FAKE_PLUGINS))
    for module, source in FAKE_PLUGINS.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(site))
    yield site
    for module in FAKE_PLUGINS:
        sys.modules.pop(module, None)


def test_broken_entry_points_are_reported_and_the_built_ins_still_load(fake_site):
    registry = build_registry()
    states = {name: info.state for name, info in registry.plugins.items()}
    assert states["import-error"] == states["invalid"] == states["raising"] == "broken"
    assert "import failed: ModuleNotFoundError" in registry.plugins["import-error"].errors[0]
    assert "steps[1]: names zone 'nowhere'" in registry.plugins["invalid"].errors[0]
    assert registry.plugins["invalid"].version == "1.2"
    assert "RuntimeError('boom')" in registry.plugins["raising"].errors[0]
    for canvas in ("partnership-map", "influence-dependency", "game-rules", "building-blocks"):
        assert registry.plugins[canvas].state == "ok"
        assert registry.canvas(canvas) is not None


def _pythonpath(site: Path) -> str:
    return os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])


def test_partnerboard_plugins_lists_versions_canvases_and_states(fake_site):
    command = [sys.executable, "-m", "partnerboard.server.cli", "plugins"]
    env = {**os.environ, "PYTHONPATH": _pythonpath(fake_site)}
    listed = json.loads(subprocess.run([*command, "--json"], env=env, capture_output=True,
                                       text=True, check=True, timeout=60).stdout)
    by_name = {info["name"]: info for info in listed}
    assert by_name["game-rules"]["canvases"] == ["game-rules"]
    assert by_name["game-rules"]["state"] == "ok" and by_name["game-rules"]["version"]
    assert "partnerboard_covenant" in by_name["game-rules"]["hooks"]
    assert by_name["invalid"]["state"] == "broken" and by_name["invalid"]["version"] == "1.2"
    text = subprocess.run(command, env=env, capture_output=True, text=True, check=True,
                          timeout=60).stdout
    assert "building-blocks" in text and "[broken]" in text and "! import failed" in text


def test_the_server_starts_with_broken_plugins_and_serves_every_good_canvas(fake_site, tmp_path):
    process = ServerProcess(tmp_path / "data", env={"PYTHONPATH": _pythonpath(fake_site)})
    try:
        process.start()
        canvases = httpx.get(process.url + "/api/canvases", timeout=5).json()
        ids = {canvas["id"] for canvas in canvases}
        assert {"partnership-map", "influence-dependency", "game-rules", "building-blocks"} <= ids
        assert "fake-invalid" not in ids
        board = process.create_board("building-blocks")
        assert board["canvas"] == "building-blocks"
    finally:
        process.stop()
    assert "raising is broken" in process.log_path.read_text()
