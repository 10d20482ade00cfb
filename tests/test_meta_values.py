"""Board settings (``meta``) a facilitator's hand-made client writes: every participant's page
reads them, so a value of the wrong type or an absurd size is refused like any refused update
(undone, the writer gets the reversal, the stored document keeps the old value), while the
values the board's own pages write still go through."""

from __future__ import annotations

import asyncio
import math

import pytest
from pycrdt import Array, Map
from yclient import connected, wait_for

MISSING = object()


HOSTILE = [
    ("step", "2"),
    ("step", 1e300),
    ("step", -1),
    ("step", 2.5),
    ("step", math.nan),
    ("step", 99),
    ("locked", "yes"),
    ("anonymous", 1),
    ("timer", {"step": 1, "started_at": "now", "duration_ms": 60_000}),
    ("timer", {"step": 1, "started_at": 1.7e12, "duration_ms": 1e300}),
    ("timer", {"step": 1, "started_at": math.inf, "duration_ms": 60_000}),
    ("timer", [1, 2]),
    ("title", {"nl": "x"}),
    ("title", "x" * 10_000),
    ("language", "fr"),
    ("canvas_version", {"major": 1}),
    ("finalized", True),
    ("brainstorm", {"open": True, "round": 1, "counts": [None]}),
    ("voting", {"open": True, "round": 7, "votes_per_participant": 3}),
    ("groups", [None, {"title": 5, "color": "red; background: url(x)"}]),
    ("predecessor", "someone"),
    ("plugin_list", list(range(100_000))),
    ("plugin_nan", {"x": math.nan}),
]

ALLOWED = [
    ("step", 2),
    ("locked", True),
    ("anonymous", True),
    ("timer", {"step": 1, "started_at": 1.7e12 + 0.5, "duration_ms": 300_000}),
    ("timer", None),
    ("title", "Werksessie 2"),
    ("plugin_setting", {"columns": 3, "labels": ["a", "b"]}),
]


def _write(server, board: dict, key: str, value: object) -> tuple[object, object]:  # noqa: ANN001
    """The facilitator's client sets ``meta[key]``; returns (the value before, what a fresh
    client reads once the server answered: the reversal reached the writer, or the value
    reached an observer)."""

    async def scenario() -> tuple[object, object]:
        async with connected(server.board_ws(board, "facilitator")) as writer, \
                connected(server.board_ws(board, "observer")) as watcher:
            meta = writer.doc.get("meta", type=Map)
            before = meta.get(key, MISSING)
            meta[key] = value
            await writer.flush()

            def answered() -> bool:
                undone = meta.get(key, MISSING) == before
                seen = watcher.doc.get("meta", type=Map).get(key, MISSING)
                kept = seen is not MISSING and seen != before
                return undone or kept

            await wait_for(answered, what=f"the server's answer to meta[{key!r}]")
            assert writer.close_code is None
        async with connected(server.board_ws(board, "observer")) as fresh:
            return before, fresh.doc.get("meta", type=Map).get(key, MISSING)

    return asyncio.run(scenario())


@pytest.mark.parametrize(("key", "value"), HOSTILE, ids=[key for key, _ in HOSTILE])
def test_a_hostile_setting_is_refused_and_the_board_keeps_its_value(server, key, value):
    board = server.create_board()
    before, stored = _write(server, board, key, value)
    assert stored == before


@pytest.mark.parametrize(("key", "value"), ALLOWED, ids=[f"{k}-{v!r}"[:30] for k, v in ALLOWED])
def test_the_settings_the_pages_write_are_kept(server, key, value):
    board = server.create_board()
    _before, stored = _write(server, board, key, value)
    assert stored == value


def test_a_shared_type_is_refused_where_the_pages_read_a_setting_and_held_to_the_size_elsewhere(
        server):
    board = server.create_board()
    before, stored = _write(server, board, "timer", Map({"step": 1}))
    assert stored == before
    _before, stored = _write(server, board, "plugin_list", Array(["a long enough item"] * 1_000))
    assert stored is MISSING


@pytest.mark.parametrize("line", [
    [[0.2, 0.3], [0.8, 0.9]],
])
def test_the_ambition_line_the_page_writes_is_kept(server, line):
    board = server.create_board("influence-dependency")
    _before, stored = _write(server, board, "ambition", line)
    assert stored == line


@pytest.mark.parametrize("line", [
    [[0.5, 0.3], [0.5, 0.9]],
    [[0, "x"], [1, 1]],
    [[0, 0], [1, 1e9]],
    [[0, 0], [1, 1], [2, 2]],
    "diagonal",
])
def test_a_hostile_ambition_line_is_refused(server, line):
    board = server.create_board("influence-dependency")
    before, stored = _write(server, board, "ambition", line)
    assert stored == before
