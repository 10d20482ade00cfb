"""Small page helpers for the browser tests."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def to_page(page: Page, x: float, y: float) -> tuple[float, float]:
    """Page coordinates of a board point, through the board's own viewport."""
    return tuple(page.evaluate(
        """([x, y]) => {
            const board = window.partnerboard.board
            const box = board.container.getBoundingClientRect()
            const p = board.viewport.toScreen(x, y)
            return [box.left + p.x, box.top + p.y]
        }""",
        [x, y],
    ))


def add_note(page: Page, text: str, at: tuple[float, float] | None = None) -> Locator:
    """Make a note (double-click at a board point, or the N key), type its text, finish."""
    if at is None:
        page.locator(".canvas").focus()
        page.keyboard.press("n")
    else:
        page.mouse.dblclick(*to_page(page, *at))
    editor = page.locator("textarea.note-editor")
    expect(editor).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Escape")
    expect(editor).to_have_count(0)
    note = page.locator(".note", has_text=text)
    expect(note).to_have_count(1)
    return note


def note_text(page: Page, text: str) -> Locator:
    return page.locator(".note .note-text", has_text=text)
