"""The zone rule, board snapshots and the testing helpers plugin authors use."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pycrdt import Array, Doc, Map, Text

from partnerboard.plugins import (
    CanvasSpec,
    Element,
    Rect,
    Zone,
    elements_by_zone,
    snapshot_from_doc,
    zone_of,
)
from partnerboard.plugins.testing import (
    build_board,
    element,
    parking_point,
    place,
    point_in,
)

NO_PROMPTS: dict[str, list[str]] = {"nl": [], "en": []}


def zone(zone_id: str, rect: Rect, **options: object) -> Zone:
    return Zone(zone_id, {"nl": zone_id, "en": zone_id}, rect, NO_PROMPTS, **options)


#: A large zone holding a smaller one, a third overlapping both, and a parking area.
SPEC = CanvasSpec(
    id="nested", version="1", title={"nl": "N", "en": "N"}, description={"nl": "N", "en": "N"},
    size=(1000, 1000),
    zones=(
        zone("outer", Rect(0, 0, 600, 600)),
        zone("inner", Rect(100, 100, 200, 200)),
        zone("overlap", Rect(250, 250, 100, 100)),
        zone("park", Rect(700, 700, 200, 200), parking=True),
    ),
)


def at(x: float, y: float, w: float = 0, h: float = 0) -> Element:
    return Element(id="e", kind="note", x=x, y=y, w=w, h=h)


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((50, 50), "outer"),
        ((150, 150), "inner"),          # inside outer too: the smaller wins
        ((275, 275), "overlap"),        # in all three: the smallest wins
        ((100, 100), "inner"),          # on inner's edge: edges are included
        ((600, 600), "outer"),          # on outer's far corner
        ((601, 300), None),             # just outside: parked
        ((800, 800), None),             # in the parking zone: parked
        ((-50, 2000), None),            # off the canvas: parked
    ],
)
def test_an_element_belongs_to_the_smallest_zone_holding_its_centre(point, expected):
    found = zone_of(at(*point), SPEC)
    assert (found.id if found else None) == expected


def test_the_centre_counts_not_the_corner():
    # Top-left corner inside "inner", centre outside it.
    assert zone_of(at(290, 290, 200, 200), SPEC).id == "outer"


def test_elements_by_zone_lists_every_zone_and_leaves_parked_elements_out():
    board = build_board(SPEC, notes_in={"inner": ["a", "b"], "overlap": ["c"]}, parked=["p"])
    grouped = elements_by_zone(board.elements.values(), SPEC)
    assert {zone_id: [e.id for e in found] for zone_id, found in grouped.items()} == {
        "outer": [], "inner": ["inner-1", "inner-2"], "overlap": ["overlap-1"]}


def test_points_from_the_helpers_obey_the_zone_rule():
    for zone_id in ("outer", "inner", "overlap"):
        assert zone_of(at(*point_in(SPEC, zone_id)), SPEC).id == zone_id
    assert zone_of(at(*parking_point(SPEC)), SPEC) is None
    halves = (zone("top", Rect(0, 0, 10, 5)), zone("bottom", Rect(0, 5, 10, 5)))
    covered = replace(SPEC, zones=(zone("big", Rect(0, 0, 10, 10)), *halves))
    with pytest.raises(ValueError, match="covered by smaller zones"):
        point_in(covered, "big")


def test_of_two_equal_zones_the_one_declared_first_wins():
    twins = replace(SPEC, zones=(zone("first", Rect(0, 0, 10, 10)),
                                 zone("second", Rect(0, 0, 10, 10))))
    assert zone_of(at(5, 5), twins).id == "first"


def test_build_board_keeps_order_ids_orgs_and_kind_specific_keys():
    board = build_board(
        SPEC,
        notes_in={"outer": ["first", {"text": "second", "org": "Zorg", "owner": "Ann"}]},
        elements=[place(SPEC, "inner", id="r1", kind="rule", text="third", level="practice"),
                  element("arrow", centre=(900, 100), id="a1", **{"from": "outer-1", "to": "r1"})],
        partners=("Gemeente", "Zorg", "School"), meta={"step": 2}, language="nl",
    )
    assert [e.id for e in board.of_kind("note", "rule")] == ["outer-1", "outer-2", "r1"]
    assert board.elements["outer-1"].org == "Gemeente"
    second = board.elements["outer-2"]
    assert second.org == "Zorg" and second.get("owner") == "Ann"
    assert board.elements["r1"].get("level") == "practice"
    assert board.elements["a1"].props == {"from": "outer-1", "to": "r1"}
    assert [p.name for p in board.partners] == ["Gemeente", "Zorg", "School"]
    assert board.meta["step"] == 2 and board.meta["canvas"] == "nested"
    assert board.language == "nl"
    with pytest.raises(ValueError, match="two elements have the id 'x'"):
        build_board(SPEC, notes_in={"outer": [{"text": "a", "id": "x"}, {"text": "b", "id": "x"}]})


def test_a_snapshot_reads_the_board_document_and_tolerates_wrong_types():
    doc = Doc()
    meta, partners, elements = (doc.get(name, type=Map)
                                for name in ("meta", "partners", "elements"))
    meta.update({"canvas": "nested", "title": "Board", "language": "en"})
    meta["ambition"] = Array([0.0, 0.4])
    partners["p1"] = Map({"name": "Gemeente", "color": "#f00"})
    elements["n1"] = Map({"kind": "note", "x": 140, "y": 140, "w": 20, "h": 20,
                          "text": Text("hello"), "org": "Gemeente", "owner": "Ann"})
    elements["n2"] = Map({"kind": "note", "x": "far", "y": None, "text": Text("odd")})
    elements["junk"] = "not a map"
    snapshot = snapshot_from_doc(doc, "b1")
    assert (snapshot.id, snapshot.canvas, snapshot.title, snapshot.language) == (
        "b1", "nested", "Board", "en")
    assert snapshot.meta["ambition"] == [0.0, 0.4]
    assert snapshot.partners[0].name == "Gemeente"
    assert set(snapshot.elements) == {"n1", "n2"}
    note = snapshot.elements["n1"]
    assert note.text == "hello" and note.get("owner") == "Ann"
    assert zone_of(note, SPEC).id == "inner"
    assert (snapshot.elements["n2"].x, snapshot.elements["n2"].y) == (0.0, 0.0)
