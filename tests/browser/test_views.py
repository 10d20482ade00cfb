"""The outline view, the zones' extra fields, arrows, keyboard use and the two languages."""

from __future__ import annotations

from playwright.sync_api import expect

from browser.board_helpers import add_note, change_as_other_client, note_text

# Board points inside zones of the partnership map (canvases/partnership_map/spec.py).
IN_VALUES = (2100, 700)
IN_ACTIONS = (260, 700)
IN_PARKING = (500, 1350)


def test_outline_lists_notes_under_their_zone_and_parked_ones_apart(open_board, board):
    page = open_board(board)
    add_note(page, "Trust between partners", at=IN_VALUES)
    add_note(page, "Ask the province later", at=IN_PARKING)
    action = add_note(page, "Start a pilot", at=IN_ACTIONS)

    # A note in the actions zone gets who and when.
    action.dblclick()
    page.locator(".field-owner").fill("Anna")
    page.locator(".field-due").fill("2025-03-01")
    page.keyboard.press("Escape")
    expect(action.locator(".note-owner")).to_have_text("Anna")
    expect(action.locator(".note-due")).to_have_text("2025-03-01")

    page.get_by_role("button", name="Outline").click()
    outline = page.locator("aside.outline")
    expect(outline).to_be_visible()
    values = outline.locator("section[data-zone=values]")
    expect(values.get_by_role("heading")).to_have_text("1. Values (1)")
    expect(values.locator(".outline-text")).to_have_text(["Trust between partners"])
    parked = outline.locator("section[data-zone=parked] .outline-text")
    expect(parked).to_have_text(["Ask the province later"])
    actions = outline.locator("section[data-zone=actions] .outline-item")
    expect(actions).to_contain_text("Who: Anna")
    expect(actions).to_contain_text("When: 2025-03-01")
    expect(outline.locator("section[data-zone=relations] .outline-none")).to_be_visible()

    # Dutch, live, outline included.
    page.locator("[data-action=language]").click()
    expect(values.get_by_role("heading")).to_have_text("1. Waarden (1)")
    expect(page.locator("[data-action=new-note]")).to_have_text("Nieuwe notitie")
    expect(page.locator(".zone[data-zone=values] .zone-title")).to_have_text("1. Waarden")

    # "Show" brings a note into view and gives it the focus.
    values.get_by_role("button").first.click()
    expect(page.locator(".note", has_text="Trust between partners")).to_be_focused()


def test_keyboard_only_create_select_move_connect_and_delete(open_board, board):
    page = open_board(board)
    first = add_note(page, "First")
    second = add_note(page, "Second")
    # Board positions (a note's translation), not viewport boxes: focusing a note may scroll
    # the view.
    board_y = "n => new DOMMatrixReadOnly(getComputedStyle(n).transform).m42"
    before = [first.evaluate(board_y), second.evaluate(board_y)]

    # Select both (Tab to a note, Space adds it), then move them together with the arrow keys.
    page.keyboard.press("Escape")
    first.focus()
    page.keyboard.press("Space")
    second.focus()
    page.keyboard.press("Space")
    expect(page.locator(".note.selected")).to_have_count(2)
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowDown")
    for note, top in zip((first, second), before, strict=True):
        note.element_handle().wait_for_element_state("stable")
        page.wait_for_function(f"([n, top]) => ({board_y})(n) > top",
                               arg=[note.element_handle(), top])

    page.keyboard.press("a")  # connect the two selected notes with an arrow
    expect(page.locator("g.arrow")).to_have_count(1)
    page.keyboard.press("Escape")
    first.focus()
    page.keyboard.press("Delete")
    expect(note_text(page, "First")).to_have_count(0)
    expect(page.locator("g.arrow")).to_have_count(0)  # no arrow left pointing at nothing
    expect(note_text(page, "Second")).to_be_visible()


def test_unknown_kinds_show_as_generic_boxes(open_board, board, server):
    page = open_board(board)

    def add_unknown(client):  # noqa: ANN001 - yclient.YClient
        client.add_note("future-1", "A kind from a newer canvas", x=1000, y=500)
        client.elements["future-1"]["kind"] = "hologram"

    change_as_other_client(server.board_ws(board), add_unknown)
    box = page.locator(".el.generic[data-kind=hologram]")
    expect(box).to_be_visible()
    expect(box).to_contain_text("A kind from a newer canvas")
    expect(box).to_contain_text("hologram")
