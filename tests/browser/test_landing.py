"""The landing page: pick a canvas, create a board, get the three links."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect


def test_create_a_board_from_the_landing_page_and_open_a_link(browser: Browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    try:
        page = context.new_page()
        page.goto(server.url + "/?lang=en")
        cards = page.locator(".canvas-card")
        expect(cards).to_have_count(4)
        expect(cards.first).to_contain_text("Partnership map")
        page.get_by_label("Game rules").check()
        page.get_by_label("Board title").fill("Rules for the <b>winter</b>")
        page.get_by_label("Partner organisations (one per line)").fill("Gemeente\nPolitie\n")
        page.get_by_role("button", name="Create board").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("Rules for the <b>winter</b>")
        rows = page.locator(".link-row")
        expect(rows).to_have_count(3)
        expect(rows.nth(2)).to_contain_text("cannot change anything")
        parties = page.locator(".party-row")
        expect(parties).to_have_count(2)
        expect(parties.nth(1).locator("dt")).to_have_text("Politie")
        expect(parties.nth(1).locator("img.qr")).to_have_attribute(
            "src", re.compile("^data:image/svg"))
        politie = parties.nth(1).locator("input").input_value()
        participant = page.locator(".link-row[data-role=participant] input").input_value()
        assert re.search(r"/b/\w+\?token=[\w-]{32}$", participant)
        page.bring_to_front()  # the clipboard is only there for the focused page
        page.locator(".link-row[data-role=participant] button.copy").click()
        expect(page.locator(".link-row[data-role=participant] button.copy")).to_have_class(
            re.compile("copied"))
        assert page.evaluate("navigator.clipboard.readText()") == participant

        page.goto(participant)
        expect(page.locator("#app")).to_have_attribute("data-rendered", "true")
        expect(page.get_by_role("dialog")).to_contain_text("guest")  # the join dialog
        page.goto(politie)
        expect(page.get_by_role("dialog")).to_contain_text("on behalf of Politie")
    finally:
        context.close()


def test_links_page_copy_buttons_are_labelled_in_both_languages(browser: Browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        for lang, label in (("nl", "Kopiëren"), ("en", "Copy")):
            page.goto(f"{server.url}/?lang={lang}")
            page.locator(".canvas-card input").first.check()
            page.locator("input[name=title]").fill("Kopieerknoppen")
            page.locator("form button[type=submit]").click()
            buttons = page.locator("button.copy")
            expect(buttons).to_have_count(3)
            assert buttons.all_inner_texts() == [label] * 3
            expect(page.locator("body")).not_to_contain_text("built-in method")
    finally:
        context.close()
