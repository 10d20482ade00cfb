"""Party links in the browser: two partners and a guest write, vote and sign; each page offers
only what its link allows; the covenant shows the right signatures; participation counts stay
exact while observers move their cursors; the facilitator shares every link with a QR code."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from browser.facilitation_helpers import IN_RELATIONS, IN_VALUES, fit, note_at


def test_join_dialog_asks_a_party_link_only_for_a_name(open_board, board):
    zorg = open_board(board, party="Zorg", name=None, wait=False)
    dialog = zorg.locator("dialog.join")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".join-party")).to_have_text("You take part on behalf of Zorg.")
    expect(dialog.get_by_label("Organisation")).to_have_count(0)
    dialog.get_by_label("Your name").fill("Ayla")
    dialog.get_by_role("button", name="Start").click()
    expect(zorg.locator("#app")).to_have_attribute("data-joined", "true")

    guest = open_board(board, name=None, wait=False)
    dialog = guest.locator("dialog.join")
    expect(dialog.get_by_label("Organisation")).to_be_visible()
    expect(dialog.locator("#join-org-hint")).to_contain_text("guest")
    expect(dialog.locator(".partner-pick")).to_have_count(0)  # partners have their own links


@pytest.mark.timeout(360)  # five browsers through a whole session: long on a loaded machine
def test_two_parties_and_a_guest_write_vote_and_sign(open_board, board, server):
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    bram = open_board(board, party="Gemeente", name="Bram")
    ayla = open_board(board, party="Zorg", name="Ayla")
    gijs = open_board(board, name="Gijs", org="Omega")
    olga = open_board(board, role="observer", name="Olga", org="Delta")

    note_at(bram, "Safe streets", IN_VALUES)
    note_at(ayla, "Short lines", IN_RELATIONS)
    note_at(gijs, "Ask the residents", (IN_VALUES[0], IN_VALUES[1] + 250))
    for page in (fac, olga):
        expect(page.locator(".note", has_text="Safe streets").locator(".note-org")) \
            .to_have_text("Gemeente · Bram")
        expect(page.locator(".note", has_text="Short lines").locator(".note-org")) \
            .to_have_text("Zorg · Ayla")
        expect(page.locator(".note", has_text="Ask the residents").locator(".note-org")) \
            .to_have_text("Omega (guest) · Gijs")

    # Ayla edits Gemeente's note: it stays Gemeente's, and says who edited it.
    fit(ayla)
    ayla.locator(".note", has_text="Safe streets").dblclick()
    ayla.keyboard.press("End")
    ayla.keyboard.type(" for children")
    ayla.keyboard.press("Escape")
    edited = fac.locator(".note", has_text="Safe streets for children")
    # Too long for the note: shortened with an ellipsis inside it, the whole line its tooltip.
    line = edited.locator(".note-org")
    expect(line).to_have_attribute("title", "Gemeente · Bram · edited by Ayla (Zorg)")
    expect(line).to_have_text(re.compile(r"^Gemeente · Bram · .*…$"))
    text_right, note_right = line.evaluate("""line => {
        const range = document.createRange()
        range.selectNodeContents(line)
        const note = line.closest('.note')
        return [range.getBoundingClientRect().right, note.getBoundingClientRect().right]
    }""")
    assert text_right <= note_right, (text_right, note_right)
    expect(edited).to_have_attribute("aria-label", re.compile(r"edited by Ayla \(Zorg\)"))

    # Presence noise: the observer moves its cursor about; it never counts as edits.
    fit(olga)
    for step in range(30):
        olga.mouse.move(200 + step * 10, 300 + step * 5)
    expect(ayla.locator(".cursor", has_text="Olga")).to_have_count(1)

    # Voting: each seat has its own votes; the observer has none.
    fac.get_by_label("Votes per participant").fill("1")
    fac.get_by_role("button", name="Open a voting round").click()
    for page in (bram, ayla, gijs):
        expect(page.locator(".vote-status")).to_contain_text("1 of your 1 votes left")
        page.locator(".note", has_text="Safe streets").locator(".vote-add").click()
        expect(page.locator(".vote-status")).to_contain_text("0 of your 1 votes left")
    expect(olga.locator(".vote-status")).to_contain_text("is open")  # the round reached her
    expect(olga.locator(".vote-add")).to_have_count(0)

    # The facilitator sees the seats with their organisation and votes.
    fac.get_by_role("button", name="Share").click()
    seats = fac.locator(".share-seats tbody tr")
    expect(seats).to_have_count(4)  # Fiona, Bram, Ayla, Gijs; the observer has no seat
    expect(seats.filter(has_text="Gijs")).to_contain_text("Omega (guest)")
    expect(seats.filter(has_text="Ayla").locator("td").nth(1)).to_have_text("1")
    fac.get_by_role("button", name="Close the voting round").click()
    expect(fac.locator(".note", has_text="Safe streets").locator(".decor-result")) \
        .to_have_text("★ 3")

    # Participation: counted per connection, the guest kept apart, the observer nowhere.
    fac.get_by_role("button", name="Participation").click()
    panel = fac.locator("aside.participation")
    zorg_row = panel.locator("tr[data-org=Zorg] td")
    expect(zorg_row.first).to_have_text("1")  # one note
    answer = httpx.get(f"{server.url}/api/boards/{board['id']}/participation",
                       params={"token": board["tokens"]["facilitator"]}).json()
    rows = {(row["name"], row.get("guest", False)): row for row in answer["organisations"]}
    assert ("Delta", False) not in rows
    assert rows[("Omega", True)]["notes"] == 1 and rows[("Zorg", False)]["notes"] == 1
    assert rows[("Zorg", False)]["edits"] >= 2  # the note and its edit of Gemeente's note
    expect(panel.locator("tr[data-org='guest:Omega'] .guest-mark")).to_have_text(" (guest)")

    # Finalize; the two parties sign, the guest and the observer cannot.
    fac.get_by_role("button", name="Finalize…").click()
    fac.locator("dialog.finalize-dialog").get_by_role("button", name="Finalize now").click()
    for page, party in ((ayla, "Zorg"), (bram, "Gemeente")):
        sign = page.locator("form.sign")
        expect(sign.locator(".sign-party")).to_have_text(f"You sign on behalf of {party}.")
        sign.get_by_role("button", name="Sign").click()
    expect(ayla.locator(".sign-result")).to_have_text("Signed by Ayla on behalf of Zorg.")
    expect(bram.locator(".sign-result")).to_have_text("Signed by Bram on behalf of Gemeente.")
    for page in (gijs, olga, fac):
        expect(page.locator(".covenant-links a")).to_have_count(4)
        expect(page.locator("form.sign")).to_have_count(0)
    covenant = httpx.get(f"{server.url}/api/boards/{board['id']}/covenant",
                         params={"token": board["tokens"]["observer"]}).json()
    assert sorted((s["organisation"], s["name"]) for s in covenant["signatures"]) == \
        [("Gemeente", "Bram"), ("Zorg", "Ayla")]
    with gijs.context.expect_page() as opened:
        gijs.locator(".covenant-links a[data-format=html]").click()
    document = opened.value.locator("body")
    expect(document).to_contain_text("Signed by: Ayla")
    expect(document).to_contain_text("Signed by: Bram")


def test_share_panel_shows_every_party_link_with_qr_and_replaces_one(open_board, board, server):
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    zorg = open_board(board, party="Zorg", name="Ayla")
    fac.get_by_role("button", name="Share").click()
    panel = fac.locator("aside.share")
    for party in board["parties"]:
        row = panel.locator(f".share-row[data-link='party:{party['id']}']")
        expect(row.locator("input.link")).to_have_value(party["link"])
        expect(row.locator("img.qr")).to_have_attribute("src", re.compile("^data:image/svg"))
        expect(row.get_by_role("button", name="Copy")).to_be_visible()
    expect(panel.locator(".share-row")).to_have_count(5)

    fac.once("dialog", lambda dialog: dialog.accept())
    panel.locator(".share-row[data-link='party:p2']").get_by_role("button", name="New link").click()
    expect(zorg.locator("#connection")).to_contain_text("No access to this board")
    fresh = panel.locator(".share-row[data-link='party:p2'] input.link")
    expect(fresh).not_to_have_value(board["parties"][1]["link"])
    assert httpx.get(board["parties"][1]["link"]).status_code == 403

    panel.get_by_label("Add a partner").fill("School")
    panel.get_by_role("button", name="Add", exact=True).click()
    expect(panel.locator(".share-row.party")).to_have_count(3)
    expect(panel.locator(".share-row[data-link='party:p3'] img.qr")).to_be_visible()


def test_share_panel_asks_to_reissue_a_link_it_cannot_show_again(open_board, board, server):
    """A link sealed the older way (second development round) cannot be opened any more: the
    panel says so and offers a new link instead of failing."""
    from test_link_seal import old_seal

    zorg = board["parties"][1]
    value = old_seal(zorg["token"], board["tokens"]["facilitator"], board["id"], "party:p2")
    server.query(f"UPDATE sealed_links SET sealed = '{value}' WHERE board_id = '{board['id']}'"
                 " AND link = 'party:p2' RETURNING link")
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    fac.get_by_role("button", name="Share").click()
    panel = fac.locator("aside.share")
    row = panel.locator(".share-row[data-link='party:p2']")
    expect(row.locator(".link-state")).to_contain_text("re-issue this link to see it again")
    expect(row.locator("input.link")).to_be_hidden()
    expect(row.locator("img.qr")).to_have_count(0)
    expect(panel.locator(".share-row[data-link='party:p1'] input.link")) \
        .to_have_value(board["parties"][0]["link"])
    expect(panel.locator("p.panel-error")).to_have_text("")

    fac.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="New link").click()
    expect(row.locator("input.link")).to_be_visible()
    expect(row.locator("img.qr")).to_be_visible()
    expect(row.locator(".link-state")).to_have_count(0)
    assert httpx.get(row.locator("input.link").input_value()).status_code == 200


def test_the_outline_marks_a_guests_organisation_in_both_languages(open_board, server):
    """The board's outline (the text view of every note) shows a guest's self-declared
    organisation marked, as the note itself and the covenant do."""
    for language, mark in (("en", "guest"), ("nl", "gast")):
        board = server.create_board(language=language)
        gijs = open_board(board, name="Gijs", org="Omega")
        note_at(gijs, "Ask the residents", IN_VALUES)
        ayla = open_board(board, party="Zorg", name="Ayla")
        note_at(ayla, "Short lines", IN_RELATIONS)
        fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
        fac.get_by_role("button", name="Outline" if language == "en" else "Overzicht").click()
        items = fac.locator(".outline-item")
        expect(items.filter(has_text="Ask the residents").locator(".outline-meta")) \
            .to_have_text(f" — Omega ({mark})")
        expect(items.filter(has_text="Short lines").locator(".outline-meta")) \
            .to_have_text(" — Zorg")


def test_a_removed_seat_is_disconnected_at_once_and_told_why(open_board, board, server):
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    ayla = open_board(board, party="Zorg", name="Ayla")
    bram = open_board(board, party="Gemeente", name="Bram")
    fac.get_by_role("button", name="Share").click()
    seats = fac.locator(".share-seats tbody tr")
    expect(seats.filter(has_text="Ayla")).to_have_count(1)
    fac.once("dialog", lambda dialog: dialog.accept())
    seats.filter(has_text="Ayla").get_by_role("button", name="Remove").click()
    expect(seats.filter(has_text="Ayla")).to_have_count(0)
    expect(ayla.locator("#connection")).to_have_text(
        "The facilitator removed your seat. Reload the page to join again.")
    expect(ayla.locator("#connection")).to_have_attribute("data-state", "denied")
    expect(bram.locator("#connection")).to_have_attribute("data-state", "connected")
    # Reloading joins again with a new seat (no votes carried over).
    ayla.reload()
    expect(ayla.locator("#app")).to_have_attribute("data-joined", "true")
    expect(ayla.locator("#connection")).to_have_attribute("data-state", "connected")
    fac.get_by_role("button", name="Share").click()
    fac.get_by_role("button", name="Share").click()
    expect(seats.filter(has_text="Ayla")).to_have_count(1)
