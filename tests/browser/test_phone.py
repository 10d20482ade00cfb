"""A phone (390×844, touch): join, read, add a note where you look, edit and move it, vote, see
the timer; the board keeps most of the screen and the facilitator's tools fold into a menu."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from browser.board_helpers import type_new_note
from browser.facilitation_helpers import IN_RELATIONS, note_at, zone_of_note

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser) -> Iterator:
    contexts = []
    errors: list[str] = []

    def open_(link: str) -> Page:
        context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True,
                                      device_scale_factor=2)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(link)
        expect(page.locator("#app")).to_have_attribute("data-rendered", "true")
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, errors


def join(page: Page, name: str, org: str) -> None:
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"] and box["y"] + box["height"] <= PHONE["height"]
    dialog.get_by_label("Your name").fill(name)
    dialog.get_by_label("Organisation").fill(org)
    dialog.get_by_role("button", name="Start", exact=True).tap()
    expect(page.locator("#app")).to_have_attribute("data-joined", "true")


def assert_fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width == PHONE["width"], f"the page is {width} px wide"
    canvas = page.locator(".canvas").bounding_box()
    assert canvas["height"] >= 0.6 * PHONE["height"], canvas


def touch_drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A finger drag, as a phone sends it (Playwright has no touch-move of its own)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent",
             {"type": "touchStart", "touchPoints": [{"x": start[0], "y": start[1]}]})
    for step in range(1, 11):
        x = start[0] + (end[0] - start[0]) * step / 10
        y = start[1] + (end[1] - start[1]) * step / 10
        cdp.send("Input.dispatchTouchEvent",
                 {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def centre(box: dict) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_participant_on_a_phone_joins_adds_edits_moves_and_votes(phone, open_board, board):
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    note_at(fac, "Samen sterker", IN_RELATIONS)
    anna = phone(board["links"]["participant"])
    join(anna, "Anna", "Zorg")
    assert_fits_the_screen(anna)

    # Reading: the outline lists every note as text and can be tapped open and shut.
    anna.get_by_role("button", name="Outline").tap()
    outline = anna.locator("aside.outline")
    expect(outline).to_be_visible()
    expect(outline).to_contain_text("Samen sterker")
    box = outline.bounding_box()
    assert box["width"] >= PHONE["width"] - 2  # covers the board instead of squeezing it
    anna.get_by_role("button", name="Outline").tap()
    expect(outline).to_be_hidden()

    # Looking at the relations column, a new note lands in it, in view.
    anna.evaluate("""() => {
        const board = window.partnerboard.board
        board.viewport.fit(board.spec.zones.find(z => z.id === 'relations').rect)
    }""")
    anna.get_by_role("button", name="New note").tap()
    note = type_new_note(anna, "Vanaf mijn telefoon")
    assert zone_of_note(anna, "Vanaf mijn telefoon") == "relations"
    canvas = anna.locator(".canvas").bounding_box()
    nbox = note.bounding_box()
    assert canvas["y"] <= nbox["y"] and nbox["y"] + nbox["height"] <= canvas["y"] + canvas["height"]
    assert 0 <= nbox["x"] and nbox["x"] + nbox["width"] <= PHONE["width"]
    expect(fac.locator(".note", has_text="Vanaf mijn telefoon")).to_be_visible()

    # Edit: tap to select, tap again to type; a tap on the board ends editing.
    note = anna.locator(f".note[data-id='{note.get_attribute('data-id')}']")
    empty_spot = (canvas["x"] + 10, canvas["y"] + canvas["height"] - 10)
    anna.touchscreen.tap(*empty_spot)
    note.tap()
    editor = anna.locator("textarea.note-editor")
    expect(note).to_have_class(re.compile("selected"))
    expect(editor).to_have_count(0)
    note.tap()
    expect(editor).to_be_focused()
    anna.keyboard.type(" en meer")
    anna.touchscreen.tap(*empty_spot)
    expect(editor).to_have_count(0)
    expect(fac.locator(".note", has_text="Vanaf mijn telefoon en meer")).to_be_visible()

    # Move: drag it with a finger.
    before = note.bounding_box()
    start = centre(before)
    touch_drag(anna, start, (start[0], start[1] + 120))
    anna.wait_for_function(
        """([top]) => {
            const node = [...document.querySelectorAll('.note')]
                .find(n => n.textContent.includes('en meer'))
            return node && node.getBoundingClientRect().top > top + 60
        }""", arg=[before["y"]])

    # The facilitator starts a timer and a voting round; the phone sees both and votes.
    fac.get_by_label("Minutes").fill("3")
    fac.get_by_role("button", name="Start the timer").click()
    fac.get_by_role("button", name="Open a voting round").click()
    timer = anna.locator(".timer")
    expect(timer).to_be_visible()
    expect(anna.locator(".timer-clock")).to_have_text(re.compile(r"^[23]:\d\d$"))
    tbox = timer.bounding_box()
    assert tbox["x"] >= 0 and tbox["x"] + tbox["width"] <= PHONE["width"]
    add = note.locator(".vote-add")
    # The round has reached this phone, with its votes to spend (as the status line says).
    expect(anna.locator(".vote-status")).to_contain_text("votes left")
    expect(add).to_be_enabled()
    # A finger's target on screen, whatever the zoom (it was 13 px at the phone's fit zoom).
    box = add.bounding_box()
    assert box["width"] >= 28 and box["height"] >= 28, box
    # A click: Playwright's synthetic tap on it misses about one run in four here (no touch
    # event arrives at the page, on a quiet machine too), so a tap would make the test flaky.
    add.click()
    expect(note.locator(".vote-mine")).to_have_text("● 1")
    assert_fits_the_screen(anna)


def test_the_facilitators_tools_fold_into_a_menu_on_a_phone(phone, board):
    fac = phone(board["links"]["facilitator"])
    join(fac, "Fiona", "Gemeente")
    tools = fac.locator(".facilitator-tools")
    finalize = fac.get_by_role("button", name="Finalize…")
    expect(finalize).to_be_hidden()
    assert_fits_the_screen(fac)
    menu = fac.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.tap()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(tools).to_be_visible()
    expect(finalize).to_be_visible()
    expect(fac.get_by_role("button", name="Undo")).to_be_visible()
    assert fac.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    # A tool from the menu works, then the menu folds away again.
    fac.get_by_role("button", name="Start with step 1 ▶").tap()
    expect(fac.locator(".fac-step-label")).to_contain_text("Step 1 of 5")
    menu.tap()
    expect(finalize).to_be_hidden()
    assert_fits_the_screen(fac)
