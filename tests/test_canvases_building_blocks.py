"""Building blocks: sixteen blocks in four groups, mean scores, notes and the weakest blocks."""

from __future__ import annotations

import pytest

from partnerboard.canvases import building_blocks
from partnerboard.canvases.building_blocks import SPEC, score_of, weakest
from partnerboard.plugins import Element
from partnerboard.plugins.testing import build_board, place, run_covenant

BLOCKS = [zone.id for zone in SPEC.zones if not zone.parking]


def scores(block: str, *values: object) -> list[Element]:
    return [place(SPEC, block, id=f"{block}-score-{i}", kind="score", value=value)
            for i, value in enumerate(values)]


def test_sixteen_blocks_in_four_groups_of_four():
    assert len(BLOCKS) == 16
    groups = [SPEC.zone(block).group for block in BLOCKS]
    assert list(dict.fromkeys(groups)) == list(SPEC.extra["groups"])
    assert all(groups.count(group) == 4 for group in set(groups))
    assert {kind.kind for kind in SPEC.element_kinds} == {"note", "score"}


@pytest.mark.parametrize(
    ("value", "text", "expected"),
    [(4, "", 4), ("3", "", 3), (5.0, "", 5), (None, "2", 2), (0, "", None), (6, "", None),
     (2.5, "", None), (True, "", None), ("high", "", None), (None, "", None)],
)
def test_a_score_is_a_whole_number_from_one_to_five(value, text, expected):
    props = {} if value is None else {"value": value}
    mark = Element(id="s", kind="score", x=0, y=0, w=1, h=1, text=text, props=props)
    assert score_of(mark) == expected


def test_the_weakest_blocks_are_the_three_lowest_below_four_ties_included():
    assert weakest({"a": 2.0, "b": 1.5, "c": None, "d": 3.0, "e": 3.5, "f": 4.0}) == [
        "a", "b", "d"]
    assert weakest({"a": 3.0, "b": 2.0, "c": 3.0, "d": 1.0, "e": 3.9}) == ["a", "b", "c", "d"]
    assert weakest({"a": 4.0, "b": 4.5, "c": None}) == []
    assert weakest({}) == []


def test_health_check_gives_every_block_its_mean_scores_and_notes():
    board = build_board(
        SPEC,
        notes_in={"equality": ["The one who pays decides", {"text": "Roles are fluid",
                                                              "org": "Zorg"}],
                  "momentum": ["Fits the council plan"]},
        elements=[*scores("safe-environment", 4, 5, 5), *scores("equality", 2, 1, "x"),
                  *scores("momentum", 3), *scores("active-network", 4, 4),
                  *scores("fitting-funding", 2, 3)],
        language="en",
    )
    sections = run_covenant(building_blocks, board)
    health = {item["block"]: item for item in sections["health_check"]}
    assert list(health) == BLOCKS
    assert health["safe-environment"]["mean"] == pytest.approx(4.67)
    assert health["safe-environment"]["scores"] == 3
    equality = health["equality"]
    assert (equality["text"], equality["group"], equality["mean"], equality["scores"]) == (
        "2. Equality", "complementary", 1.5, 2)
    assert equality["notes"] == [
        {"text": "The one who pays decides", "org": "Gemeente", "element": "equality-1"},
        {"text": "Roles are fluid", "org": "Zorg", "element": "equality-2"},
    ]
    assert health["dynamic-coalition"]["mean"] is None
    assert health["dynamic-coalition"]["scores"] == 0
    assert [(i["block"], i["mean"]) for i in sections["attention_points"]] == [
        ("equality", 1.5), ("fitting-funding", 2.5), ("momentum", 3.0)]


def test_parked_scores_count_for_nothing_and_titles_follow_the_board_language():
    board = build_board(SPEC, language="nl", parked=[{"kind": "score", "value": 1}],
                        notes_in={"parking": [{"kind": "score", "value": 1}]},
                        elements=scores("momentum", 5))
    sections = run_covenant(building_blocks, board)
    assert [i["mean"] for i in sections["health_check"] if i["mean"] is not None] == [5.0]
    assert sections["health_check"][0]["text"] == "1. Veilige omgeving"
    assert sections["attention_points"] == []
