"""A board made with a newer version of its canvas than the server has opens read-only, and
says why (issue 15, "Migrations")."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from test_canvas_migrations import server, site  # noqa: F401 - site is a fixture


def test_a_board_from_a_newer_canvas_version_is_shown_read_only_with_the_reason(
    tmp_path, site, open_board  # noqa: F811
):
    data = tmp_path / "data"
    newer = server(data, site, "2.0")
    try:
        board = newer.create_board("tables", language="en")
    finally:
        newer.stop()
    older = server(data, site, "1.0")
    try:
        page = open_board({**board, "links": {
            role: link.replace(newer.url, older.url) for role, link in board["links"].items()}},
            role="facilitator")
        banner = page.locator(".banner.newer-canvas")
        expect(banner).to_contain_text("made with version 2.0 of this canvas")
        expect(banner).to_contain_text("this server has version 1.0")
        expect(page.locator("#app")).to_have_class(re.compile(r"\bread-only\b"))
        expect(page.locator("[data-action=new-note]")).to_be_hidden()
    finally:
        older.stop()
