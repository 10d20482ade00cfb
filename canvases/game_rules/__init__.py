"""Game rules (Spelregels): relational agreements for when the collaboration is under pressure.

The group names situations it never wants to be in again, writes the rules that prevent them
(each at a level: practice, management or governance) and links each situation to its rules
with arrows. Then it names a guardian of the rules and agrees how the wider network hears of
them.
"""

from __future__ import annotations

from typing import Any

from partnerboard.plugins import (
    BoardSnapshot,
    CanvasSpec,
    Element,
    Sections,
    elements_by_zone,
    hookimpl,
    item,
)

from .spec import LEVELS, SPEC, level_of

__all__ = ["SPEC", "covenant_sections", "links", "neighbours"]

@hookimpl(trylast=True)
def partnerboard_canvases() -> list[CanvasSpec]:
    return [SPEC]


def links(arrows: list[Element]) -> set[frozenset[str]]:
    """The pairs of element ids that arrows connect; direction does not matter, since a
    hurried participant may draw the arrow from the rule to the situation."""
    pairs = set()
    for arrow in arrows:
        ends = {str(arrow.get("from", "")), str(arrow.get("to", ""))}
        if len(ends) == 2 and "" not in ends:
            pairs.add(frozenset(ends))
    return pairs


def neighbours(pairs: set[frozenset[str]]) -> dict[str, set[str]]:
    """Element id -> the ids of the elements arrows connect it to."""
    found: dict[str, set[str]] = {}
    for pair in pairs:
        one, other = pair
        found.setdefault(one, set()).add(other)
        found.setdefault(other, set()).add(one)
    return found


def covenant_sections(board: BoardSnapshot, canvas: CanvasSpec) -> Sections:
    """``game_rules`` (each with its level and the situations it prevents), ``guardian`` and
    ``communication``. Rules are ordered by level, from practice up to governance."""
    # A plain note in the rules column counts as a rule without a level.
    by_zone = elements_by_zone(board.of_kind("note", "rule"), canvas)
    linked = neighbours(links(board.of_kind("arrow")))
    situations = [e for e in by_zone["never-again"] if e.text.strip()]
    place = {situation.id: index for index, situation in enumerate(situations)}
    order = {level: index for index, level in enumerate(LEVELS)}
    rules: list[dict[str, Any]] = []
    for rule in by_zone["rules"]:
        if not rule.text.strip():
            continue
        # The rule's own links, not every situation asked about every rule: thousands of
        # each (a client may write them) took half a minute, in finalize and the preview.
        prevented = sorted(linked.get(rule.id, set()) & place.keys(), key=place.__getitem__)
        prevents = [item(situations[place[situation]]) for situation in prevented]
        rules.append(item(rule, level=level_of(rule), prevents=prevents))
    rules.sort(key=lambda rule: order.get(rule["level"], len(order)))
    return {
        "game_rules": rules,
        "guardian": [item(e) for e in by_zone["guardian"] if e.text.strip()],
        "communication": [item(e) for e in by_zone["communication"] if e.text.strip()],
    }


@hookimpl(trylast=True)
def partnerboard_covenant(board: BoardSnapshot, canvas: CanvasSpec) -> Sections:
    return covenant_sections(board, canvas)
