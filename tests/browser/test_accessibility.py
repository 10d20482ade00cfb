"""axe-core finds no critical or serious problem on any page people use.

axe-core is an npm dev dependency (web/package.json); the test reads it from web/node_modules
and runs it in the page, so nothing of it is committed or served.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from browser.facilitation_helpers import IN_VALUES, note_at

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"


def violations(page: Page) -> list[str]:
    """Critical and serious axe-core violations on the page, one line each."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run make web (npm ci) first")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']})
        return result.violations
            .filter(v => v.impact === 'critical' || v.impact === 'serious')
            .map(v => `${v.impact} ${v.id}: ` +
                      v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))
    }""")
    return list(found)


@pytest.fixture
def context(browser: Browser):
    # The covenant page allows no script at all: axe is injected past its CSP.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context
    context.close()


def test_landing_and_links_pages(context, server):
    page = context.new_page()
    page.goto(server.url + "/?lang=nl")
    assert violations(page) == []
    page.locator("input[name=title]").fill("Toegankelijk")
    page.locator("form button[type=submit]").click()
    expect(page.locator("button.copy")).to_have_count(3)
    assert violations(page) == []


def test_join_dialog_and_board_with_every_panel_open(context, server):
    board = server.create_board(language="nl")
    page = context.new_page()
    page.goto(board["links"]["facilitator"])
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert violations(page) == []
    dialog.get_by_label("Je naam").fill("Fiona")
    dialog.get_by_label("Organisatie").fill("Gemeente")
    dialog.get_by_role("button", name="Aan de slag").click()
    expect(page.locator("#app")).to_have_attribute("data-joined", "true")
    note = note_at(page, "Samen sterker", IN_VALUES)
    note.click()  # a selected note
    page.get_by_role("button", name="Overzicht").click()
    page.get_by_role("button", name="Deelname").click()
    expect(page.locator("aside.participation")).to_be_visible()
    # Last: the shortcuts pop over the facilitator's tools.
    page.locator("details.shortcuts summary").click()
    assert violations(page) == []
    page.locator("details.shortcuts summary").click()  # closed again: it covers the tools
    page.get_by_role("button", name="Afronden…").click()
    expect(page.locator("dialog.finalize-dialog .check-group").first).to_be_visible()
    assert violations(page) == []


def test_covenant_page(context, server):
    board = server.create_board(language="nl")
    headers = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
    answer = httpx.post(f"{server.url}/api/boards/{board['id']}/finalize", headers=headers,
                        timeout=10)
    assert answer.status_code == 200, answer.text
    page = context.new_page()
    page.goto(f"{server.url}/api/boards/{board['id']}/covenant?format=html"
              f"&token={board['tokens']['observer']}")
    expect(page.locator("h1")).to_be_visible()
    assert violations(page) == []
