"""Rendering a busy board: others' moves all show even when they arrive faster than the browser
draws them (the renderer then holds them for a while), the simpler drawing when zoomed out lays
notes out as the closer zoom does, and a remembered participant connects once."""

from __future__ import annotations

import asyncio
import random
import re
import time

from playwright.sync_api import Page, expect
from yclient import connected, has_everything_of, wait_for

from browser.board_helpers import change_as_other_client, run_in_thread

# A note's position on the board, from its translation (board.css / note.js).
POSITIONS = """() => Object.fromEntries([...document.querySelectorAll('.note')].map(n => {
    const m = new DOMMatrixReadOnly(getComputedStyle(n).transform)
    return [n.dataset.id, [m.m41, m.m42]]
}))"""


def flood(url: str, ids: list[str], seconds: float) -> dict[str, tuple[float, float]]:
    """Another participant moves 40 random notes every 50 ms for `seconds` (as many changes as
    the browser benchmark's stress case); returns where every note ended, once the server has it."""
    final: dict[str, tuple[float, float]] = {}

    async def scenario() -> None:
        async with connected(url) as mover:
            rng = random.Random(5)
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                with mover.doc.transaction():
                    for note_id in rng.sample(ids, 40):
                        note = mover.elements[note_id]
                        note["x"] = float(note["x"]) + rng.uniform(-8, 8)
                        note["y"] = float(note["y"]) + rng.uniform(-8, 8)
                await asyncio.sleep(0.05)
            for note_id in ids:
                final[note_id] = (float(mover.elements[note_id]["x"]),
                                  float(mover.elements[note_id]["y"]))
            async with connected(url) as reader:
                await wait_for(lambda: has_everything_of(reader.doc, mover.doc), 10,
                               what="the moves on the server")

    run_in_thread(scenario, seconds + 30)
    return final


def zoom_to(page: Page, scale: float) -> None:
    page.evaluate("s => { const v = window.partnerboard.board.viewport; v.zoomBy(s / v.scale) }",
                  scale)


def test_every_move_of_a_flood_of_remote_moves_shows_in_the_end(open_board, board, server):
    ids = [f"n{i:03d}" for i in range(400)]

    def fill(client):  # noqa: ANN001 - yclient.YClient
        for i, note_id in enumerate(ids):
            row, col = divmod(i, 25)
            client.add_note(note_id, f"Note {i}", x=40 + col * 90, y=40 + row * 85)

    change_as_other_client(server.board_ws(board), fill)
    page = open_board(board)
    page.locator("[data-action=fit]").click()
    expect(page.locator(".world.zoomed-out")).to_have_count(1)
    final = flood(server.board_ws(board), ids, 3)
    # Held remote changes wait at most 1.5 s, then are drawn together: nothing is dropped.
    page.wait_for_function(
        f"""final => {{
            const shown = ({POSITIONS})()
            return Object.entries(final).every(([id, [x, y]]) =>
                shown[id] && Math.abs(shown[id][0] - x) < 0.01 && Math.abs(shown[id][1] - y) < 0.01)
        }}""",
        arg=final, timeout=10_000)


def test_zoomed_out_notes_are_laid_out_as_at_the_closer_zoom(open_board, board, server):
    texts = {
        "plain": "One line of text that wraps over a few lines in a note",
        "spaced": "Two  spaces,  then          ten\n  and an indented line",
        "org": "A note by someone from an organisation with a long name",
    }

    long_org = "Stichting Welzijn en Zorg Noordstad-Oost"

    def fill(client):  # noqa: ANN001 - yclient.YClient
        for i, (note_id, text) in enumerate(texts.items()):
            client.add_note(note_id, text, x=300 + i * 220, y=400,
                            org=long_org if note_id == "org" else "")

    # The facilitator's organisations stand as written (a participant's are stamped).
    change_as_other_client(server.board_ws(board, "facilitator"), fill)
    page = open_board(board)
    # Per note: its height and where each word of its text starts, in board pixels.
    layout = """() => Object.fromEntries(['plain', 'spaced', 'org'].map(id => {
        const note = document.querySelector(`.note[data-id="${id}"]`)
        const box = note.getBoundingClientRect()
        const scale = window.partnerboard.board.viewport.scale
        const text = note.querySelector('.note-text').firstChild
        const words = [...text.data.matchAll(/\\S+/g)].map(match => {
            const range = document.createRange()
            range.setStart(text, match.index)
            range.setEnd(text, match.index + match[0].length)
            const rect = range.getClientRects()[0]
            return [(rect.left - box.left) / scale, (rect.top - box.top) / scale]
        })
        const org = document.createRange()
        org.selectNodeContents(note.querySelector('.note-org'))
        return [id, { height: box.height / scale, words,
                      orgInside: org.getBoundingClientRect().right <= box.right }]
    }))"""
    zoom_to(page, 0.61)
    expect(page.locator(".world.zoomed-out")).to_have_count(0)
    closer = page.evaluate(layout)
    zoom_to(page, 0.59)
    expect(page.locator(".world.zoomed-out")).to_have_count(1)
    farther = page.evaluate(layout)
    for note_id in texts:
        # The line below a zoomed-out note is a 1px border instead of a shadow outside it.
        assert abs(closer[note_id]["height"] - farther[note_id]["height"]) <= 1.5, (closer, farther)
        # The same lines of text: every word where it was.
        words = zip(closer[note_id]["words"], farther[note_id]["words"], strict=True)
        for (x1, y1), (x2, y2) in words:
            assert abs(x1 - x2) <= 1 and abs(y1 - y2) <= 1, (note_id, closer, farther)
        assert closer[note_id]["orgInside"] and farther[note_id]["orgInside"], (closer, farther)
    org = page.locator('.note[data-id="org"] .note-org')
    expect(org).to_have_text(re.compile("…$"))
    expect(org).to_have_attribute("title", re.compile(rf"^{long_org} .*· test$"))


def test_a_remembered_participant_without_a_seat_connects_once(open_board, board):
    page = open_board(board)
    # As on another day: the name is remembered, but there is no seat for this link here.
    page.evaluate("""() => Object.keys(localStorage)
        .filter(key => key.startsWith('partnerboard-seat-'))
        .forEach(key => localStorage.removeItem(key))""")
    sockets = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    page.reload()
    expect(page.locator("#app")).to_have_attribute("data-joined", "true")
    expect(page.locator(".connection")).to_have_attribute("data-state", "connected")
    # The seat is asked for first, so the one connection presents it (no second sync).
    assert len(sockets) == 1 and "seat=" in sockets[0], sockets
