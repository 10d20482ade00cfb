"""The built-in canvases' browser code comes the way a third-party canvas's does: as the
plugin's static/board.js, through window.partnerboard (issue 15, "one path for browser code")."""

from __future__ import annotations

import os

import httpx
from conftest import ServerProcess
from playwright.sync_api import expect


def kinds(page) -> list[str]:  # noqa: ANN001
    return sorted(page.evaluate("() => window.partnerboard.registeredKinds()"))


def test_the_core_bundle_holds_only_the_core_kinds_and_each_canvas_brings_its_own(
    open_board, server
):
    plain = open_board(server.create_board(canvas="partnership-map"))
    assert kinds(plain) == ["arrow", "comment", "note"]  # the core kinds
    assert plain.locator("script[src^='/-/plugins/']").count() == 0
    assert plain.evaluate("() => window.partnerboard.version") == 1

    for canvas, kind, action in (("influence-dependency", "partner", "new-partner"),
                                 ("game-rules", "rule", "new-rule"),
                                 ("building-blocks", "score", "new-score")):
        page = open_board(server.create_board(canvas=canvas))
        module = f"/-/plugins/{canvas}/board.js"
        expect(page.locator(f"script[src='{module}']")).to_have_count(1)
        assert kinds(page) == sorted(["arrow", "comment", "note", kind])
        expect(page.locator(f"[data-action={action}]")).to_be_visible()
        answer = httpx.get(server.url + module, timeout=5)
        assert answer.status_code == 200
        assert "javascript" in answer.headers["content-type"]
        # The module uses the page's API, not a copy of the core (nor of Yjs) of its own.
        assert "window.partnerboard" in answer.text and "yjs" not in answer.text.lower()


def test_a_scaffolded_canvas_module_adds_its_tool_through_the_same_api(tmp_path, open_board):
    from partnerboard.server.scaffold import new_canvas

    root, _files = new_canvas("risk-matrix", tmp_path / "made")
    site = tmp_path / "site"
    dist_info = site / "partnerboard_risk_matrix-0.1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: partnerboard-risk-matrix\nVersion: 0.1.0\n")
    (dist_info / "entry_points.txt").write_text(
        "[partnerboard]\nrisk-matrix = partnerboard_risk_matrix\n")
    (root / "partnerboard_risk_matrix").rename(site / "partnerboard_risk_matrix")
    path = os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])
    process = ServerProcess(tmp_path / "data", env={"PYTHONPATH": path}).start()
    try:
        board = process.create_board("risk-matrix")
        page = open_board(board, name="Anna", org="Gemeente")
        tool = page.locator("[data-action=new-idea]")
        expect(tool).to_have_text("New idea")
        tool.click()
        expect(page.locator(".note")).to_have_count(1)
        expect(page.locator(".note textarea.note-editor")).to_be_focused()
        page.keyboard.type("Een gedeelde helpdesk")
        page.keyboard.press("Escape")
        expect(page.locator(".note")).to_contain_text("Een gedeelde helpdesk")
    finally:
        process.stop()
