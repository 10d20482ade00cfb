"""Page helpers for the facilitation and finalize browser tests."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

from browser.board_helpers import type_new_note

# Board points inside zones of the partnership map (canvases/partnership_map/spec.py).
IN_VALUES = (2100, 600)
IN_RELATIONS = (1640, 600)


def fit(page: Page) -> None:
    """Show the whole board, so any board point can be clicked."""
    page.evaluate("window.partnerboard.board.actions.fit()")


def note_at(page: Page, text: str, at: tuple[float, float]) -> Locator:
    """Make a note centred at a board point through the board's own action, then type its text."""
    page.evaluate("([x, y]) => window.partnerboard.board.actions.newNote({x, y})", list(at))
    return type_new_note(page, text)


def set_meta(page: Page, key: str, value: object) -> None:
    """Write a meta key from the facilitator's page (what its controls do)."""
    page.evaluate(
        """([key, value]) => {
            const board = window.partnerboard.board
            board.doc.transact(() => board.roots.meta.set(key, value))
        }""",
        [key, value],
    )


def zone_of_note(page: Page, text: str) -> str | None:
    return page.evaluate(
        """(text) => {
            const board = window.partnerboard.board
            let found = null
            board.roots.elements.forEach((el, id) => {
                if (el.get('text').toString() !== text) return
                const x = el.get('x') + el.get('w') / 2, y = el.get('y') + el.get('h') / 2
                for (const z of board.spec.zones) {
                    const r = z.rect
                    const inside = x >= r.x && x <= r.x + r.w && y >= r.y && y <= r.y + r.h
                    if (inside && !z.parking) found = z.id
                }
            })
            return found
        }""",
        text,
    )
