"""Game rules: situations, the rules that prevent them (with levels), guardian, communication."""

from __future__ import annotations

from partnerboard.canvases import game_rules
from partnerboard.canvases.game_rules import SPEC, links
from partnerboard.plugins.testing import build_board, element, place, run_covenant


def arrow(eid: str, start: str, end: str) -> object:
    return element("arrow", centre=(5, 5), id=eid, **{"from": start, "to": end})


def rule(eid: str, text: str, level: str | None = None, org: str = "Gemeente") -> object:
    keys = {"level": level} if level is not None else {}
    return place(SPEC, "rules", id=eid, kind="rule", text=text, org=org, **keys)


def test_the_spec_has_the_four_zones_as_steps_and_rules_with_levels():
    assert list(SPEC.steps) == ["never-again", "rules", "guardian", "communication"]
    kinds = {kind.kind: kind for kind in SPEC.element_kinds}
    assert kinds["rule"].fields == {"level": ("practice", "management", "governance")}
    assert kinds["arrow"].fields == {"from": "element", "to": "element"}
    assert set(SPEC.extra["levels"]) == {"practice", "management", "governance"}
    themes = next(d for d in SPEC.decorations if d["type"] == "text-list")["items"]
    assert len(themes["nl"]) == len(themes["en"]) == 4


def test_arrows_link_elements_either_way_and_loose_arrows_are_ignored():
    assert links([arrow("a", "s1", "r1"), arrow("b", "r2", "s1"), arrow("c", "s2", ""),
                  arrow("d", "r3", "r3")]) == {frozenset({"s1", "r1"}), frozenset({"s1", "r2"})}


def test_each_rule_lists_its_level_and_the_situations_it_prevents():
    board = build_board(
        SPEC,
        notes_in={
            "never-again": ["Hearing of cuts from the paper", "A family sent back and forth",
                            "Nobody calls when it goes wrong"],
            "guardian": [{"text": "The regional coordinator", "org": "Zorg"}],
            "communication": ["A newsletter after every meeting"],
        },
        elements=[
            rule("r-tell", "We tell each other first", "governance"),
            rule("r-owner", "One case owner per family", "practice", org="Zorg"),
            rule("r-call", "Call before you write", "management"),
            rule("r-none", "Meet twice a year"),
            place(SPEC, "rules", id="r-note", text="A plain note counts too"),
            arrow("a1", "never-again-1", "r-tell"),
            arrow("a2", "r-owner", "never-again-2"),            # drawn backwards: still linked
            arrow("a3", "never-again-3", "r-call"),
            arrow("a4", "never-again-3", "r-tell"),
            arrow("a5", "never-again-1", "r-unknown"),
        ],
    )
    sections = run_covenant(game_rules, board)
    rules = sections["game_rules"]
    assert [(r["element"], r["level"]) for r in rules] == [
        ("r-owner", "practice"), ("r-call", "management"), ("r-tell", "governance"),
        ("r-none", None), ("r-note", None)]
    by_id = {r["element"]: r for r in rules}
    assert [s["element"] for s in by_id["r-tell"]["prevents"]] == ["never-again-1",
                                                                   "never-again-3"]
    assert by_id["r-owner"]["prevents"] == [
        {"text": "A family sent back and forth", "org": "Gemeente", "element": "never-again-2"}]
    assert by_id["r-owner"]["org"] == "Zorg"
    assert by_id["r-none"]["prevents"] == []
    assert sections["guardian"] == [
        {"text": "The regional coordinator", "org": "Zorg", "element": "guardian-1"}]
    assert [i["text"] for i in sections["communication"]] == ["A newsletter after every meeting"]


def test_an_unknown_level_is_no_level_and_parked_elements_stay_out():
    board = build_board(SPEC, notes_in={"parking": ["Later"]}, parked=["Elsewhere"],
                        elements=[rule("r1", "Be on time", "mayor")])
    sections = run_covenant(game_rules, board)
    assert [(r["text"], r["level"]) for r in sections["game_rules"]] == [("Be on time", None)]
    assert sections["guardian"] == sections["communication"] == []
