"""Comments on a note (issue 14): a thread everyone with the board reads, participants add to,
shown in the outline, and never part of the covenant or the board picture."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from browser.facilitation_helpers import note_at
from partnerboard.canvases.partnership_map.spec import SPEC

VALUES = SPEC.zone("values").rect


def test_a_thread_on_a_note_is_shared_in_the_outline_and_kept_out_of_the_covenant(
    open_board, board, server
):
    anna = open_board(board, name="Anna", org="Gemeente")
    bram = open_board(board, name="Bram", org="Zorg")
    watcher = open_board(board, role="observer", name="Olga", org="Zorg")
    note_at(anna, "Shared budget", (VALUES.x + 120, VALUES.y + 200))

    # Bram selects Anna's note and presses M: the thread opens, empty, with a box to write in.
    bram.locator(".note", has_text="Shared budget").click()
    bram.keyboard.press("m")
    thread = bram.locator("dialog.comments")
    expect(thread).to_be_visible()
    expect(thread).to_contain_text("No comments yet.")
    thread.get_by_label("Your comment").fill("Which budget line? Ours is spent.")
    thread.get_by_role("button", name="Post").click()
    expect(thread.locator(".comment")).to_have_count(1)
    expect(thread.locator(".comment-by")).to_contain_text("Bram · Zorg")
    bram.keyboard.press("Escape")

    # Anna sees the badge, opens the thread from it and answers.
    badge = anna.locator(".note", has_text="Shared budget").locator(".comment-badge")
    expect(badge).to_have_text("💬 1")
    badge.click()
    anna.locator("dialog.comments").get_by_label("Your comment").fill("The youth fund.")
    anna.locator("dialog.comments").get_by_role("button", name="Post").click()
    expect(anna.locator("dialog.comments .comment-text")).to_have_text(
        ["Which budget line? Ours is spent.", "The youth fund."])
    anna.keyboard.press("Escape")

    # The observer reads the thread in the outline, and can't write in the dialog.
    watcher.locator("[data-action=outline]").click()
    item = watcher.locator(".outline-item", has_text="Shared budget")
    expect(item.locator(".comment-text")).to_have_text(
        ["Which budget line? Ours is spent.", "The youth fund."])
    expect(watcher.locator(".outline-item")).to_have_count(1)  # comments are no items
    watcher.locator(".note", has_text="Shared budget").locator(".comment-badge").click()
    expect(watcher.locator("dialog.comments .comment")).to_have_count(2)
    expect(watcher.locator("dialog.comments .comment-form")).to_be_hidden()

    headers = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
    preview = httpx.get(f"{server.url}/api/boards/{board['id']}/covenant/preview",
                        headers=headers, timeout=10).json()
    assert "youth fund" not in str(preview["sections"]) and "Ours is spent" not in str(preview)
    assert [p["name"] for p in preview["participants"]] == ["Anna"]
    picture = httpx.get(f"{server.url}/api/boards/{board['id']}/image", headers=headers,
                        timeout=10).text
    assert "Shared budget" in picture and "youth fund" not in picture
