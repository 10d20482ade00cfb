"""Elements a hand-made client writes (within what the server's guard lets through), and what
the others' boards do with them: every board keeps drawing and working for everyone.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect
from pycrdt import Map, Text

from browser.board_helpers import change_as_other_client
from browser.facilitation_helpers import IN_RELATIONS, IN_VALUES, note_at


def element(kind: str, x: float, y: float, **extra: object) -> Map:
    """An element with every common key (DESIGN §6), as the guard wants a new one."""
    return Map({"kind": kind, "x": x, "y": y, "w": 160, "h": 100, "text": Text(""),
                "author": "", "org": "", "color": "", "created": time.time() * 1000, **extra})


def test_arrows_that_point_at_arrows_in_a_loop_do_not_break_a_locked_board(open_board, board,
                                                                           server):
    fac = open_board(board, role="facilitator", name="Fiona", org="Gemeente")
    anna = open_board(board, name="Anna", org="Zorg")
    x, y = IN_RELATIONS

    def loops(client) -> None:  # noqa: ANN001 - a YClient
        with client.doc.transaction():
            client.elements["self"] = element("arrow", x, y, **{"from": "self", "to": "self"})
            client.elements["ping"] = element("arrow", x, y, **{"from": "pong", "to": "pong"})
            client.elements["pong"] = element("arrow", x, y, **{"from": "ping", "to": "ping"})

    change_as_other_client(server.board_ws(board), loops)
    expect(anna.locator(".arrow")).to_have_count(3)

    fac.get_by_role("button", name="Start with step 1").click()
    fac.get_by_role("button", name="Next step").click()
    fac.get_by_role("button", name="Lock to this step").click()
    expect(anna.locator(".lock-badge")).to_be_visible()

    # Everything after the lock still reaches Anna: the timer, and notes outside the step
    # that look quieter while the lock holds.
    fac.get_by_label("Minutes").fill("2")
    fac.get_by_role("button", name="Start the timer").click()
    expect(anna.locator(".timer-clock")).to_have_text(re.compile(r"^(2:00|1:5\d)$"))
    note_at(fac, "Trust first", IN_VALUES)
    expect(anna.locator(".note", has_text="Trust first")).to_have_class(re.compile("out-of-step"))
    # (the open_board fixture fails the test on any error in a page)
