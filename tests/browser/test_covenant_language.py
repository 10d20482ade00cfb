"""A Dutch board's finalize preview, outline, sign-off and covenant page speak Dutch only, with
plurals that fit and the "only agreed notes" rule shown where it applies."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from browser.facilitation_helpers import IN_RELATIONS, IN_VALUES, note_at

ENGLISH = re.compile(r"\b(items?|parties|contributions|representatives|already signed|"
                     r"nothing recorded|missing|agreed)\b")


def test_dutch_board_preview_outline_and_sign_off(open_board, server):
    board = server.create_board(language="nl")
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    anna = open_board(board, name="Anna", org="Zorg")
    note_at(anna, "Kinderen groeien veilig op", IN_VALUES)
    note_at(anna, "Nog niet besproken", (IN_VALUES[0], IN_VALUES[1] + 300))
    note_at(anna, "Elkaar snel bellen", IN_RELATIONS)

    # The facilitator marks one values note agreed (select it, press G).
    agreed = fac.locator(".note", has_text="Kinderen groeien veilig op")
    agreed.click()
    fac.keyboard.press("g")
    expect(agreed).to_have_class(re.compile("status-agreed"))

    # The outline says where the rule applies and which note no longer counts.
    fac.get_by_role("button", name="Overzicht").click()
    values = fac.locator(".outline-zone[data-zone=values]")
    expect(values.locator(".outline-agreed-only")).to_contain_text("(1 van 2)")
    expect(values.locator(".outline-item[data-counted=false]")).to_contain_text(
        "Nog niet besproken")
    expect(values.locator(".outline-item[data-counted=false]")).to_contain_text("telt niet mee")
    relations = fac.locator(".outline-zone[data-zone=relations]")
    # ... not in a zone without the rule (once Anna's note there has reached this page).
    expect(relations.locator(".outline-item", has_text="Elkaar snel bellen")).to_have_count(1)
    expect(relations.locator(".outline-agreed-only")).to_have_count(0)
    expect(relations.locator(".outline-item[data-counted=false]")).to_have_count(0)

    # The finalize preview: the same rule, section titles and plurals in Dutch.
    fac.get_by_role("button", name="Afronden…").click()
    dialog = fac.locator("dialog.finalize-dialog")
    expect(dialog.locator(".check-agreed-only li[data-zone=values]")).to_have_text(
        "Waarden: 1 van 2 akkoord")
    expect(dialog.locator(".check-sections li[data-section=values]")).to_have_text(
        "Gedeelde waarden en doelen: 1 punt")
    expect(dialog.locator(".check-sections li[data-section=roles_and_communication]")).to_have_text(
        "Rollen en communicatie: 0 punten")
    expect(dialog.locator(".check-summary")).to_contain_text("punten niet")
    text = dialog.inner_text()
    assert not ENGLISH.search(text), ENGLISH.search(text)
    assert "roles_and_communication" not in text

    dialog.get_by_role("button", name="Nu afronden").click()
    expect(anna.locator(".banner.finalized")).to_be_visible()

    # Anna signs for Zorg; a colleague of Zorg trying again gets one Dutch sentence.
    anna.locator("form.sign").get_by_role("button", name="Ondertekenen").click()
    expect(anna.locator(".sign-result")).to_have_text("Ondertekend door Anna namens Zorg.")
    bea = open_board(board, name="Bea", org="Zorg")
    bea.locator("form.sign").get_by_role("button", name="Ondertekenen").click()
    expect(bea.locator(".sign-result")).to_have_text(
        "Jullie organisatie heeft deze versie al ondertekend.")

    # The covenant page: Dutch dates, no ISO timestamps.
    with anna.context.expect_page() as opened:
        anna.locator(".covenant-links a[data-format=html]").click()
    covenant = opened.value
    body = covenant.locator("body")
    expect(body).to_contain_text("Kinderen groeien veilig op")
    page_text = body.inner_text()
    months = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|"
              "november|december")
    assert re.search(rf"afgerond op \d{{1,2}} ({months}) \d{{4}}", page_text)
    assert "+00:00" not in page_text and "Nog niet besproken" not in page_text
    covenant.close()
