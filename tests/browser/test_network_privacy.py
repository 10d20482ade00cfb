"""Privacy of a network's home in the browser (issue 17): the pages talk to this server only,
and the network page's privacy forms (retention, export, erasure) work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

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
