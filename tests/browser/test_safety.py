"""Roles and hostile content: observers change nothing; user text never becomes markup."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from browser.board_helpers import add_note, note_text, server_holds_notes, to_page

PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def stored(page, text: str) -> list:
    """Position, size and colour of the note with this text, from the page's document."""
    return page.evaluate(
        """text => [...window.partnerboard.board.roots.elements.values()]
            .filter(e => e.get('text').toString() === text)
            .map(e => ['x', 'y', 'w', 'h', 'color'].map(key => e.get(key)))""",
        text,
    )


def test_observer_sees_everything_live_and_can_change_nothing(open_board, board):
    anna = open_board(board, name="Anna")
    add_note(anna, "Keep this", at=(1000, 600))
    observer = open_board(board, role="observer", name="Olga", org="Provincie")

    expect(observer.locator(".banner.observer")).to_be_visible()
    expect(observer.locator("[data-action=new-note]")).to_be_hidden()
    expect(observer.locator("[data-action=delete]")).to_be_hidden()
    expect(observer.locator(".swatch").first).to_be_hidden()
    seen = observer.locator(".note", has_text="Keep this")
    expect(seen).to_be_visible()
    before = stored(anna, "Keep this")

    # Everything an editor would try: a new note by double-click and by key, editing,
    # dragging, recolouring, deleting, undo.
    observer.mouse.dblclick(*to_page(observer, 400, 400))
    observer.locator(".canvas").focus()
    observer.keyboard.press("n")
    seen.dblclick()
    expect(observer.locator("textarea.note-editor")).to_have_count(0)
    seen.click()
    observer.keyboard.press("c")
    observer.keyboard.press("ArrowRight")
    observer.keyboard.press("Delete")
    observer.keyboard.press("Control+z")
    start = to_page(observer, 1080, 650)
    observer.mouse.move(*start)
    observer.mouse.down()
    observer.mouse.move(start[0] + 150, start[1] + 80, steps=4)
    observer.mouse.up()

    # The observer is still live: a participant's change arrives ...
    add_note(anna, "Arrives live")
    expect(note_text(observer, "Arrives live")).to_be_visible()
    # ... and nothing the observer did changed the board, here or there.
    for page in (observer, anna):
        expect(page.locator(".note")).to_have_count(2)
    expect(seen.locator(".note-text")).to_have_text("Keep this")
    assert stored(anna, "Keep this") == before
    assert stored(observer, "Keep this") == before


def test_script_payload_in_a_note_shows_as_text_and_runs_nothing(open_board, board):
    anna = open_board(board, name=PAYLOAD, org="<b>Org</b>")
    bram = open_board(board, name="Bram", org="Zorg")
    add_note(anna, PAYLOAD)

    shown = note_text(bram, "onerror")
    expect(shown).to_have_text(PAYLOAD)
    bram.keyboard.press("o")
    expect(bram.locator(".outline-text", has_text="onerror")).to_have_text(PAYLOAD)
    anna.mouse.move(*to_page(anna, 900, 500))
    expect(bram.locator(".cursor-label")).to_have_text(f"{PAYLOAD} (<b>Org</b> (guest))")
    expect(bram.locator(".person-org", has_text="<b>Org</b>")).to_be_visible()
    for page in (anna, bram):
        assert page.locator("#app img, #app script, #app b").count() == 0
        assert page.evaluate("() => window.__pwned") is None


def test_finalizing_freezes_open_boards_live(open_board, board, server):
    page = open_board(board)
    add_note(page, "Agreed")
    expect(page.locator("[data-action=new-note]")).to_be_visible()
    # Finalize what the board holds once the note is there: the server has what reached it.
    server_holds_notes(server.board_ws(board, "observer"), "Agreed")

    answer = httpx.post(
        f"{server.url}/api/boards/{board['id']}/finalize",
        headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    expect(page.locator(".banner.finalized")).to_be_visible()
    expect(page.locator("[data-action=new-note]")).to_be_hidden()
    page.locator(".canvas").focus()
    page.keyboard.press("n")
    page.locator(".note", has_text="Agreed").dblclick()
    expect(page.locator("textarea.note-editor")).to_have_count(0)
    expect(page.locator(".note")).to_have_count(1)

    page.reload()
    expect(page.locator(".banner.finalized")).to_be_visible()
    expect(page.locator(".note .note-text")).to_have_text(["Agreed"])
