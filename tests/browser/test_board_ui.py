"""Rough edges of the board page found in a real session: where new notes land, notes that
fit their text, the score button, presence after a closed tab, the N key, ctrl+wheel zoom."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from browser.board_helpers import to_page, type_new_note
from browser.facilitation_helpers import IN_VALUES, fit, note_at, set_meta, zone_of_note

GEOMETRY = """() => {
    const board = window.partnerboard.board
    const out = []
    board.roots.elements.forEach((el, id) => {
        if (el.get('kind') === 'arrow') return
        out.push({id, kind: el.get('kind'), text: el.get('text') ? el.get('text').toString() : '',
                  x: el.get('x'), y: el.get('y'), w: el.get('w'), h: el.get('h')})
    })
    return out
}"""


def boxes(page: Page) -> list[dict]:
    return page.evaluate(GEOMETRY)


def overlapping(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def inside(box: dict, rect: dict) -> bool:
    """The zone rule: the element's centre lies in the rectangle."""
    x, y = box["x"] + box["w"] / 2, box["y"] + box["h"] / 2
    return rect["x"] <= x <= rect["x"] + rect["w"] and rect["y"] <= y <= rect["y"] + rect["h"]


def new_note_button(page: Page, text: str) -> None:
    page.locator("[data-action=new-note]").click()
    type_new_note(page, text)


def visible_rect(page: Page) -> dict:
    return page.evaluate("window.partnerboard.board.viewport.visibleRect()")


def test_new_notes_go_to_free_spots_in_view_inside_the_current_step(open_board, board):
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    anna = open_board(board, name="Anna", org="Zorg")
    set_meta(fac, "step", 1)  # the values column
    expect(anna.locator(".fac-step-label")).to_have_text(re.compile(r"^Step 1 of \d+: Values$"))
    texts = [f"Idee {n}" for n in range(5)]
    new_note_button(anna, texts[0])
    anna.locator(".canvas").focus()
    for text in texts[1:3]:
        anna.locator(".canvas").focus()
        anna.keyboard.press("n")
        type_new_note(anna, text)
    for text in texts[3:]:
        new_note_button(anna, text)
    notes = [b for b in boxes(anna) if b["text"] in texts]
    assert len(notes) == 5
    for text in texts:
        assert zone_of_note(anna, text) == "values", text
    for i, a in enumerate(notes):
        for b in notes[i + 1:]:
            assert not overlapping(a, b), (a, b)
    view = visible_rect(anna)
    for note in notes:
        assert note["x"] >= view["x"] - 1 and note["x"] + note["w"] <= view["x"] + view["w"] + 1
        assert note["y"] >= view["y"] - 1 and note["y"] + note["h"] <= view["y"] + view["h"] + 1


def test_without_a_step_new_notes_stay_on_the_board_and_apart(open_board, board):
    anna = open_board(board, name="Anna", org="Zorg")
    # Look at the space above the board: the middle of the view is off the board.
    anna.evaluate("window.partnerboard.board.viewport.panBy(0, 2000)")
    for n in range(3):
        new_note_button(anna, f"Los {n}")
    notes = [b for b in boxes(anna) if b["text"].startswith("Los ")]
    size = anna.evaluate("window.partnerboard.board.spec.size")
    for note in notes:
        assert 0 <= note["x"] <= size["w"] - note["w"] and 0 <= note["y"] <= size["h"] - note["h"]
    for i, a in enumerate(notes):
        for b in notes[i + 1:]:
            assert not overlapping(a, b)


def test_notes_grow_with_their_text_and_badges_never_cover_it(open_board, board):
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    fit(fac)
    long_text = "\n".join(f"regel {n}" for n in range(8))
    note = note_at(fac, long_text, IN_VALUES)
    scale = fac.evaluate("window.partnerboard.board.viewport.scale")
    note.click()
    fac.keyboard.press("g")  # the agreed badge
    expect(note).to_have_class(re.compile("status-agreed"))
    box = note.bounding_box()
    text_box = note.locator(".note-text").bounding_box()
    badge = note.locator(".decor-status").bounding_box()
    org = note.locator(".note-org").bounding_box()
    assert box["height"] > 100 * scale * 1.5  # grew beyond the stored 100
    assert badge["y"] + badge["height"] <= text_box["y"] + 0.5  # the badge is above the text
    assert org["y"] >= text_box["y"] + text_box["height"] - 0.5  # the org line below it
    # Every line is shown: the text is not cut off.
    assert fac.evaluate("(n) => n.scrollHeight <= n.clientHeight + 1",
                        note.locator(".note-text").element_handle())

    # A very long text stops growing at the limit and scrolls instead.
    huge = note_at(fac, "\n".join(f"lang {n}" for n in range(60)), (IN_VALUES[0], 1400))
    limit = fac.evaluate("window.partnerboard.board.viewport.scale") * 320
    assert abs(huge.bounding_box()["height"] - limit) < 2
    assert fac.evaluate("(n) => n.scrollHeight > n.clientHeight",
                        huge.locator(".note-text").element_handle())
    # Only the note at its limit makes its text a scroll container (a clip of its own).
    expect(huge).to_have_class(re.compile(r"\bscrolls\b"))
    expect(huge.locator(".note-text")).to_have_css("overflow-y", "auto")
    expect(note.locator(".note-text")).to_have_css("overflow-y", "visible")


def test_action_fields_sit_below_the_text(open_board, board):
    anna = open_board(board, name="Anna", org="Zorg")
    fit(anna)
    note = note_at(anna, "Een pilot starten met drie scholen in de regio", (340, 600))
    expect(note).to_have_class(re.compile("with-fields"))
    text_box = note.locator(".note-text").bounding_box()
    fields = note.locator(".note-fields").bounding_box()
    assert fields["y"] >= text_box["y"] + text_box["height"] - 0.5


def test_score_button_scores_the_selected_block(open_board, server):
    board = server.create_board(canvas="building-blocks")
    anna = open_board(board, name="Anna", org="Zorg")
    fit(anna)
    zones = {z["id"]: z["rect"] for z in anna.evaluate("window.partnerboard.board.spec.zones")}
    equality = zones["equality"]
    note = note_at(anna, "Iedereen telt mee", (equality["x"] + 120, equality["y"] + 150))
    note.click()
    anna.locator("[data-action=new-score]").click()
    scores = [b for b in boxes(anna) if b["kind"] == "score"]
    assert len(scores) == 1 and inside(scores[0], equality)

    # Without a selection: the block last clicked.
    momentum = zones["momentum"]
    anna.keyboard.press("Escape")
    anna.mouse.click(*to_page(anna, momentum["x"] + 30, momentum["y"] + momentum["h"] - 30))
    anna.locator("[data-action=new-score]").click()
    scores = [b for b in boxes(anna) if b["kind"] == "score"]
    assert len(scores) == 2 and any(inside(score, momentum) for score in scores)


def test_a_closed_tab_leaves_here_now_promptly(open_board, board):
    anna = open_board(board, name="Anna", org="Zorg")
    bram = open_board(board, name="Bram", org="Gemeente")
    expect(anna.locator(".people .person")).to_have_count(2)
    bram.close()
    # Awareness states time out after 30 s; leaving must be seen well before that.
    expect(anna.locator(".people .person")).to_have_count(1, timeout=5000)


def test_n_makes_a_note_only_when_the_board_has_the_focus(open_board, board):
    anna = open_board(board, name="Anna", org="Zorg")
    count = "window.partnerboard.board.roots.elements.size"
    # Focus on a toolbar button, then on the outline panel: "n" is not a command there.
    anna.locator("[data-action=new-note]").focus()
    anna.keyboard.press("n")
    anna.get_by_role("button", name="Outline").click()
    expect(anna.locator("#outline-heading")).to_be_focused()
    anna.keyboard.press("n")
    anna.locator("#outline-heading").click()
    anna.keyboard.type("nnn")
    assert anna.evaluate(count) == 0
    expect(anna.locator("textarea.note-editor")).to_have_count(0)
    # On the board it is.
    anna.locator(".canvas").focus()
    anna.keyboard.press("n")
    expect(anna.locator("textarea.note-editor")).to_be_focused()
    assert anna.evaluate(count) == 1


def test_ctrl_wheel_zooms_about_ten_percent_per_notch(open_board, board):
    anna = open_board(board, name="Anna", org="Zorg")
    scale = "window.partnerboard.board.viewport.scale"
    box = anna.locator(".canvas").bounding_box()
    anna.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before = anna.evaluate(scale)
    anna.keyboard.down("Control")
    anna.mouse.wheel(0, -100)  # one mouse-wheel notch in Chromium
    anna.keyboard.up("Control")
    anna.wait_for_function(f"{scale} !== {before}")
    ratio = anna.evaluate(scale) / before
    assert 1.05 < ratio < 1.15, ratio
    # Three lines (deltaMode 1, as other browsers send a notch) and a pinch's small delta.
    for delta, mode, low, high in ((3, 1, 0.85, 0.95), (-2, 0, 1.01, 1.03)):
        before = anna.evaluate(scale)
        anna.evaluate(
            """([dy, mode, x, y]) => document.querySelector('.canvas').dispatchEvent(new WheelEvent(
                'wheel', {deltaY: dy, deltaMode: mode, ctrlKey: true, clientX: x, clientY: y,
                          bubbles: true, cancelable: true}))""",
            [delta, mode, box["x"] + 100, box["y"] + 100])
        ratio = anna.evaluate(scale) / before
        assert low < ratio < high, (delta, mode, ratio)
