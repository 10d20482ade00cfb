"""Small page helpers for the browser tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from playwright.sync_api import Locator, Page, expect
from pycrdt import Doc, Map
from yclient import YClient, connected, has_everything_of, wait_for


def to_page(page: Page, x: float, y: float) -> tuple[float, float]:
    """Page coordinates of a board point, through the board's own viewport, once the canvas
    has stopped moving (bars above it may appear after the first render)."""
    return tuple(page.evaluate(
        """async ([x, y]) => {
            const board = window.partnerboard.board
            const frame = () => new Promise(resolve => requestAnimationFrame(resolve))
            const where = () => {
                const box = board.container.getBoundingClientRect()
                const p = board.viewport.toScreen(x, y)
                return [box.left + p.x, box.top + p.y]
            }
            let last = where()
            for (let stable = 0; stable < 3;) {
                await frame()
                const now = where()
                stable = now[0] === last[0] && now[1] === last[1] ? stable + 1 : 0
                last = now
            }
            return last
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
    return type_new_note(page, text)


def type_new_note(page: Page, text: str) -> Locator:
    """Type into the editor of the note just made, finish with Escape, return the note."""
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


def change_as_other_client(url: str, change: Callable[[YClient], None]) -> None:
    """Connect a pycrdt client, apply `change`, wait until the server has it (another client
    sees it), disconnect. Runs in a thread: Playwright's sync API keeps this thread's asyncio
    loop busy."""

    async def scenario() -> None:
        async with connected(url) as writer:
            change(writer)
            async with connected(url) as reader:
                await wait_for(lambda: has_everything_of(reader.doc, writer.doc), 5,
                               what="the change")

    run_in_thread(scenario, 20)


def server_holds(url: str, condition: Callable[[Doc], bool], what: str,
                 seconds: float = 10) -> None:
    """Wait until the server's copy of a board meets ``condition``, as a pycrdt client connected
    to it (``url``: a board WebSocket link) sees it, with each update the server passes on.

    For a step that asks the server about what a page just wrote (finalize or merge through the
    API, a page opened next): the page shows its own edit at once, and sends it over its
    WebSocket some time later; the server only knows what has arrived."""

    async def scenario() -> None:
        async with connected(url) as reader:
            await wait_for(lambda: condition(reader.doc), seconds, what=what)

    run_in_thread(scenario, seconds + 20)


def texts_of(doc: Doc) -> list[str]:
    """The texts of a board document's elements (for :func:`server_holds`)."""
    return [str(element["text"]) for element in doc.get("elements", type=Map).values()
            if "text" in element]


def server_holds_notes(url: str, *texts: str) -> None:
    """Wait until the server holds a note with each of these texts, whole."""
    server_holds(url, lambda doc: set(texts) <= set(texts_of(doc)),
                 what=f"the server to hold the notes {texts}")


def run_in_thread(scenario: Callable[[], Coroutine[Any, Any, None]], seconds: float) -> None:
    """Run an asyncio scenario to its end in a thread of its own (Playwright's sync API keeps
    this thread's loop busy); what it raised is raised here, and a scenario still running after
    ``seconds`` fails the test (the test would go on without what the scenario waits for)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if errors:
        raise errors[0]
    if thread.is_alive():
        raise AssertionError(f"the scenario did not end within {seconds} s")
