"""Finalizing in the browser: the completeness checklist first, then every open page turns
read-only with the covenant's documents, the sign-off, and a new version for the facilitator."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from browser.facilitation_helpers import IN_VALUES, note_at


def test_finalize_shows_the_checklist_then_freezes_every_page_with_the_covenant(open_board, board):
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    anna = open_board(board, name="Anna", party="Zorg")
    note_at(anna, "Children grow up safely", IN_VALUES)
    expect(fac.locator(".note", has_text="Children grow up safely")).to_be_visible()

    fac.get_by_role("button", name="Finalize…").click()
    dialog = fac.locator("dialog.finalize-dialog")
    expect(dialog.locator(".check-group")).to_have_count(3)
    expect(dialog.locator(".check-group[data-group=who] h3")).to_contain_text("Who")
    activities = dialog.locator(".check-item[data-id=activities]")
    expect(activities).to_have_attribute("data-status", "not_in_place")
    expect(activities.locator(".check-notes")).not_to_be_empty()
    values = dialog.locator(".check-sections li[data-section=values]")
    expect(values).to_have_text("Shared values and aims: 1 item")

    # "Not yet" leaves the board open.
    dialog.get_by_role("button", name="Not yet").click()
    expect(dialog).to_be_hidden()
    expect(anna.locator("#app")).not_to_have_class(re.compile("read-only"))

    fac.get_by_role("button", name="Finalize…").click()
    dialog.get_by_role("button", name="Finalize now").click()
    expect(dialog).to_be_hidden()

    # The participant's open page turns read-only, with the banner and the documents.
    expect(anna.locator(".banner.finalized")).to_be_visible()
    expect(anna.locator("#app")).to_have_class(re.compile("read-only"))
    expect(anna.locator("[data-action=new-note]")).to_be_hidden()
    links = anna.locator(".covenant-links a")
    expect(links).to_have_count(4)
    with anna.context.expect_page() as opened:
        anna.locator(".covenant-links a[data-format=html]").click()
    covenant = opened.value
    expect(covenant.locator("body")).to_contain_text("Children grow up safely")
    assert "/covenant?format=html" in covenant.url
    covenant.close()

    # Sign-off: name from the join dialog, for the partner whose link this is.
    sign = anna.locator("form.sign")
    expect(sign.get_by_label("Your name")).to_have_value("Anna")
    expect(sign.locator(".sign-party")).to_have_text("You sign on behalf of Zorg.")
    sign.get_by_role("button", name="Sign").click()
    expect(anna.locator(".sign-result")).to_have_text("Signed by Anna on behalf of Zorg.")

    # The facilitator starts a new version and gets its links.
    expect(fac.locator("[data-action=finalize]")).to_be_hidden()
    fac.get_by_role("button", name="Start a new version").click()
    new_link = fac.locator(".new-version .new-links [data-role=facilitator] input")
    expect(new_link).to_have_value(re.compile(r"/b/\w+\?token="))
    assert board["id"] not in new_link.input_value()

    # Someone opening the board afterwards finds it finalized, the sign-off ready for them.
    bram = open_board(board, name="Bram", party="Gemeente")
    expect(bram.locator(".banner.finalized")).to_be_visible()
    expect(bram.locator("form.sign").get_by_label("Your name")).to_have_value("Bram")
    expect(bram.locator("form.sign .sign-party")).to_have_text("You sign on behalf of Gemeente.")
    # The guest link does not sign: nobody speaks for a partner but its own link.
    guest = open_board(board, name="Gijs", org="Omega")
    expect(guest.locator(".banner.finalized")).to_be_visible()
    expect(guest.locator("form.sign")).to_have_count(0)
