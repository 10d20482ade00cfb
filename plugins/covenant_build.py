"""Building the covenant of a finalized board: provenance, parties, sections, completeness.

The server calls :func:`build_covenant` with the frozen board; every plugin's
``partnerboard_covenant`` hook contributes sections (isolated: a plugin that raises or returns
something malformed is logged and left out). The result is plain JSON data described by
``covenant.schema.json`` and is the single input of every exporter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from .agreement import FULLY, NOT_IN_PLACE, PARTLY, evaluate
from .board import BoardSnapshot, zone_of
from .covenant_words import language_of, section_title
from .manager import PluginRegistry
from .spec import CanvasSpec

__all__ = [
    "SCHEMA_VERSION",
    "agreed_only",
    "agreed_view",
    "build_covenant",
    "combine_covenants",
    "completeness",
    "section_titles",
]

SCHEMA_VERSION = 1


def participants(board: BoardSnapshot) -> list[dict[str, Any]]:
    """Everyone who wrote on the board, by name and organisation, in order of appearance.

    Guests (the board's guest link) declared their organisation themselves: marked ``guest``.
    """
    seen: dict[tuple[str, str, bool], None] = {}
    for element in board.ordered():
        # A comment is a remark about the board, not part of what the covenant is drawn from.
        if element.author.strip() and element.kind != "comment":
            guest = element.get("guest") is True
            seen.setdefault((element.author.strip(), element.org.strip(), guest), None)
    return [{"name": name, "organisation": org, **({"guest": True} if guest else {})}
            for name, org, guest in seen]


def editors_of(element: Any) -> str:
    """"Name (Org), ..." of the people from other organisations who edited an element."""
    editors = element.get("editors") if element is not None else None
    if not isinstance(editors, list | tuple):
        return ""
    names = []
    for editor in editors:
        if isinstance(editor, dict) and isinstance(editor.get("name"), str):
            org = editor.get("org") if isinstance(editor.get("org"), str) else ""
            names.append(f"{editor['name'] or '?'} ({org})" if org else editor["name"] or "?")
    return ", ".join(names)


def _agreed_zones(board: BoardSnapshot, canvas: CanvasSpec) -> set[str]:
    return {
        zone.id
        for element in board.elements.values()
        if element.get("status") == "agreed" and (zone := zone_of(element, canvas)) is not None
    }


def agreed_view(board: BoardSnapshot, canvas: CanvasSpec) -> BoardSnapshot:
    """The board as the covenant reads it, after the facilitator's marks.

    Notes marked ``parked`` are left out. In a zone where any note is marked ``agreed``, only
    the agreed notes count; in a zone without marks, all of its notes do.
    """
    agreed_zones = _agreed_zones(board, canvas)
    markable = canvas.kinds("markable")
    kept = {}
    for element_id, element in board.elements.items():
        if element.kind in markable:
            status = element.get("status")
            if status == "parked":
                continue
            zone = zone_of(element, canvas)
            if zone is not None and zone.id in agreed_zones and status != "agreed":
                continue
        kept[element_id] = element
    return replace(board, elements=kept)


def _zone_title(title: dict[str, str], language: str) -> str:
    """A zone's title without the step number the board shows ("1. Waarden" -> "Waarden")."""
    text = str(title.get(language) or "")
    number, dot, rest = text.partition(". ")
    return rest if dot and number.isdigit() and rest else text


def agreed_only(board: BoardSnapshot, canvas: CanvasSpec) -> list[dict[str, Any]]:
    """The zones where the "only agreed notes count" rule applies, so people can see why a
    note is missing: per zone its title, how many notes are agreed and how many it holds."""
    language = language_of(board.language)
    zones = _agreed_zones(board, canvas)
    counts = {zone_id: [0, 0] for zone_id in zones}
    markable = canvas.kinds("markable")
    for element in board.elements.values():
        if element.kind not in markable or element.get("status") == "parked":
            continue
        zone = zone_of(element, canvas)
        if zone is not None and zone.id in counts:
            counts[zone.id][1] += 1
            counts[zone.id][0] += element.get("status") == "agreed"
    return [
        {"zone": zone.id, "title": _zone_title(zone.title, language),
         "agreed": counts[zone.id][0], "notes": counts[zone.id][1]}
        for zone in canvas.zones if zone.id in counts
    ]


def section_titles(
    sections: Iterable[str], canvas: CanvasSpec, language: str
) -> dict[str, str]:
    """Each section's title in the board's language, kept with the covenant so it reads the
    same after the plugin is gone: the one the canvas declares, else the title of the canvas
    zone with the section's id, else the id made readable."""
    language = language_of(language)
    zones = {zone.id.replace("-", "_"): zone.title for zone in canvas.zones}
    titles = {}
    for section in sections:
        declared = canvas.section(section)
        if declared is not None:
            titles[section] = declared.title[language]
        elif section in zones:
            titles[section] = _zone_title(zones[section], language)
        else:
            titles[section] = section_title(section, language)
    return titles


def chapters(sections: Iterable[str], canvas: CanvasSpec, language: str) -> list[dict[str, Any]]:
    """The agreement's chapters that hold the covenant's sections, as the covenant keeps them:
    in chapter order, each with its sections in the order the canvas gave them. Sections the
    canvas does not declare are in no chapter (documents show them under "other")."""
    language = language_of(language)
    found: dict[str, dict[str, Any]] = {}
    for section in sections:
        declared = canvas.section(section)
        if declared is None:
            continue
        chapter = declared.chapter
        entry = found.setdefault(chapter.id, {"id": chapter.id, "order": chapter.order,
                                              "title": chapter.title[language], "sections": []})
        entry["sections"].append(section)
    return sorted(found.values(), key=lambda chapter: chapter["order"])


def item_words(sections: Iterable[str], canvas: CanvasSpec, language: str) -> dict[str, Any]:
    """How each declared section's item keys and values read, in the covenant's language."""
    found = {}
    for section in sections:
        declared = canvas.section(section)
        if declared is not None and (declared.details or declared.values or declared.required):
            found[section] = declared.words(language_of(language))
    return found


def declared_checks(
    sections: Iterable[str], canvas: CanvasSpec, language: str
) -> list[dict[str, Any]]:
    """The checks of the canvas's sections present in the covenant, as plain data."""
    present = set(sections)
    return [check.declared(section.id, language_of(language))
            for section in canvas.sections if section.id in present
            for check in section.checks]


def build_covenant(
    registry: PluginRegistry,
    board: BoardSnapshot,
    canvas: CanvasSpec,
    *,
    finalized_at: str,
    snapshot_sha256: str,
    signatures: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The covenant data of one finalized board."""
    covenant: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "title": board.title,
        "language": board.language,
        "board": {
            "id": board.id,
            "canvas": board.canvas,
            "canvas_title": canvas.title[language_of(board.language)],
            "canvas_version": str(board.meta.get("canvas_version", canvas.version)),
            "title": board.title,
            "finalized_at": finalized_at,
            "snapshot_sha256": snapshot_sha256,
        },
        "parties": [{"id": p.id, "name": p.name, "color": p.color} for p in board.partners],
        "participants": participants(board),
    }
    sections = registry.covenant_sections(agreed_view(board, canvas), canvas, covenant)
    votes = vote_results(board)
    covenant["sections"] = {
        name: [_with_votes(_with_editors({**item, "source": board.id}, board), votes)
               for item in items]
        for name, items in sections.items()
    }
    covenant["section_titles"] = section_titles(sections, canvas, board.language)
    covenant["chapters"] = chapters(sections, canvas, board.language)
    covenant["checks"] = declared_checks(sections, canvas, board.language)
    covenant["item_words"] = item_words(sections, canvas, board.language)
    filtered = agreed_only(board, canvas)
    if filtered:
        covenant["agreed_only"] = filtered
    covenant["signatures"] = [
        dict(signature)
        for signature in signatures
        if signature.get("snapshot_sha256") == snapshot_sha256
    ]
    covenant["completeness"] = completeness(covenant)
    return covenant


def vote_results(board: BoardSnapshot) -> dict[str, int]:
    """Element id -> votes, from the board's last voting round once it is closed."""
    voting = board.meta.get("voting")
    if not isinstance(voting, Mapping) or voting.get("open") or not isinstance(
            voting.get("results"), Mapping):
        return {}
    return {str(element): int(count) for element, count in voting["results"].items()
            if isinstance(count, int | float) and not isinstance(count, bool) and count > 0}


def _with_votes(item: dict[str, Any], votes: Mapping[str, int]) -> dict[str, Any]:
    """An item from an element that got votes in the last closed round says how many."""
    count = votes.get(str(item.get("element") or ""))
    if count:
        item["votes"] = count
    return item


def _with_editors(item: dict[str, Any], board: BoardSnapshot) -> dict[str, Any]:
    """An item from an element that people of other organisations edited names them."""
    edited = editors_of(board.elements.get(item.get("element") or ""))
    if edited:
        item["edited_by"] = edited
    return item


#: The notes of the WHO checks, which the core makes for every covenant.
NOTES: dict[str, dict[str, str]] = {
    "few_parties": {"nl": "er zijn minder dan twee partnerorganisaties genoemd",
                    "en": "fewer than two partner organisations are named"},
    "silent": {"nl": "nog geen bijdrage van {name}", "en": "no contribution from {name}"},
    "unsigned": {"nl": "nog niet ondertekend door {name}", "en": "not signed by {name}"},
}


def _status(done: int, total: int) -> str:
    if total == 0 or done == 0:
        return NOT_IN_PLACE
    return FULLY if done >= total else PARTLY


def _check(check_id: str, group: str, status: str, *notes: str) -> dict[str, Any]:
    return {"id": check_id, "group": group, "status": status, "notes": list(notes)}


def completeness(covenant: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The WHO / WHY / WHAT checklist, computed from the covenant's own data.

    Each check says ``not_in_place``, ``partly`` or ``fully`` and, where something is missing,
    notes naming it (an action without owner, a partner without any contribution, ...). WHO
    (parties, their contributions, their signatures) is judged for every covenant; WHY and
    WHAT by the checks the canvas declared for its sections, which the covenant carries
    (``checks``), so only sections the covenant has are judged.
    """
    sections: Mapping[str, list[dict[str, Any]]] = covenant.get("sections", {})
    language = language_of(covenant)
    declared = covenant.get("section_titles")
    titles = declared if isinstance(declared, Mapping) else {}

    def say(key: str, **values: str) -> str:
        return NOTES[key][language].format(**values)

    parties = [party["name"] for party in covenant.get("parties", [])]
    signatures = covenant.get("signatures", [])
    unsigned = [party["name"] for party in covenant.get("parties", [])
                if not _signed(party, signatures)]
    # A guest's organisation is self-declared: a guest who types a partner's name does not
    # make that partner a contributor.
    contributing = {item.get("org") for items in sections.values() for item in items
                    if item.get("guest") is not True}
    silent = [name for name in parties if name not in contributing]
    checks = [
        _check(
            "parties", "who",
            FULLY if len(parties) >= 2 else PARTLY if parties else NOT_IN_PLACE,
            *([] if len(parties) >= 2 else [say("few_parties")]),
        ),
        _check(
            "contributions", "who",
            _status(len(parties) - len(silent), len(parties)),
            *[say("silent", name=name) for name in silent],
        ),
        _check(
            "representatives", "who",
            _status(len(parties) - len(unsigned), len(parties)),
            *[say("unsigned", name=name) for name in unsigned],
        ),
    ]
    for check in covenant.get("checks") or ():
        if isinstance(check, Mapping) and check.get("section") in sections:
            checks.append(evaluate(
                check, covenant, section_title(check["section"], language, titles)))
    return checks


def _signed(party: Mapping[str, Any], signatures: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a party signed: in a combined covenant (its party lists ``boards``), each of
    the boards it is a party of; else the covenant itself."""
    if "boards" not in party:
        return any(s.get("organisation") == party["name"] for s in signatures)
    name = party["name"].casefold()
    signed = {s.get("board") for s in signatures
              if str(s.get("organisation") or "").casefold() == name}
    return set(party["boards"]) <= signed


def combine_covenants(title: str, covenants: list[dict[str, Any]]) -> dict[str, Any]:
    """One covenant from several finalized boards; every item keeps its source board, every
    signature its board's id (``board``), and every party the ids of the boards it is a party
    of (``boards``): it counts as signed when it signed each of them."""
    parties: dict[str, dict[str, Any]] = {}
    people: dict[tuple[str, str, bool], dict[str, Any]] = {}
    sections: dict[str, list[dict[str, Any]]] = {}
    signatures: list[dict[str, Any]] = []
    titles: dict[str, str] = {}
    chapters_by_id: dict[str, dict[str, Any]] = {}
    checks: dict[tuple[str, str], dict[str, Any]] = {}
    item_vocabulary: dict[str, Any] = {}
    for covenant in covenants:
        for name, title in (covenant.get("section_titles") or {}).items():
            titles.setdefault(name, title)
        for chapter in covenant.get("chapters") or ():
            entry = chapters_by_id.setdefault(chapter["id"], {**chapter, "sections": []})
            entry["sections"] += [s for s in chapter["sections"] if s not in entry["sections"]]
        for check in covenant.get("checks") or ():
            checks.setdefault((check["section"], check["id"]), check)
        for section, vocabulary in (covenant.get("item_words") or {}).items():
            item_vocabulary.setdefault(section, vocabulary)
        board_id = covenant["board"]["id"]
        for party in covenant["parties"]:
            parties.setdefault(party["name"].casefold(), {**party, "boards": []})[
                "boards"].append(board_id)
        for person in covenant["participants"]:
            people.setdefault(
                (person["name"], person["organisation"], person.get("guest") is True), person)
        for name, items in covenant["sections"].items():
            sections.setdefault(name, []).extend(items)
        signatures.extend({**signature, "board": board_id}
                          for signature in covenant["signatures"])
    combined: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "title": title,
        "language": covenants[0]["language"],
        "boards": [covenant["board"] for covenant in covenants],
        "parties": list(parties.values()),
        "participants": list(people.values()),
        "sections": sections,
        "section_titles": {name: titles[name] for name in sections if name in titles},
        "chapters": sorted(chapters_by_id.values(), key=lambda chapter: chapter["order"]),
        "checks": list(checks.values()),
        "item_words": item_vocabulary,
        "signatures": signatures,
    }
    combined["completeness"] = completeness(combined)
    return combined
