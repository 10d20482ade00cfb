"""Copy, paste and duplicate of selected notes and the arrows between them (issue 14): the copy
is the paster's own, other participants see it, and it pastes into another board too."""

from __future__ import annotations

import re

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
    # (He selects once Anna's arrow has reached him: a selection holds what the page has.)
    expect(bram.locator(".arrow")).to_have_count(1)
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
    expect(anna.locator(".arrow")).to_have_count(2)
    select_all(anna)
    anna.keyboard.press("Control+c")
    carla.locator(".canvas").focus()
    carla.keyboard.press("Control+v")
    expect(carla.locator(".note")).to_have_count(4)
    expect(carla.locator(".arrow")).to_have_count(2)
    # Undo takes the whole paste back in one step.
    carla.keyboard.press("Control+z")
    expect(carla.locator(".note")).to_have_count(0)


def paste_from_a_web_page(page, items: list) -> None:  # noqa: ANN001
    """Paste what another web site put on the clipboard in our format (any page can, in its
    copy event)."""
    page.locator(".canvas").focus()
    page.evaluate(
        """items => {
            const data = new DataTransfer()
            data.setData('application/x-partnerboard', JSON.stringify(items))
            document.querySelector('.canvas').dispatchEvent(
                new ClipboardEvent('paste', { clipboardData: data, bubbles: true }))
        }""",
        items,
    )


def test_a_paste_from_another_site_brings_content_not_marks_or_votes(open_board, board):
    fiona = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    anna = open_board(board, name="Anna", org="Zorg")
    planted = {"kind": "note", "x": A[0], "y": A[1], "w": 160, "h": 100, "color": "#ffd6a5",
               "status": "agreed", "group_label": "Group of the mayor", "group_color": "#ff0000",
               "source_element": "x", "votes": 99, "editors": [{"name": "Mayor", "org": "Zorg"}],
               "created": 0, "author": "Mayor", "org": "Zorg"}
    # The facilitator pastes: the note is hers, not marked agreed (a covenant item) by a page.
    paste_from_a_web_page(fiona, [{**planted, "id": "p1", "text": "Pasted by Fiona"}])
    note = anna.locator(".note", has_text="Pasted by Fiona")
    expect(note).to_have_count(1)
    expect(note.locator(".note-org")).to_have_text("Gemeente · Fiona")
    expect(note).not_to_have_class(re.compile("status-agreed"))
    expect(note.locator(".decor-group")).to_have_count(0)
    # A participant's paste is not undone whole by the server for a mark they may not set.
    paste_from_a_web_page(anna, [{**planted, "id": "p2", "text": "Pasted by Anna", "y": B[1]}])
    expect(fiona.locator(".note", has_text="Pasted by Anna")).to_have_count(1)
    expect(anna.locator(".note", has_text="Pasted by Anna")).to_have_count(1)


def test_a_file_dropped_on_the_board_leaves_the_board_where_it_is(open_board, board):
    """A dropped file would make the browser open it in the board's tab."""
    anna = open_board(board, name="Anna", org="Gemeente")
    note_at(anna, "Still here", A)
    refused = anna.evaluate(
        """() => {
            const data = new DataTransfer()
            data.items.add(new File(['budget'], 'budget.txt', { type: 'text/plain' }))
            const target = document.querySelector('.canvas')
            const init = { dataTransfer: data, bubbles: true, cancelable: true }
            const over = new DragEvent('dragover', init)
            const drop = new DragEvent('drop', init)
            target.dispatchEvent(over)
            target.dispatchEvent(drop)
            return [over.defaultPrevented, drop.defaultPrevented]
        }"""
    )
    assert refused == [True, True]
    expect(anna.locator(".note", has_text="Still here")).to_have_count(1)
