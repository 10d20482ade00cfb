"""The example canvas plugin's own element kind in Chromium: drawn, edited, toggled and read out
by its browser module through window.partnerboard, as a built-in canvas's kinds are."""

from __future__ import annotations

import re

import httpx
from conftest import ServerProcess
from playwright.sync_api import expect
from test_example_plugin import example_site


def test_seats_are_added_edited_and_rotated_and_every_participant_sees_them(
    tmp_path, open_board
):
    server = ServerProcess(tmp_path / "data",
                           env={"PYTHONPATH": example_site(tmp_path / "site")}).start()
    try:
        board = server.create_board("roles", language="en",
                                    partners=[{"name": "Gemeente"}, {"name": "Zorg"}])
        anna = open_board(board, name="Anna", org="Gemeente")
        bram = open_board(board, name="Bram", org="Zorg")
        anna.locator("[data-action=new-seat]").click()
        anna.keyboard.type("Wethouder Ayla")
        anna.keyboard.press("Escape")
        card = anna.locator(".seat")
        expect(card).to_contain_text("Wethouder Ayla")
        card.locator(".seat-rotates").click()
        expect(card.locator(".seat-rotates")).to_have_attribute("aria-pressed", "true")

        remote = bram.locator(".seat")
        expect(remote).to_have_class(re.compile(r"\brotating\b"))
        expect(remote).to_have_attribute(
            "aria-label", "Seat of Gemeente: Wethouder Ayla, rotates (no end date yet)")
        # The outline reads seats with the kind's own label, as it does notes.
        bram.locator("[data-action=outline]").click()
        expect(bram.locator(".outline")).to_contain_text("Seat of Gemeente: Wethouder Ayla")

        answer = httpx.get(f"{server.url}/api/boards/{board['id']}/covenant/preview",
                           timeout=10, headers={
                               "Authorization": f"Bearer {board['tokens']['facilitator']}"})
        assert answer.status_code == 200, answer.text
        sections = answer.json()["sections"]
        assert [(i["text"], i["rotates"]) for i in sections["delegation"]] == [
            ("Wethouder Ayla", True)]
    finally:
        server.stop()
