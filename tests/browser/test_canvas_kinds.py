"""Canvas-specific kinds in the browser: partner markers with a desired position and the
ambition line on the quadrant, rules with a level linked to situations, scores on building
blocks with the block's mean; each checked in a second context and in the covenant."""

from __future__ import annotations

import json
import re

import httpx
from playwright.sync_api import Page, expect

from browser.board_helpers import to_page
from browser.facilitation_helpers import note_at

# canvases/influence_dependency/spec.py: the plot area.
PLOT = {"x": 220, "y": 160, "w": 1200, "h": 1000}


def plot_point(dependency: float, influence: float) -> tuple[float, float]:
    return PLOT["x"] + dependency * PLOT["w"], PLOT["y"] + (1 - influence) * PLOT["h"]


def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drag with the mouse between two board points, in steps (pointer gestures need moves)."""
    page.mouse.move(*to_page(page, *start))
    page.mouse.down()
    page.mouse.move(*to_page(page, *end), steps=8)
    page.mouse.up()


def finalize(server, board: dict) -> dict:  # noqa: ANN001 - the ServerProcess fixture
    answer = httpx.post(f"{server.url}/api/boards/{board['id']}/finalize", timeout=10,
                        headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
    assert answer.status_code == 200, answer.text
    return answer.json()["covenant"]["sections"]


def centre_of(page: Page, selector: str) -> tuple[float, float]:
    """Board coordinates of the centre of the first element matching a kind selector."""
    return tuple(page.evaluate(
        """(selector) => {
            const board = window.partnerboard.board
            const id = document.querySelector(selector).dataset.id
            const el = board.roots.elements.get(id)
            return [el.get('x') + el.get('w') / 2, el.get('y') + el.get('h') / 2]
        }""",
        selector,
    ))


def test_partner_marker_and_desired_position_reach_another_participant(open_board, server):
    board = server.create_board(canvas="influence-dependency")
    anna = open_board(board, name="Anna", org="Gemeente")
    bram = open_board(board, name="Bram", org="Zorg")

    # Add a marker from the keyboard: the toolbar button, then one of the board's partners.
    add = anna.locator("[data-action=new-partner]")
    add.focus()
    anna.keyboard.press("Enter")
    dialog = anna.locator("dialog.partner-picker")
    dialog.get_by_role("button", name="Zorg").click()
    expect(dialog).to_have_count(0)
    marker = anna.locator(".partner", has_text="Zorg")
    expect(marker).to_be_focused()

    # T, then arrow keys: a desired position straight above the marker.
    anna.keyboard.press("t")
    for _ in range(3):
        anna.keyboard.press("Shift+ArrowUp")
    anna.keyboard.press("Enter")
    remote = bram.locator(".partner", has_text="Zorg")
    expect(remote).to_be_visible()
    expect(remote.locator(".partner-target")).to_be_visible()
    expect(remote.locator(".partner-arrow line")).to_have_attribute("y2", re.compile(r"^-"))
    expect(remote).to_have_attribute("aria-label", re.compile(r"desired position: .*\(up\)"))

    # With the pointer: move the marker to (0.8, 0.3), drag its desired position to (0.8, 0.9).
    drag(anna, centre_of(anna, ".partner"), plot_point(0.8, 0.3))
    expect(remote).to_have_attribute("aria-label",
                                     re.compile(r"dependency 80%, influence 30%; below"))
    expect(marker.locator(".handle.target")).to_be_visible()
    handle = marker.locator(".handle.target").bounding_box()
    anna.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    anna.mouse.down()
    anna.mouse.move(*to_page(anna, *plot_point(0.8, 0.9)), steps=8)
    anna.mouse.up()
    expect(remote).to_have_attribute(
        "aria-label", re.compile(r"desired position: dependency 80%, influence 90% \(up\)"))
    side = remote.locator(".partner-side")
    expect(side).to_have_attribute("aria-label", "below the ambition line")

    # The keys the covenant reads: text / partner, the centre in the plot, target_x / target_y.
    [item] = finalize(server, board)["partner_strategy"]
    assert item["text"] == "Zorg" and item["org"] == "Gemeente"
    assert abs(item["dependency"] - 0.8) <= 0.01 and abs(item["influence"] - 0.3) <= 0.01
    assert item["ambition"] == "below" and item["movement"] == ["up"]
    assert abs(item["desired"]["influence"] - 0.9) <= 0.01
    expect(bram.locator(".banner.finalized")).to_be_visible()
    expect(bram.locator("[data-action=new-partner]")).to_be_hidden()


def line_of(page: Page) -> list:
    return json.loads(page.locator(".layer-ambition-ui").get_attribute("data-line"))


def test_facilitator_moves_the_ambition_line_and_participants_see_it(open_board, server):
    board = server.create_board(canvas="influence-dependency")
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    anna = open_board(board, name="Anna", org="Zorg")
    ui = anna.locator(".layer-ambition-ui")
    expect(ui).to_have_attribute("data-line", "[[0,0.3],[1,0.8]]")
    expect(fac.locator(".ambition-handle")).to_have_count(2)
    expect(fac.locator(".ambition-handle[data-end='1']")).to_be_visible()
    expect(anna.locator(".ambition-handle[data-end='1']")).to_be_hidden()

    # A participant dragging at the line's end changes nothing (there is no handle to take).
    drag(anna, plot_point(1, 0.8), plot_point(1, 0.2))
    assert line_of(anna) == [[0, 0.3], [1, 0.8]]

    # The facilitator drags the right end down to 0.5 ...
    drag(fac, plot_point(1, 0.8), plot_point(1, 0.5))
    anna.wait_for_function(
        """() => {
            const line = JSON.parse(document.querySelector('.layer-ambition-ui').dataset.line)
            return Math.abs(line[1][1] - 0.5) < 0.01 && line[1][0] > 0.98
        }""")
    # ... and raises the left end with the keyboard.
    fac.locator(".ambition-handle[data-end='0']").focus()
    fac.keyboard.press("Shift+ArrowUp")
    fac.keyboard.press("Shift+ArrowUp")
    expect(ui).to_have_attribute("data-line", re.compile(r"^\[\[0,0\.4\],"))
    assert line_of(anna) == line_of(fac)
    # The participant's line follows, drawn at the new height.
    y = float(anna.locator(".ambition-line").get_attribute("y1"))
    assert abs(y - plot_point(0, 0.4)[1]) < 1

    # Delete on a handle puts the canvas default back.
    fac.keyboard.press("Delete")
    expect(ui).to_have_attribute("data-line", "[[0,0.3],[1,0.8]]")


def test_rule_with_a_level_linked_to_a_situation_reaches_another_context(open_board, server):
    board = server.create_board(canvas="game-rules")
    anna = open_board(board, name="Anna", org="Gemeente")
    bram = open_board(board, name="Bram", org="Zorg")
    expect(anna.locator("[data-action=new-partner]")).to_have_count(0)

    situation = note_at(anna, "Decided behind our backs", (360, 600))  # never-again
    anna.locator("[data-action=new-rule]").click()
    editor = anna.locator("textarea.note-editor")
    expect(editor).to_be_focused()
    anna.keyboard.type("Tell each other first")
    anna.keyboard.press("Escape")
    rule = anna.locator(".rule", has_text="Tell each other first")
    level = rule.locator("select.rule-level")
    expect(level).to_have_value("practice")
    level.select_option("governance")

    situation.locator(".note-text").click()
    rule.locator(".note-text").click(modifiers=["Shift"])
    anna.keyboard.press("a")

    remote = bram.locator(".rule", has_text="Tell each other first")
    expect(remote).to_have_attribute("data-level", "governance")
    expect(remote.locator("select.rule-level")).to_have_value("governance")
    expect(remote).to_have_attribute("aria-label", re.compile(r"^Rule \(Governance\) by Anna"))
    arrow = bram.locator(".arrow")
    expect(arrow).to_have_count(1)
    expect(arrow).to_have_attribute(
        "aria-label", 'Arrow from "Decided behind our backs" to "Tell each other first"')

    [rule_item] = finalize(server, board)["game_rules"]
    assert rule_item["text"] == "Tell each other first" and rule_item["level"] == "governance"
    assert [s["text"] for s in rule_item["prevents"]] == ["Decided behind our backs"]
    expect(remote.locator("select.rule-level")).to_be_disabled()


def test_scores_on_a_building_block_by_keyboard_and_the_block_mean(open_board, server):
    board = server.create_board(canvas="building-blocks")
    anna = open_board(board, name="Anna", org="Gemeente")
    bram = open_board(board, name="Bram", org="Zorg")
    observer = open_board(board, role="observer", name="Olga", org="Zorg")
    expect(observer.locator("[data-action=new-score]")).to_be_hidden()

    for page in (anna, bram):
        page.evaluate("""() => {
            const board = window.partnerboard.board
            board.viewport.fit(board.spec.zones.find(zone => zone.id === 'equality').rect)
        }""")
    anna.locator("[data-action=new-score]").focus()
    anna.keyboard.press("Enter")
    expect(anna.locator(".score .score-dots")).to_be_focused()
    anna.keyboard.press("4")

    score = bram.locator(".score")
    expect(score).to_have_attribute("data-value", "4")
    expect(score.locator(".score-org")).to_have_text("Gemeente · Anna")
    mean = bram.locator(".block-mean[data-zone=equality]")
    expect(mean).to_have_text("mean 4.0 (1)")

    # Bram adds a 2 with the arrow keys: the mean follows on every page.
    bram.locator("[data-action=new-score]").click()
    expect(bram.locator(".score .score-dots:focus")).to_have_count(1)
    bram.keyboard.press("ArrowUp")
    bram.keyboard.press("ArrowUp")
    expect(anna.locator(".block-mean[data-zone=equality]")).to_have_text("mean 3.0 (2)")
    expect(observer.locator(".block-mean[data-zone=equality]")).to_have_text("mean 3.0 (2)")
    expect(observer.locator(".score .score-dots").first).to_have_attribute("aria-readonly", "true")

    blocks = {block["block"]: block for block in finalize(server, board)["health_check"]}
    assert blocks["equality"]["mean"] == 3.0 and blocks["equality"]["scores"] == 2
