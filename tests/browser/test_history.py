"""The facilitator's history panel: see the board as it was, and restore it after vandalism."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect
from pycrdt import Map
from yclient import connected

from .board_helpers import change_as_other_client, run_in_thread

ORIGINAL = {"h1": "Shared goal", "h2": "Weekly meeting", "h3": "Pilot in May", "h4": "Budget"}


def live_notes(page: Page, where: str = ".board-main") -> dict[str, str]:
    """The notes a board on the page shows: id -> text."""
    return page.evaluate(
        """where => Object.fromEntries([...document.querySelectorAll(where + ' .note')]
            .map(n => [n.dataset.id, n.querySelector('.note-text').textContent]))""",
        where,
    )


def observed(url: str) -> dict[str, tuple[str, float, float]]:
    """What a fresh pycrdt client gets from the server (in a thread: Playwright owns this one's
    event loop)."""
    found: dict = {}

    async def read() -> None:
        async with connected(url) as client:
            for key, value in client.doc.get("elements", type=Map).items():
                found[key] = (str(value["text"]), value["x"], value["y"])

    run_in_thread(read, 20)
    return found


def test_facilitator_sees_the_vandalism_and_restores_the_moment_before(server, open_board):
    board = server.create_board()
    fac_url = server.board_ws(board, "facilitator")

    def add(client) -> None:
        for index, (key, text) in enumerate(ORIGINAL.items()):
            client.add_note(key, text, x=900 + 200 * index, y=400)

    change_as_other_client(fac_url, add)
    facilitator = open_board(board, "facilitator", name="Fee")
    participant = open_board(board, "participant", name="Bo")
    for page in (facilitator, participant):
        expect(page.locator(".board-main .note")).to_have_count(4)
    before = observed(server.board_ws(board, "observer"))

    def vandalise(client) -> None:
        for key in ("h1", "h2", "h3"):
            text = client.elements[key]["text"]
            text.clear()
            text += "XXXX"
        for key in list(client.elements.keys()):
            del client.elements[key]

    change_as_other_client(server.board_ws(board), vandalise)
    for page in (facilitator, participant):
        expect(page.locator(".board-main .note")).to_have_count(0)

    facilitator.locator("[data-action=history]").click()
    dialog = facilitator.locator("dialog.history-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("data-elements", "0")
    # The vandalism is in the history: the last span lists the scribbled notes as removed.
    expect(dialog.locator(".history-changes li")).to_have_count(4)
    expect(dialog.locator(".history-by").first).to_have_text("participant: ")
    slider = dialog.locator(".history-slider")
    slider.focus()
    facilitator.keyboard.press("ArrowLeft")
    expect(dialog).to_have_attribute("data-elements", "4")
    view = dialog.locator(".history-view .note")
    expect(view).to_have_count(4)
    assert live_notes(facilitator, ".history-view") == ORIGINAL
    # The view is read-only: no editor opens on it.
    view.first.dblclick(force=True)
    expect(facilitator.locator("textarea.note-editor")).to_have_count(0)

    dialog.locator(".history-changes li[data-id=h1] [data-action=note-history]").click()
    expect(dialog.locator(".history-note li").first).to_contain_text("Shared goal")

    dialog.locator("[data-action=history-restore]").click()
    expect(dialog.locator(".history-when")).to_contain_text("facilitator")
    for page in (facilitator, participant):
        expect(page.locator(".board-main .note")).to_have_count(4)
    assert live_notes(participant) == ORIGINAL
    assert live_notes(facilitator) == ORIGINAL
    assert observed(server.board_ws(board, "observer")) == before

    token = board["tokens"]["facilitator"]
    points = httpx.get(f"{server.url}/api/boards/{board['id']}/history",
                       headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    assert [p["by"] for p in points[-2:]] == ["participant", "facilitator"]
    assert "restore_of" in points[-1]


def test_the_history_panel_says_which_person_and_organisation_changed_what(server, open_board):
    """'Who changed what in that span': a party link's person with their partner, a guest with
    the self-declared organisation marked, not just 'participant'."""
    from browser.facilitation_helpers import IN_RELATIONS, IN_VALUES, note_at

    board = server.create_board()
    ayla = open_board(board, party="Zorg", name="Ayla")
    facilitator = open_board(board, "facilitator", name="Fee")
    note_at(ayla, "Short lines", IN_RELATIONS)
    expect(facilitator.locator(".board-main .note")).to_have_count(1)
    # The facilitator's note in between: the two participants' notes are two spans.
    note_at(facilitator, "Agenda", (IN_VALUES[0], IN_VALUES[1] + 250))
    gijs = open_board(board, name="Gijs", org="Omega")
    note_at(gijs, "Ask the residents", IN_VALUES)
    expect(facilitator.locator(".board-main .note")).to_have_count(3)

    facilitator.locator("[data-action=history]").click()
    dialog = facilitator.locator("dialog.history-dialog")
    expect(dialog).to_be_visible()
    # The dialog opens first, then asks the server for the history: the slider's end is known
    # once the last moment is shown.
    expect(dialog).to_have_attribute("data-seq", re.compile(r"\d+"))
    when = dialog.locator(".history-when")
    changes = dialog.locator(".history-changes li")
    slider = dialog.locator(".history-slider")
    slider.focus()
    seen: dict[str, list[str]] = {}
    last = int(slider.get_attribute("max") or 0)
    for index in range(last, -1, -1):
        label = when.text_content() or ""
        for name in ("Ayla", "Gijs"):
            if name in label and name not in seen:
                expect(changes.first.locator(".history-by")).to_contain_text(name)
                seen[name] = changes.all_text_contents()
        if index:
            shown = dialog.get_attribute("data-seq")
            facilitator.keyboard.press("ArrowLeft")
            expect(dialog).not_to_have_attribute("data-seq", shown)  # the moment before
    assert any(line.startswith("Ayla (Zorg): added: “Short lines”") for line in seen["Ayla"])
    assert any(line.startswith("Gijs (Omega, guest): added: “Ask the residents”")
               for line in seen["Gijs"])
