"""Browser fixtures: one Chromium per session, a fresh context per participant and test.

Playwright's own browser download does not work here: the system Chromium is used
(``PARTNERBOARD_CHROMIUM`` or /usr/bin/chromium).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

expect.set_options(timeout=10_000)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all browser tests. Package scope, not session: Playwright's sync API
    keeps an asyncio loop running in this thread while it is open, which would make every
    later ``asyncio.run`` in the suite fail."""
    executable = os.environ.get("PARTNERBOARD_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.skip(f"no Chromium at {executable}: install it or set PARTNERBOARD_CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


OpenBoard = Callable[..., Page]


@pytest.fixture
def open_board(browser: Browser) -> Iterator[OpenBoard]:
    """Open a board link in a new browser context; fails the test on any page error."""
    contexts = []
    errors: list[str] = []

    def open_(board: dict, role: str = "participant", name: str | None = "Anna",
              org: str = "Gemeente", wait: bool = True, clock_skew_ms: int = 0,
              party: str | None = None) -> Page:
        """``party``: open that partner's own link (its holder belongs to it) instead of
        the ``role`` link. A remembered participant whose ``org`` is one of the board's
        partners comes through that partner's link, as such a person would; anyone else
        holds the guest link."""
        link = board["links"][role]
        partners = [p["name"] for p in board.get("parties", [])]
        if party is None and role == "participant" and name is not None and org in partners:
            party = org
        if party is not None:
            link = next(p["link"] for p in board["parties"] if p["name"] == party)
            org = party
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        if clock_skew_ms:
            # A laptop whose clock is off: Date.now() runs ahead (or behind) by this much.
            context.add_init_script(
                f"{{ const realNow = Date.now; Date.now = () => realNow() + {clock_skew_ms}; }}"
            )
        if name is not None:
            # A remembered identity: the join dialog is skipped (tested on its own).
            identity = json.dumps({"name": name, "org": org})
            context.add_init_script(
                f"localStorage.setItem({json.dumps('partnerboard-identity-' + board['id'])}, "
                f"{json.dumps(identity)})"
            )
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{role}/{name}: {error}"))
        page.goto(link)
        if wait:
            expect(page.locator("#app")).to_have_attribute("data-rendered", "true")
            if name is not None:
                expect(page.locator("#app")).to_have_attribute("data-joined", "true")
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, errors


@pytest.fixture
def board(server) -> dict:  # noqa: ANN001 - the ServerProcess fixture from tests/conftest.py
    return server.create_board()
