"""A network's home in the browser (issue 17, first part): started from the landing page,
its key link shown once, boards made for it with the members filled in and opened from it."""

from __future__ import annotations

from playwright.sync_api import expect


def test_start_a_network_and_make_its_first_board_from_its_page(browser, server):
    page = browser.new_page()
    try:
        page.goto(server.url + "/?lang=en")
        page.get_by_role("link", name="Start a network").click()
        form = page.locator("form.new-network-form")
        form.get_by_label("Name of the network").fill("Youth in North")
        form.get_by_label("Member organisations (one per line)").fill(
            "Gemeente Noord\nZorggroep\n")
        form.get_by_role("button", name="Create network").click()
        expect(page.locator("h1")).to_have_text("Network created: Youth in North")
        link = page.locator(".network-link input").input_value()
        assert "/n/" in link and "key=" in link

        page.goto(link + "&lang=en")
        expect(page.locator("h1")).to_have_text("Youth in North")
        expect(page.locator(".members li .member-name")).to_have_text(["Gemeente Noord",
                                                                       "Zorggroep"])
        expect(page.locator(".empty", has_text="No boards yet")).to_be_visible()
        new = page.locator("form.network-new-board")
        new.get_by_label("Canvas").select_option("game-rules")
        new.get_by_label("Board title").fill("Rules 2026")
        new.get_by_role("button", name="Create board").click()
        table = page.locator("table.network-boards[data-canvas=game-rules]")
        expect(page.locator("h3.canvas-heading")).to_have_text(["Game rules"])
        row = table.locator("tr[data-state=open]", has_text="Rules 2026")
        row.get_by_role("link", name="Open").click()
        expect(page.locator("#app")).to_have_attribute("data-role", "facilitator")
        expect(page.locator(".board-title")).to_have_text("Rules 2026")
    finally:
        page.context.close()
