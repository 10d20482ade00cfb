"""The influence/dependency quadrant: positions, the ambition line, movements and advice."""

from __future__ import annotations

import pytest

from partnerboard.canvases import influence_dependency
from partnerboard.canvases.influence_dependency import SPEC
from partnerboard.canvases.influence_dependency.strategy import (
    Position,
    ambition_at,
    ambition_line,
    board_point,
    movement,
    position_of,
    relationship,
)
from partnerboard.plugins import Element
from partnerboard.plugins.testing import build_board, element, parking_point, run_covenant

PLOT = SPEC.zone("plot").rect
DEFAULT = ((0.0, 0.3), (1.0, 0.8))


def marker(eid: str, dependency: float, influence: float, name: str = "", *,
           target: tuple[float, float] | None = None, **keys: object) -> Element:
    """A partner marker at a position; ``target`` is the desired (dependency, influence)."""
    if target is not None:
        keys["target_x"], keys["target_y"] = board_point(Position(*target), PLOT)
    return element("partner", centre=board_point(Position(dependency, influence), PLOT),
                   id=eid, text=name, **keys)


def test_the_spec_has_a_plot_with_axes_quadrants_and_a_default_ambition_line():
    assert SPEC.extra["ambition"] == [[0.0, 0.3], [1.0, 0.8]]
    types = [d["type"] for d in SPEC.decorations]
    assert types.count("axis") == 2 and types.count("quadrant") == 4
    assert "ambition-line" in types
    quadrants = {d["relationship"] for d in SPEC.decorations if d["type"] == "quadrant"}
    assert quadrants == {"partnership", "business", "develop", "occasional"}
    partner = next(kind for kind in SPEC.element_kinds if kind.kind == "partner")
    assert {"target_x", "target_y"} <= set(partner.fields)


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((PLOT.x, PLOT.y + PLOT.h), (0.0, 0.0)),             # bottom-left
        ((PLOT.x + PLOT.w, PLOT.y), (1.0, 1.0)),             # top-right: up is more influence
        ((PLOT.x + PLOT.w / 4, PLOT.y + PLOT.h / 4), (0.25, 0.75)),
        ((PLOT.x - 500, PLOT.y - 500), (0.0, 1.0)),          # clamped
    ],
)
def test_a_board_point_maps_to_dependency_and_influence(point, expected):
    position = position_of(*point, PLOT)
    assert (position.dependency, position.influence) == pytest.approx(expected)
    if 0 < expected[0] < 1:
        assert board_point(position, PLOT) == pytest.approx(point)


def test_the_ambition_line_comes_from_meta_else_from_the_canvas_default():
    assert ambition_line({}, SPEC) == DEFAULT
    assert ambition_line({"ambition": [[0, 0.1], [1, 0.5]]}, SPEC) == ((0, 0.1), (1, 0.5))
    for junk in ("high", [[0, 0.1]], [[0, "x"], [1, 0.5]], [[0.5, 0.1], [0.5, 0.9]],
                 [[0, True], [1, 0.5]], [[0, float("nan")], [1, 0.5]], None):
        assert ambition_line({"ambition": junk}, SPEC) == DEFAULT
    assert ambition_at(DEFAULT, 0) == pytest.approx(0.3)
    assert ambition_at(DEFAULT, 0.5) == pytest.approx(0.55)
    assert ambition_at(DEFAULT, 1) == pytest.approx(0.8)


def test_movements_and_relationship_types():
    here = Position(0.5, 0.5)
    assert movement(here, Position(0.5, 0.8)) == ["up"]
    assert movement(here, Position(0.2, 0.5)) == ["left"]
    assert movement(here, Position(0.8, 0.2)) == ["down", "right"]
    assert movement(here, Position(0.52, 0.48)) == ["stay"]
    assert relationship(Position(0.9, 0.9)) == "partnership"
    assert relationship(Position(0.1, 0.9)) == "business"
    assert relationship(Position(0.9, 0.1)) == "develop"
    assert relationship(Position(0.1, 0.1)) == "occasional"


def test_partner_strategy_per_marker_against_the_ambition_line():
    board = build_board(SPEC, elements=[
        marker("school", 0.2, 0.3, "School board", target=(0.2, 0.7)),     # line: 0.40 -> below
        marker("welfare", 0.9, 0.6, "Welfare", target=(0.5, 0.6)),         # line: 0.75 -> below
        marker("library", 0.8, 0.9, "Library", target=(0.8, 0.9)),        # line: 0.70 -> above
        marker("shop", 0.1, 0.5, "Shop"),                                  # line: 0.35 -> above
    ])
    items = {i["element"]: i for i in run_covenant(influence_dependency, board)["partner_strategy"]}
    assert list(items) == ["school", "welfare", "library", "shop"]
    school = items["school"]
    assert (school["text"], school["dependency"], school["influence"]) == ("School board", 0.2, 0.3)
    assert school["ambition"] == "below"
    assert school["desired"] == {"dependency": 0.2, "influence": 0.7}
    assert school["movement"] == ["up"] and school["relationship"] == "business"
    assert school["advice"].startswith("Business relationship: up: invest")
    assert items["welfare"]["ambition"] == "below" and items["welfare"]["movement"] == ["left"]
    assert items["welfare"]["relationship"] == "partnership"
    assert items["library"]["ambition"] == "above" and items["library"]["movement"] == ["stay"]
    assert items["library"]["relationship"] == "partnership"
    assert items["shop"]["ambition"] == "above"
    assert items["shop"]["desired"] is None and items["shop"]["movement"] is None
    assert items["shop"]["advice"] == "Business relationship"


def test_a_moved_ambition_line_changes_above_and_below():
    board = build_board(SPEC, meta={"ambition": [[0, 0.9], [1, 0.95]]},
                        elements=[marker("shop", 0.1, 0.5, "Shop")])
    [shop] = run_covenant(influence_dependency, board)["partner_strategy"]
    assert shop["ambition"] == "below"


def test_parked_and_unnamed_markers_are_left_out_and_names_come_from_partners():
    board = build_board(SPEC, language="nl", elements=[
        element("partner", centre=parking_point(SPEC), id="parked", text="Police"),
        marker("nameless", 0.5, 0.5),
        marker("by-id", 0.7, 0.2, partner="p2", target=(0.7, 0.5)),
    ])
    [item] = run_covenant(influence_dependency, board)["partner_strategy"]
    assert (item["element"], item["text"]) == ("by-id", "Zorg")
    assert item["advice"].startswith("Meerjarig partnerschap: omhoog")
