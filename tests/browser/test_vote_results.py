"""The ranked results of a voting round (issue 14): per zone, most votes first, for everyone,
copied as text, and carried into the covenant preview as each item's votes."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from browser.facilitation_helpers import note_at
from partnerboard.canvases.partnership_map.spec import SPEC

VALUES = SPEC.zone("values").rect
IN_VALUES = (VALUES.x + VALUES.w / 2, VALUES.y + 200)
IN_VALUES_LOW = (VALUES.x + VALUES.w / 2, VALUES.y + 420)
ACTIONS = SPEC.zone("actions").rect
IN_ACTIONS = (ACTIONS.x + ACTIONS.w / 2, ACTIONS.y + 200)


def test_ranked_results_per_zone_after_the_round_closes(open_board, board, server):
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    anna = open_board(board, name="Anna", org="Zorg")
    watcher = open_board(board, role="observer", name="Olga", org="Zorg")
    note_at(anna, "Shared budget", IN_VALUES)
    note_at(anna, "Safe streets", IN_VALUES_LOW)
    note_at(anna, "Start a pilot", IN_ACTIONS)
    fac.get_by_label("Votes per participant").fill("3")
    fac.get_by_role("button", name="Open a voting round").click()
    expect(anna.locator(".vote-status")).to_contain_text("3 of your 3 votes left")
    expect(anna.locator("[data-action=vote-results]")).to_be_hidden()
    left = 3
    for text, times in (("Safe streets", 2), ("Start a pilot", 1)):
        for _ in range(times):
            anna.locator(".note", has_text=text).locator(".vote-add").click()
            # The next + only once the server has counted this one: a tap while a vote is on
            # its way is dropped (as a double tap would be).
            left -= 1
            expect(anna.locator(".vote-status")).to_contain_text(f"{left} of your 3 votes left")
    expect(anna.locator(".vote-status")).to_contain_text("0 of your 3 votes left")
    fac.get_by_role("button", name="Close the voting round").click()

    watcher.locator("[data-action=vote-results]").click()
    panel = watcher.locator(".vote-results")
    expect(panel.locator("h2")).to_have_text("Results of voting round 1")
    groups = panel.locator("h3")
    expect(groups).to_have_text(["1. Values", "5. Actions"])
    first = panel.locator("ol.ranked").first.locator("li")
    expect(first).to_have_count(1)  # the budget got no votes: not listed
    expect(first).to_contain_text("2 votes")
    expect(first).to_contain_text("Safe streets")
    expect(panel.locator("ol.ranked").nth(1).locator("li")).to_contain_text("1 vote")
    # A row shows its note on the board.
    first.locator(".ranked-text").click()
    expect(watcher.locator(".note.selected", has_text="Safe streets")).to_have_count(1)

    preview = httpx.get(f"{server.url}/api/boards/{board['id']}/covenant/preview", timeout=10,
                        headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
    sections = preview.json()["sections"]
    votes = {item["text"]: item.get("votes") for item in sections["values"] + sections["actions"]}
    assert votes == {"Shared budget": None, "Safe streets": 2, "Start a pilot": 1}
