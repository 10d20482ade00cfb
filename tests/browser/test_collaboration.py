"""Several people on one board: notes, edits, cursors, offline edits, undo."""

from __future__ import annotations

from playwright.sync_api import expect

from browser.board_helpers import add_note, note_text, to_page


def test_join_dialog_asks_once_and_is_remembered(open_board, board):
    # The facilitator's link: partners are offered (a guest is not offered them, a partner's
    # own link is not asked; see test_parties.py).
    page = open_board(board, role="facilitator", name=None, wait=False)
    dialog = page.locator("dialog.join")
    expect(dialog).to_be_visible()
    page.get_by_label("Your name").fill("Anna")
    dialog.get_by_role("button", name="Zorg").click()  # one of the board's partners
    expect(dialog.get_by_label("Organisation")).to_have_value("Zorg")
    dialog.get_by_role("button", name="Start").click()
    expect(dialog).to_have_count(0)
    expect(page.locator(".person", has_text="Anna")).to_contain_text("Zorg")

    page.reload()
    expect(page.locator("#app")).to_have_attribute("data-joined", "true")
    expect(page.locator("dialog.join")).to_have_count(0)
    expect(page.locator(".person", has_text="Anna")).to_contain_text("Zorg")


def test_two_participants_see_each_others_notes_edits_and_cursors(open_board, board):
    anna = open_board(board, name="Anna", org="Gemeente")
    bram = open_board(board, name="Bram", org="Zorg")

    add_note(anna, "Shared agenda")
    remote = bram.locator(".note", has_text="Shared agenda")
    expect(remote).to_be_visible()
    expect(remote.locator(".note-org")).to_have_text("Gemeente · Anna")

    # Bram adds to Anna's note; Anna sees it.
    remote.dblclick()
    expect(bram.locator("textarea.note-editor")).to_be_focused()
    bram.keyboard.press("End")
    bram.keyboard.type(" for 2025")
    bram.keyboard.press("Escape")
    expect(note_text(anna, "Shared agenda for 2025")).to_be_visible()

    # Both type in the same note at once: each keeps the other's words.
    anna.locator(".note", has_text="Shared agenda").dblclick()
    remote.dblclick()
    anna.keyboard.press("Control+End")
    bram.keyboard.press("Control+Home")
    anna.keyboard.type(" (draft)")
    bram.keyboard.type("Our ")
    merged = "Our Shared agenda for 2025 (draft)"
    expect(anna.locator("textarea.note-editor")).to_have_value(merged)
    expect(bram.locator("textarea.note-editor")).to_have_value(merged)
    anna.keyboard.press("Escape")
    bram.keyboard.press("Escape")

    # Presence: Anna's cursor, with her name and organisation, moves on Bram's screen.
    expect(bram.locator(".person", has_text="Anna")).to_be_visible()
    anna.mouse.move(*to_page(anna, 1200, 700))
    cursor = bram.locator(".cursor", has_text="Anna (Gemeente)")
    expect(cursor).to_be_visible()
    anna.mouse.move(*to_page(anna, 600, 300), steps=3)
    bram.wait_for_function(
        """() => {
            const c = [...document.querySelectorAll('.cursor')]
                .find(n => n.textContent.includes('Anna'))
            return c && c.board && c.board.x < 700
        }"""
    )


def test_note_made_offline_reaches_the_other_after_reconnecting(open_board, board):
    anna = open_board(board, name="Anna")
    bram = open_board(board, name="Bram", org="Zorg")
    status = bram.locator("#connection")
    expect(status).to_have_attribute("data-state", "connected")

    bram.context.set_offline(True)
    expect(status).to_have_attribute("data-state", "offline")
    add_note(bram, "Written on the train")
    expect(status).not_to_have_attribute("data-unsynced", "0")
    expect(status).to_contain_text("not sent yet")
    expect(anna.locator(".note")).to_have_count(0)

    bram.context.set_offline(False)
    expect(status).to_have_attribute("data-state", "connected")
    expect(status).to_have_attribute("data-unsynced", "0")
    expect(note_text(anna, "Written on the train")).to_be_visible()


def test_undo_reverts_only_the_local_users_change(open_board, board):
    anna = open_board(board, name="Anna")
    bram = open_board(board, name="Bram", org="Zorg")
    add_note(anna, "Anna's idea")
    expect(note_text(bram, "Anna's idea")).to_be_visible()
    add_note(bram, "Bram's idea")
    expect(note_text(anna, "Bram's idea")).to_be_visible()

    # Anna's last change is her note's text; before it, creating the note.
    anna.locator(".canvas").focus()
    anna.keyboard.press("Control+z")
    anna.keyboard.press("Control+z")
    for page in (anna, bram):
        expect(note_text(page, "Anna's idea")).to_have_count(0)
        expect(note_text(page, "Bram's idea")).to_be_visible()

    anna.keyboard.press("Control+Shift+z")
    anna.keyboard.press("Control+Shift+z")
    expect(note_text(bram, "Anna's idea")).to_be_visible()
    expect(bram.locator(".note")).to_have_count(2)
