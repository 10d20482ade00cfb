"""How a covenant reads as the draft of a partnership agreement (samenwerkingsovereenkomst).

One outline, used by every document exporter (Markdown, HTML, DOCX), so the three formats
cannot drift apart: chapters in the order of an agreement, each with its sections and items
turned into display text in the covenant's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Chapter", "Line", "outline", "WORDS", "words"]

#: (chapter title, section ids) in the order of an agreement.
CHAPTERS: tuple[tuple[dict[str, str], tuple[str, ...]], ...] = (
    ({"nl": "Wat we willen bereiken", "en": "What we want to achieve"}, ("values",)),
    (
        {"nl": "Hoe we samenwerken", "en": "How we work together"},
        ("process_agreements", "roles_and_communication", "communication"),
    ),
    ({"nl": "Voorwaarden en middelen", "en": "Conditions and resources"}, ("conditions",)),
    ({"nl": "Acties", "en": "Actions"}, ("actions",)),
    ({"nl": "Spelregels voor de samenwerking", "en": "Game rules for working together"},
     ("game_rules", "guardian")),
    ({"nl": "Strategie per partner", "en": "Partner strategy"}, ("partner_strategy",)),
    ({"nl": "Gezondheid van de samenwerking", "en": "Health of the collaboration"},
     ("health_check", "attention_points")),
)

SECTION_TITLES: dict[str, dict[str, str]] = {
    "values": {"nl": "Gedeelde waarden en doelen", "en": "Shared values and aims"},
    "process_agreements": {"nl": "Procesafspraken", "en": "Process agreements"},
    "roles_and_communication": {"nl": "Rollen en communicatie", "en": "Roles and communication"},
    "communication": {"nl": "Communicatie over de afspraken", "en": "Communicating the agreements"},
    "conditions": {"nl": "Voorwaarden en middelen", "en": "Conditions and resources"},
    "actions": {"nl": "Eerste acties", "en": "First actions"},
    "game_rules": {"nl": "Spelregels", "en": "Game rules"},
    "guardian": {"nl": "Hoeder van de spelregels", "en": "Guardian of the rules"},
    "partner_strategy": {"nl": "Partners en ontwikkelrichting", "en": "Partners and direction"},
    "health_check": {"nl": "Bouwstenen", "en": "Building blocks"},
    "attention_points": {"nl": "Aandachtspunten", "en": "Points of attention"},
}

WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "draft": "Concept samenwerkingsovereenkomst",
        "parties": "Partijen",
        "participants": "Opgesteld met",
        "other": "Overige afspraken",
        "completeness": "Volledigheid",
        "signatures": "Ondertekening",
        "signed": "Getekend door",
        "name": "Naam",
        "date": "Datum",
        "signature": "Handtekening",
        "provenance": "Bron",
        "board": "bord",
        "finalized": "afgerond op",
        "hash": "momentopname (sha256)",
        "owner": "wie",
        "due": "wanneer",
        "level": "niveau",
        "prevents": "voorkomt",
        "mean": "gemiddelde score",
        "dependency": "afhankelijkheid",
        "influence": "invloed",
        "ambition": "t.o.v. ambitielijn",
        "movement": "beweging",
        "relationship": "relatievorm",
        "org": "van",
        "not_in_place": "ontbreekt",
        "partly": "deels",
        "fully": "aanwezig",
        "who": "Wie",
        "why": "Waarom",
        "what": "Wat",
        "empty": "Nog niets vastgelegd.",
        "missing": "ontbreekt",
    },
    "en": {
        "draft": "Draft partnership agreement",
        "parties": "Parties",
        "participants": "Drawn up with",
        "other": "Other agreements",
        "completeness": "Completeness",
        "signatures": "Signatures",
        "signed": "Signed by",
        "name": "Name",
        "date": "Date",
        "signature": "Signature",
        "provenance": "Source",
        "board": "board",
        "finalized": "finalized on",
        "hash": "snapshot (sha256)",
        "owner": "who",
        "due": "by",
        "level": "level",
        "prevents": "prevents",
        "mean": "mean score",
        "dependency": "dependency",
        "influence": "influence",
        "ambition": "against the ambition line",
        "movement": "movement",
        "relationship": "relationship",
        "org": "from",
        "not_in_place": "not in place",
        "partly": "partly",
        "fully": "in place",
        "who": "Who",
        "why": "Why",
        "what": "What",
        "empty": "Nothing recorded yet.",
        "missing": "missing",
    },
}

#: Item keys that are bookkeeping, not shown as details.
_HIDDEN = {"text", "org", "element", "source", "notes", "zone", "x", "y"}


def words(language: str) -> dict[str, str]:
    return WORDS["en" if language == "en" else "nl"]


@dataclass
class Line:
    """One item as display text: the main text, and details such as owner and date."""

    text: str
    org: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Section:
    id: str
    title: str
    lines: list[Line]


@dataclass
class Chapter:
    title: str
    sections: list[Section]


def _detail_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dict) and "text" in value:
        return str(value["text"])  # a nested item, e.g. a situation a rule prevents
    if isinstance(value, list):
        return "; ".join(_detail_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_detail_value(v)}" for k, v in value.items())
    return str(value)


def line_of(item: Mapping[str, Any], language: str) -> Line:
    vocabulary = words(language)
    details = []
    for key, value in item.items():
        if key in _HIDDEN or value in (None, "", []):
            continue
        details.append((vocabulary.get(key, key.replace("_", " ")), _detail_value(value)))
    if "owner" in item and not item.get("owner"):
        details.append((vocabulary["owner"], vocabulary["missing"]))
    if "due" in item and not item.get("due"):
        details.append((vocabulary["due"], vocabulary["missing"]))
    return Line(str(item.get("text", "")), str(item.get("org", "")), details)


def outline(covenant: Mapping[str, Any]) -> list[Chapter]:
    """The covenant's sections grouped into chapters; unknown sections go to a last chapter."""
    language = covenant.get("language", "nl")
    lang = "en" if language == "en" else "nl"
    sections: Mapping[str, list[Mapping[str, Any]]] = covenant.get("sections", {})
    placed: set[str] = set()
    chapters = []
    for title, section_ids in CHAPTERS:
        present = [s for s in section_ids if s in sections]
        if not present:
            continue
        placed.update(present)
        chapters.append(Chapter(title[lang], [
            Section(s, SECTION_TITLES[s][lang], [line_of(i, language) for i in sections[s]])
            for s in present
        ]))
    rest = [s for s in sections if s not in placed]
    if rest:
        chapters.append(Chapter(words(language)["other"], [
            Section(s, s.replace("_", " ").capitalize(), [line_of(i, language) for i in items])
            for s, items in ((s, sections[s]) for s in rest)
        ]))
    return chapters
