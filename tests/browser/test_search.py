"""Search the notes (issue 14): from the board with '/', case and accents ignored, the outline
narrowed to the hits, the hits marked on the board, Enter jumping from one to the next."""

from __future__ import annotations

from playwright.sync_api import expect

from browser.facilitation_helpers import note_at
from partnerboard.canvases.partnership_map.spec import SPEC

VALUES = SPEC.zone("values").rect
ACTIONS = SPEC.zone("actions").rect


def test_search_narrows_the_outline_marks_hits_and_jumps_between_them(open_board, board):
    anna = open_board(board, name="Anna", org="Gemeente")
    note_at(anna, "Gezamenlijk café voor ouders", (VALUES.x + 120, VALUES.y + 200))
    note_at(anna, "Budget voor het cafe", (ACTIONS.x + 120, ACTIONS.y + 200))
    note_at(anna, "Veilige straten", (VALUES.x + 120, VALUES.y + 420))
    anna.locator(".canvas").focus()
    anna.keyboard.press("/")
    search = anna.locator(".outline-search")
    expect(search).to_be_focused()
    search.fill("CAFÉ")
    expect(anna.locator(".outline-found")).to_have_text("2 found; Enter goes to the next")
    expect(anna.locator(".outline-item")).to_have_count(2)
    expect(anna.locator(".note.search-hit")).to_have_count(2)
    search.press("Enter")
    expect(anna.locator(".outline-found")).to_have_text("1 of 2")
    expect(anna.locator(".note.selected")).to_have_count(1)
    first = anna.locator(".note.selected").inner_text()
    search.press("Enter")
    expect(anna.locator(".outline-found")).to_have_text("2 of 2")
    expect(anna.locator(".note.selected")).not_to_have_text(first)
    # By organisation, and nothing found.
    search.fill("gemeente straten")
    expect(anna.locator(".outline-item")).to_have_count(1)
    search.fill("fietsen")
    expect(anna.locator(".outline-found")).to_have_text("0 found; Enter goes to the next")
    expect(anna.locator(".note.search-hit")).to_have_count(0)
