"""Group boards brought together: one combined board, and a comparison per zone.

The method lets each group of partners fill a canvas on its own first, then compares and
combines the results in a mixed session. Merging copies every element of every group board
into a new board of the same canvas, in the same zone, tagged with its source group; notes are
laid out in a grid inside their zone so piles from several groups stay readable, while
elements whose position is their meaning (quadrant markers, scores) keep their place.

A merge makes a board, so it obeys what making a board does: the create rate, at most
MAX_PARTNERS partners, and the board limits (:mod:`.limits`). It needs no create key: the
facilitators of the boards it merges were trusted with boards already. Each board may be
listed once: listing one board twelve times copied it twelve times, and merging that result
again grew a board geometrically in a few requests.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from itertools import chain
from typing import Any

from pycrdt import Doc, Map, Text
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from partnerboard.plugins import BoardSnapshot, CanvasSpec, Element, zone_of

from . import heavy
from .api import (
    MAX_PARTNERS,
    authorize,
    board_answer,
    check_create_rate,
    text_field,
)
from .boards import PARTNER_COLORS, Boards, initial_document, unique_names
from .limits import RoomLimits, board_limit_problem
from .requests import HTTPProblem, read_json
from .store import BoardRecord
from .tokens import Role

__all__ = ["routes", "merge_documents", "compare", "grid_spots"]

CELL_W, CELL_H, GAP = 170, 110, 12
MAX_BOARDS = 12


def grid_spots(zone_rect: Any, count: int) -> list[tuple[float, float]]:
    """Top-left corners for ``count`` notes inside a zone; rows squeeze to stay inside."""
    columns = max(1, int((zone_rect.w - GAP) // (CELL_W + GAP)))
    rows = max(1, -(-count // columns))
    top = zone_rect.y + 60  # leave the zone's title readable
    room_h = zone_rect.y + zone_rect.h - top - CELL_H / 2
    step_y = min(CELL_H + GAP, room_h / max(rows - 1, 1)) if rows > 1 else 0
    return [
        (zone_rect.x + GAP + (i % columns) * (CELL_W + GAP), top + (i // columns) * step_y)
        for i in range(count)
    ]


def _copy(element: Element, new_id: str, source: dict[str, str]) -> Map:
    values: dict[str, Any] = {
        "kind": element.kind, "x": element.x, "y": element.y, "w": element.w, "h": element.h,
        "text": Text(element.text), "author": element.author, "org": element.org,
        "color": element.color, "created": element.created,
        **{k: v for k, v in element.props.items() if k not in ("group", "status")},
        "group": source["board"], "group_label": source["title"], "group_color": source["color"],
        "source_element": element.id,
    }
    return Map(values)


def merge_documents(
    doc: Doc, spec: CanvasSpec, boards: list[BoardSnapshot], groups: list[dict[str, str]]
) -> None:
    """Copy every element of ``boards`` into ``doc`` (a new board of the same canvas)."""
    elements = doc.get("elements", type=Map)
    #: Kinds laid out in a grid inside their zone; every other kind keeps its position.
    arranged = spec.kinds("arranged")
    placed: dict[str, list[tuple[Element, dict[str, str]]]] = {}
    keep: list[tuple[Element, dict[str, str]]] = []
    arrows: list[tuple[Element, dict[str, str]]] = []
    for board, group in zip(boards, groups, strict=True):
        for element in board.ordered():
            zone = zone_of(element, spec)
            if element.kind == "arrow":
                arrows.append((element, group))
            elif element.kind in arranged and zone is not None:
                placed.setdefault(zone.id, []).append((element, group))
            else:
                keep.append((element, group))
    new_ids: dict[tuple[str, str], str] = {}

    def add(element: Element, group: dict[str, str], x: float, y: float) -> None:
        new_id = secrets.token_urlsafe(9)
        new_ids[(group["board"], element.id)] = new_id
        copy = _copy(element, new_id, group)
        elements[new_id] = copy
        copy["x"], copy["y"] = x, y

    with doc.transaction():
        for zone_id, members in placed.items():
            corners = grid_spots(spec.zone(zone_id).rect, len(members))
            for (element, group), (x, y) in zip(members, corners, strict=True):
                add(element, group, x, y)
        for element, group in keep:
            add(element, group, element.x, element.y)
        for element, group in arrows:
            ends = (new_ids.get((group["board"], str(element.get("from")))),
                    new_ids.get((group["board"], str(element.get("to")))))
            if all(ends):
                add(element, group, element.x, element.y)
                arrow = elements[new_ids[(group["board"], element.id)]]
                arrow["from"], arrow["to"] = ends


_WORD = re.compile(r"[\w']+")
_STOP = {"de", "het", "een", "en", "van", "in", "op", "te", "voor", "met", "is", "we", "wij",
         "ons", "the", "a", "an", "and", "of", "to", "on", "for", "with", "our"}


def _words(text: str) -> frozenset[str]:
    """Content words, lower-cased, with a crude plural/inflection ending removed."""
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 2:
            continue
        for ending in ("en", "es", "s", "e"):
            if len(word) > 4 and word.endswith(ending):
                word = word[: -len(ending)]
                break
        words.add(word)
    return frozenset(words)


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= 0.5 or ((a <= b or b <= a) and len(a & b) >= 2)


def _clusters(entries: list[tuple[frozenset[str], dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Texts grouped: each joins the first group holding a text similar to it (:func:`_similar`).

    Rather than comparing every text with every earlier one, an index from word to the texts
    holding it gives, per text, how many words it shares with each earlier text that shares
    any; similarity follows from those counts and the sizes (3·shared ≥ |a|+|b| is a Jaccard
    index of ½ or more). Only texts with a word in common are ever looked at.
    """
    index: dict[str, list[int]] = {}
    member_cluster: list[int] = []
    member_size: list[int] = []
    clusters: list[list[dict[str, Any]]] = []
    for words, entry in entries:
        size = len(words)
        home = len(clusters)
        if words:
            shared_counts = Counter(chain.from_iterable(index.get(w, ()) for w in words))
            for member, shared in shared_counts.items():
                other = member_size[member]
                if 3 * shared >= size + other or (shared >= 2 and shared in (size, other)):
                    home = min(home, member_cluster[member])
        if home == len(clusters):
            clusters.append([])
        clusters[home].append(entry)
        member_cluster.append(home)
        member_size.append(size)
        for word in words:
            index.setdefault(word, []).append(len(member_cluster) - 1)
    return clusters


def compare(board: BoardSnapshot, spec: CanvasSpec) -> list[dict[str, Any]]:
    """Per zone: groups of similar texts, split into what several groups said and the rest."""
    by_zone: dict[str, list[tuple[frozenset[str], dict[str, Any]]]] = {
        zone.id: [] for zone in spec.zones if not zone.parking
    }
    for element in board.of_kind(*spec.kinds("arranged")):
        found = zone_of(element, spec)
        if found is None or found.id not in by_zone or not element.text.strip():
            continue
        by_zone[found.id].append((_words(element.text), {
            "text": element.text, "element": element.id,
            "group": str(element.get("group", "")),
            "group_label": str(element.get("group_label", "")),
        }))
    result = []
    for zone in spec.zones:
        if zone.parking:
            continue
        shaped = [
            {"texts": texts, "groups": sorted({t["group_label"] for t in texts})}
            for texts in _clusters(by_zone[zone.id])
        ]
        result.append({
            "zone": zone.id,
            "title": zone.title,
            "shared": [c for c in shaped if len(c["groups"]) > 1],
            "single": [c for c in shaped if len(c["groups"]) <= 1],
        })
    return result


def _refuse_over_limits(limits: RoomLimits, elements: int, size: int = 0) -> None:
    """413 when the merged board would be over a board limit (see :mod:`.limits`)."""
    problem = board_limit_problem(limits, elements=elements, size=size)
    if problem:
        raise HTTPProblem(413, f"the merged board would hold {problem}")


def _facilitated(boards: Boards, sources: list[Any]) -> list[BoardRecord]:
    """The boards of ``sources`` (``{id, token}`` each, each board once), 403 unless every
    token is a facilitator's of its board now.

    Asked when the body is in and again just before the merged board is stored: reading and
    merging the boards takes seconds, and a facilitator link re-issued meanwhile (a leaked
    one) still got a merged board, a copy of every note (a review). The second check
    is the merge's last read before it stores: nothing is awaited between the two, so a
    re-issue is either seen or comes after the merge. The board's lock is not needed for it:
    the merge changes no source board, it only reads them."""
    records: list[BoardRecord] = []
    for index, entry in enumerate(sources):
        if not isinstance(entry, dict):
            raise HTTPProblem(400, f"boards[{index}] must be an object with 'id' and 'token'")
        board_id, token = text_field(entry, "id", 64), text_field(entry, "token", 200)
        found = boards.authenticate(board_id, token)
        if found is None or found[1] is not Role.FACILITATOR:
            raise HTTPProblem(403, f"boards[{index}]: a facilitator token of that board is needed")
        if any(record.id == found[0].id for record in records):
            raise HTTPProblem(400, f"boards[{index}]: board {board_id} is listed twice; "
                              "list each board once")
        records.append(found[0])
    return records


async def merge_route(request: Request) -> JSONResponse:
    check_create_rate(request)
    state = request.app.state
    body = await read_json(request, state.settings.max_message_bytes)
    if not isinstance(body, dict):
        raise HTTPProblem(400, "request body must be a JSON object")
    title = text_field(body, "title", 200)
    sources = body.get("boards")
    if not isinstance(sources, list) or not 2 <= len(sources) <= MAX_BOARDS:
        raise HTTPProblem(400, f"field 'boards' must list 2 to {MAX_BOARDS} {{id, token}} objects")
    records = _facilitated(state.boards, sources)
    if len({record.canvas for record in records}) != 1:
        raise HTTPProblem(400, "all boards must use the same canvas")
    spec = state.registry.canvas(records[0].canvas)
    if spec is None:
        raise HTTPProblem(409, f"the canvas {records[0].canvas!r} is not installed")
    partner_names = unique_names(p["name"] for record in records for p in record.partners)
    if len(partner_names) > MAX_PARTNERS:
        raise HTTPProblem(413, f"the merged board would have {len(partner_names)} partners, "
                          f"more than the {MAX_PARTNERS} a board may have")
    language = body.get("language", records[0].language)
    if language not in ("nl", "en"):
        raise HTTPProblem(400, "field 'language' must be \"nl\" or \"en\"")
    groups = [
        {"board": r.id, "title": r.title, "color": PARTNER_COLORS[i % len(PARTNER_COLORS)]}
        for i, r in enumerate(records)
    ]
    limits = RoomLimits.from_settings(state.settings)
    snapshots: list[BoardSnapshot] = []
    elements = 0
    for record in records:
        # Counted board by board: a merge over the limit stops before decoding the rest.
        snapshots.append(await heavy.board_snapshot(state.rooms, record.id))
        elements += len(snapshots[-1].elements)
        _refuse_over_limits(limits, elements)
    boards: Boards = state.boards
    draft = boards.draft(spec, title, language, partner_names)
    work = heavy.in_process if elements > 1000 else heavy.run
    merged = await work(merged_document, draft, spec, snapshots, groups)
    _refuse_over_limits(limits, elements, len(merged))
    _facilitated(boards, sources)  # the tokens again, after the slow part: see _facilitated
    created = boards.store_new(draft, merged)
    return JSONResponse(board_answer(request, created), status_code=201)


def merged_document(
    draft: BoardRecord, spec: CanvasSpec, boards: list[BoardSnapshot], groups: list[dict[str, str]]
) -> bytes:
    """The first update of the merged board (run in a worker process)."""
    doc = Doc()
    doc.apply_update(initial_document(draft, spec))
    doc.get("meta", type=Map)["groups"] = groups
    merge_documents(doc, spec, boards, groups)
    return doc.get_update()


async def compare_route(request: Request) -> JSONResponse:
    record, _role = authorize(request)
    spec = request.app.state.registry.canvas(record.canvas)
    if spec is None:
        raise HTTPProblem(409, f"the canvas {record.canvas!r} is not installed")
    updates = heavy.stored_updates(request.app.state.rooms, record.id)
    zones = await heavy.on_updates(compare_stored, record.id, updates, spec)
    return await heavy.json_response({"zones": zones})


def compare_stored(board_id: str, updates: list[bytes], spec: CanvasSpec) -> list[dict[str, Any]]:
    """:func:`compare` of a board's stored updates (run in a worker process)."""
    return compare(heavy.snapshot_of_updates(board_id, updates), spec)


routes = [
    Route("/api/boards/merge", merge_route, methods=["POST"]),
    Route("/api/boards/{board_id}/compare", compare_route),
]
