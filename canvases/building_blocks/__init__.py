"""Building blocks for synergetic collaboration (Bouwstenen): a health check in sixteen blocks.

Every block is a zone. Participants score a block by putting ``score`` elements (1-5) in it
and explain with notes. The covenant gets each block's mean score and notes, and the weakest
blocks as points of attention.
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

from .spec import SPEC

__all__ = ["SPEC", "covenant_sections", "score_of", "weakest"]

LOWEST, HIGHEST = 1, 5
#: At most this many blocks become points of attention (more when they tie) ...
WEAKEST = 3
#: ... and only blocks whose mean is below this: a collaboration that scores well everywhere
#: has no weak spots to point at.
HEALTHY = 4.0


@hookimpl(trylast=True)
def partnerboard_canvases() -> list[CanvasSpec]:
    return [SPEC]


def score_of(element: Element) -> int | None:
    """A score element's value (its ``value`` key, else its text), or None when not 1-5."""
    value = element.get("value")
    if value is None or value == "":
        value = element.text.strip()
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() and LOWEST <= number <= HIGHEST else None


def weakest(means: dict[str, float | None]) -> list[str]:
    """The blocks to pay attention to: the lowest means (ties included), all below HEALTHY."""
    scored = sorted((mean, block) for block, mean in means.items() if mean is not None)
    weak = [(mean, block) for mean, block in scored if mean < HEALTHY]
    if len(weak) > WEAKEST:
        bar = weak[WEAKEST - 1][0]
        weak = [(mean, block) for mean, block in weak if mean <= bar]
    order = list(means)
    return sorted((block for _mean, block in weak), key=order.index)


def covenant_sections(board: BoardSnapshot, canvas: CanvasSpec) -> Sections:
    """``health_check``: per block its mean score, how many scores and the notes;
    ``attention_points``: the weakest blocks (see :func:`weakest`)."""
    lang = "en" if board.language == "en" else "nl"
    by_zone = elements_by_zone(board.of_kind("note", "score"), canvas)
    blocks: dict[str, dict[str, Any]] = {}
    for zone in canvas.zones:
        if zone.parking:
            continue
        marks = [e for e in by_zone[zone.id] if e.kind == "score"]
        scores = [s for s in map(score_of, marks) if s is not None]
        notes = [e for e in by_zone[zone.id] if e.kind == "note" and e.text.strip()]
        blocks[zone.id] = {
            "text": zone.title[lang],
            "org": "",
            "element": "",
            "block": zone.id,
            "group": zone.group,
            "mean": round(sum(scores) / len(scores), 2) if scores else None,
            "scores": len(scores),
            "notes": [item(note) for note in notes],
        }
    attention = weakest({block: data["mean"] for block, data in blocks.items()})
    return {
        "health_check": list(blocks.values()),
        "attention_points": [
            {key: blocks[block][key] for key in ("text", "org", "element", "block", "mean")}
            for block in attention
        ],
    }


@hookimpl(trylast=True)
def partnerboard_covenant(board: BoardSnapshot, canvas: CanvasSpec) -> Sections:
    return covenant_sections(board, canvas)
