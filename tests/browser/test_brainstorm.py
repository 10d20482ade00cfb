"""Private brainstorm in the browser (issue 14): hidden notes written in a panel, counted for
everyone, revealed together by the facilitator."""

from __future__ import annotations

from playwright.sync_api import expect


def test_participants_write_hidden_notes_and_the_facilitator_reveals_them(open_board, board):
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    anna = open_board(board, name="Anna", org="Gemeente")
    bram = open_board(board, name="Bram", org="Zorg")
    fac.get_by_role("button", name="Start a private brainstorm").click()

    panel = anna.locator(".fac-panel.brainstorm")
    expect(panel).to_be_visible()  # opens by itself for participants
    expect(bram.locator(".brainstorm-status")).to_have_text(
        "Private brainstorm: nobody has written anything yet.")
    panel.get_by_label("New hidden note").fill("A shared help desk")
    panel.get_by_role("button", name="Add").click()
    panel.get_by_label("New hidden note").fill("Meet every month")
    panel.get_by_role("button", name="Add").click()
    expect(panel.locator(".draft")).to_have_count(2)

    expect(bram.locator(".brainstorm-status")).to_have_text(
        "Private brainstorm: 2 hidden notes from Gemeente.")
    expect(bram.locator(".note")).to_have_count(0)
    expect(bram.locator(".fac-panel.brainstorm .draft")).to_have_count(0)
    # N while the round is open writes a hidden note too (nothing lands on the board).
    bram.locator(".canvas").focus()
    bram.keyboard.press("n")
    expect(bram.locator(".fac-panel.brainstorm .draft-input")).to_be_focused()
    expect(bram.locator(".note")).to_have_count(0)

    fac.get_by_role("button", name="Reveal the hidden notes").click()
    for page in (fac, anna, bram):
        expect(page.locator(".note")).to_have_count(2)
        expect(page.locator(".note", has_text="A shared help desk")).to_contain_text("Anna")
    expect(anna.locator(".fac-panel.brainstorm")).to_be_hidden()
    expect(bram.locator(".brainstorm-status")).to_be_hidden()
