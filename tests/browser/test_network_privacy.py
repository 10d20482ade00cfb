"""Privacy of a network's home in the browser (issue 17): the pages talk to this server only,
and the network page's privacy forms (retention, export, erasure) work."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import test_network_privacy as privacy  # its helpers: a network, a board people wrote on
from playwright.sync_api import Page, expect


@contextmanager
def only_this_server(page: Page, origin: str) -> Iterator[list[str]]:
    """Record every request and WebSocket the page makes; fail if one goes to another host."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.on("websocket", lambda socket: seen.append(socket.url))
    yield seen
    host = urlsplit(origin).netloc
    elsewhere = [url for url in seen
                 if not url.startswith(("data:", "blob:")) and urlsplit(url).netloc != host]
    assert not elsewhere, f"requests to other hosts: {elsewhere}"


def test_landing_network_and_board_pages_ask_no_other_host(browser, server):
    page = browser.new_page()
    try:
        with only_this_server(page, server.url) as seen:
            page.goto(server.url + "/?lang=en")
            expect(page.locator("h1")).to_be_visible()
            page.get_by_role("link", name="Start a network").click()
            form = page.locator("form.new-network-form")
            form.get_by_label("Name of the network").fill("Youth in North")
            form.get_by_label("Member organisations (one per line)").fill("Gemeente Noord\n")
            form.get_by_role("button", name="Create network").click()
            link = page.locator(".network-link input").input_value()
            page.goto(link + "&lang=en")
            new = page.locator("form.network-new-board")
            new.get_by_label("Canvas").select_option("partnership-map")
            new.get_by_label("Board title").fill("Map 2026")
            new.get_by_role("button", name="Create board").click()
            page.locator("tr[data-state=open]", has_text="Map 2026").get_by_role(
                "link", name="Open").click()
            expect(page.locator("#app")).to_have_attribute("data-rendered", "true")
            expect(page.locator("#app")).to_have_attribute("data-role", "facilitator")
        paths = {urlsplit(url).path for url in seen}
        # The recording saw the pages, their assets and the board's WebSocket.
        assert {"/", "/networks", "/static/app.css"} <= paths
        assert any(url.startswith("ws://") for url in seen)
    finally:
        page.context.close()


def test_the_network_page_sets_retention_exports_and_erases_a_person(browser, server):
    net = privacy.new_network(server)
    # Its Yjs clients run asyncio.run, which Playwright's own loop in this thread forbids.
    with ThreadPoolExecutor(1) as thread:
        board = thread.submit(privacy.people_board, server, net, "Map of the north").result()
    page = browser.new_page()
    try:
        with only_this_server(page, server.url):
            page.goto(f"{server.url}/n/{net['id']}?key={net['key']}&lang=en")
            section = page.locator("section.network-privacy")
            expect(section.locator(".retention-current")).to_contain_text("none: names are kept")

            retention = section.locator("form.network-retention")
            retention.get_by_label("Keep names, in months after a board was last used").fill("6")
            retention.get_by_role("button", name="Save retention period").click()
            expect(page.locator("h1")).to_have_text("Retention period saved")
            expect(page.locator(".retention-current")).to_contain_text("6 months")
            page.get_by_role("link", name="Back to the network").click()
            expect(section.locator(".retention-current")).to_contain_text("6 months")

            export = section.locator("form.network-person-export")
            export.get_by_label("Name of the person").fill(privacy.AYLA)
            with page.expect_download() as download:
                export.get_by_role("button", name="Export (JSON)").click()
            found = json.loads(Path(download.value.path()).read_text("utf-8"))
            assert [b["id"] for b in found["boards"]] == [board["id"]]
            assert found["boards"][0]["elements"][0]["text"] == "Samen sterker (and more)"

            erase = section.locator("form.network-person-erase")
            erase.get_by_label("Name of the person").fill(privacy.AYLA)
            erase.get_by_role("button", name="Erase name").click()
            # Not confirmed: the browser keeps the form (the box is required).
            expect(page.locator("h1")).to_have_text("Jeugd in Noord")
            erase.get_by_label("I understand that erasing cannot be undone").check()
            erase.get_by_role("button", name="Erase name").click()
            expect(page.locator("h1")).to_have_text("Name erased")
            expect(page.locator(".privacy-boards li")).to_contain_text("Map of the north")

            page.get_by_role("link", name="Back to the network").click()
            export.get_by_label("Name of the person").fill(privacy.AYLA)
            export.get_by_role("button", name="Export (JSON)").click()
            expect(page.locator(".message")).to_have_text(
                "This name is on none of this network's boards.")

            page.goto(f"{server.url}/n/{net['id']}?key={net['key']}&lang=nl")
            expect(section.locator("h2")).to_have_text("Privacy")
            expect(section.get_by_role("button", name="Naam wissen")).to_be_visible()
        assert privacy.AYLA not in str(privacy.moment(server, board))
    finally:
        page.context.close()
