"""Copy, paste and duplicate of selected notes and the arrows between them (issue 14): the copy
is the paster's own, other participants see it, and it pastes into another board too."""

from __future__ import annotations

from playwright.sync_api import expect

from browser.facilitation_helpers import note_at
from partnerboard.canvases.partnership_map.spec import SPEC

VALUES = SPEC.zone("values").rect
A = (VALUES.x + 120, VALUES.y + 200)
B = (VALUES.x + 120, VALUES.y + 420)


def select_all(page) -> None:  # noqa: ANN001
    page.locator(".canvas").focus()
    page.keyboard.press("Control+a")


def test_duplicate_copy_and_paste_keep_the_arrows_and_belong_to_the_paster(
    open_board, board, server
):
    anna = open_board(board, name="Anna", org="Gemeente")
    bram = open_board(board, name="Bram", org="Zorg")
    note_at(anna, "Shared budget", A)
    note_at(anna, "Safe streets", B)
    select_all(anna)
    anna.keyboard.press("a")  # connect the two
    expect(anna.locator(".arrow")).to_have_count(1)

    # Bram duplicates Anna's two notes: two more notes, one more arrow, his organisation.
    select_all(bram)
    bram.keyboard.press("Control+d")
    expect(bram.locator(".note", has_text="Shared budget")).to_have_count(2)
    expect(bram.locator(".arrow")).to_have_count(2)
    expect(anna.locator(".note", has_text="Safe streets")).to_have_count(2)
    expect(bram.locator(".note.selected")).to_have_count(2)
    expect(bram.locator(".note.selected .note-org").first).to_contain_text("Zorg")

    # Copy on one board, paste on another (a board of the same canvas, another tab).
    other = server.create_board()
    carla = open_board(other, name="Carla", org="Gemeente")
    select_all(anna)
    anna.keyboard.press("Control+c")
    carla.locator(".canvas").focus()
    carla.keyboard.press("Control+v")
    expect(carla.locator(".note")).to_have_count(4)
    expect(carla.locator(".arrow")).to_have_count(2)
    # Undo takes the whole paste back in one step.
    carla.keyboard.press("Control+z")
    expect(carla.locator(".note")).to_have_count(0)
