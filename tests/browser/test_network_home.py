"""The rest of a network's home in the browser (issue 17): a member renamed on the page shows
on the open board at once, a table with a rotating seat, a board for that table, a covenant
version with its parts and signatures, and the scheduled health check with its chart."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from .board_helpers import change_as_other_client

MEMBERS = [{"name": "Gemeente Noord", "color": "#0072b2"}, {"name": "Zorggroep"},
           {"name": "Politie"}, {"name": "Bibliotheek"}]


def test_members_tables_covenant_and_review_from_the_network_page(browser, server):
    made = httpx.post(f"{server.url}/api/networks", timeout=10,
                      json={"name": "Jeugd Noord", "members": MEMBERS}).json()
    key, net_id = made["key"], made["id"]
    headers = {"Authorization": f"Bearer {key}"}
    board = httpx.post(f"{server.url}/api/networks/{net_id}/boards", headers=headers, timeout=10,
                       json={"canvas": "game-rules", "title": "Rules", "language": "en"}).json()
    # A note of Zorggroep's, written by a plain Yjs client.
    change_as_other_client(server.board_ws(board, "facilitator"), lambda client: client.add_note(
        "z1", "Call us first", x=200, y=200, org="Zorggroep"))
    page = browser.new_page()
    watcher = browser.new_page()
    try:
        # Someone has the open board in front of them while the facilitator renames a member.
        watcher.goto(board["links"]["observer"] + "&lang=en")
        expect(watcher.locator("#app")).to_have_attribute("data-role", "observer")
        page.goto(made["link"] + "&lang=en")
        expect(page.locator("h1")).to_have_text("Jeugd Noord")
        member = page.locator(".members li[data-member=m2]")
        member.locator("summary").click()
        member.get_by_label("Name of the organisation").fill("Zorggroep Noord")
        member.get_by_label("Short name").fill("ZGN")
        member.get_by_role("button", name="Save").click()
        expect(page.locator(".members li[data-member=m2] .member-name")).to_have_text(
            "Zorggroep Noord")
        note = watcher.locator('[aria-label*="(Zorggroep Noord)"]')
        expect(note).to_have_count(1)
        expect(note).to_contain_text("Call us first")

        # The executive table: Gemeente Noord fixed, one seat rotating yearly among the rest.
        table = page.locator("article.network-table[data-table=executive]")
        table.locator("summary").click()
        table.get_by_label("Fixed members: Gemeente Noord").check()
        for name in ("Zorggroep Noord", "Politie", "Bibliotheek"):
            table.get_by_label(f"Rotating (in this order): {name}").check()
        table.get_by_label("Changes every (months)").fill("12")
        table.get_by_label("First period starts on").fill("2026-01-01")
        table.get_by_role("button", name="Save").click()
        seated = page.locator("article.network-table[data-table=executive] .seated")
        expect(seated.first).to_have_text("Gemeente Noord")
        expect(seated).to_have_count(2)
        expect(page.locator("article.network-table[data-table=executive] .next-change")
               ).to_contain_text("Next change on")

        # A board for the executive table only: its delegation are the partners.
        new = page.locator("form.network-new-board")
        new.get_by_label("Canvas").select_option("building-blocks")
        new.get_by_label("Board title").fill("Health check 2026")
        new.get_by_label("Made for").select_option("executive")
        new.get_by_role("button", name="Create board").click()
        row = page.locator("tr", has_text="Health check 2026")
        expect(row).to_contain_text("Executive table")

        # Finalize the rules board; make the network's covenant from the page.
        httpx.post(f"{server.url}/api/boards/{board['id']}/finalize", timeout=20,
                   headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
        httpx.post(f"{server.url}/api/boards/{board['id']}/signatures", timeout=10,
                   headers={"Authorization": f"Bearer {board['parties'][0]['token']}"},
                   json={"name": "Ayla"})
        page.reload()
        expect(page.locator(".network-covenant .pending")).to_contain_text("Rules")
        page.get_by_role("button", name="Make a new version").click()
        version = page.locator("article.covenant-version[data-version='1']")
        expect(version.locator("h3")).to_contain_text("Version 1")
        expect(version.locator(".composed")).to_contain_text("Rules")
        expect(version.locator(".version-signatures li[data-member=m1]")).to_contain_text(
            "signed every part (Ayla)")
        expect(version.locator(".version-signatures li[data-member=m2]")).to_contain_text(
            "not signed yet")

        # The health check, scheduled yearly; no check finalized yet, so it is due now.
        review = page.locator("section.network-review")
        review.get_by_label("Every (months, 0 = not scheduled)").fill("12")
        review.get_by_role("button", name="Save").click()
        expect(page.locator(".review-due")).to_contain_text("it is time for it now")
        expect(page.locator(".review-chart")).to_have_count(0)
    finally:
        watcher.context.close()
        page.context.close()
