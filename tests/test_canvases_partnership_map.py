"""The partnership map: five columns from right to left, and its five covenant sections."""

from __future__ import annotations

from partnerboard.canvases import partnership_map
from partnerboard.canvases.partnership_map import SECTIONS, SPEC
from partnerboard.plugins.testing import build_board, element, point_in, run_covenant


def test_step_one_is_the_rightmost_column_and_step_five_the_leftmost():
    columns = [SPEC.zone(zone_id) for zone_id in SPEC.steps]
    assert list(SPEC.steps) == ["values", "relations", "acting", "conditions", "actions"]
    assert [zone.step for zone in columns] == [1, 2, 3, 4, 5]
    lefts = [zone.rect.x for zone in columns]
    assert lefts == sorted(lefts, reverse=True)
    assert all(zone.rect.h == columns[0].rect.h for zone in columns)


def test_the_board_shows_the_dialogue_rules_and_a_parking_area():
    rules = next(d for d in SPEC.decorations if d["type"] == "text-list")
    assert len(rules["items"]["nl"]) == len(rules["items"]["en"]) == 5
    parking = [zone for zone in SPEC.zones if zone.parking]
    assert [zone.id for zone in parking] == ["parking"]
    note = next(kind for kind in SPEC.element_kinds if kind.kind == "note")
    assert note.fields == {"owner": "string", "due": "date"}


def test_every_column_becomes_its_section_and_actions_carry_owner_and_due():
    board = build_board(SPEC, notes_in={
        "values": ["Every child reads well", {"text": "Fewer drop-outs", "org": "Zorg"}],
        "relations": ["Decide by consent"],
        "acting": ["The library hosts meetings"],
        "conditions": ["Two days a week of a coordinator"],
        "actions": [
            {"text": "Plan the kick-off", "owner": "Ann (Gemeente)", "due": "2025-03-01"},
            {"text": "Write to the schools"},
            "   ",
        ],
    })
    sections = run_covenant(partnership_map, board)
    assert list(sections) == list(SECTIONS.values())
    assert sections["values"] == [
        {"text": "Every child reads well", "org": "Gemeente", "element": "values-1"},
        {"text": "Fewer drop-outs", "org": "Zorg", "element": "values-2"},
    ]
    assert [i["text"] for i in sections["process_agreements"]] == ["Decide by consent"]
    assert [i["text"] for i in sections["roles_and_communication"]] == [
        "The library hosts meetings"]
    assert [i["text"] for i in sections["conditions"]] == ["Two days a week of a coordinator"]
    assert sections["actions"] == [
        {"text": "Plan the kick-off", "org": "Gemeente", "element": "actions-1",
         "owner": "Ann (Gemeente)", "due": "2025-03-01"},
        {"text": "Write to the schools", "org": "Gemeente", "element": "actions-2",
         "owner": "", "due": ""},
    ]


def test_parked_notes_and_other_kinds_never_become_covenant_data():
    x, y = point_in(SPEC, "values")
    board = build_board(
        SPEC, notes_in={"parking": ["An idea for next year"]}, parked=["Off the columns"],
        elements=[element("arrow", centre=(x, y), id="arrow-1", text="not a note")],
    )
    sections = run_covenant(partnership_map, board)
    assert all(items == [] for items in sections.values())

