"""The words of a covenant in its own language: headings, checklist names, dates, numbers.

A covenant is read by people who sign it, so nothing in it may show an internal id
(``roles_and_communication``), an ISO timestamp or an English word on a Dutch board. Every
exporter and the completeness checklist take their words from here, so the formats agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

__all__ = [
    "CHECK_TITLES",
    "WORDS",
    "check_title",
    "format_date",
    "format_number",
    "language_of",
    "plural",
    "section_title",
    "words",
]

WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "draft": "Concept samenwerkingsovereenkomst",
        "parties": "Partijen",
        "participants": "Opgesteld met",
        "other": "Overige afspraken",
        "completeness": "Volledigheid",
        "signatures": "Ondertekening",
        "signed": "Getekend door",
        "not_signed": "nog niet ondertekend",
        "guest": "gast",
        "edited_by": "bewerkt door",
        "name": "Naam",
        "date": "Datum",
        "signature": "Handtekening",
        "provenance": "Bron",
        "board": "bord",
        "finalized": "afgerond op",
        "hash": "momentopname (sha256)",
        "covenant_hash": "Vingerafdruk van dit convenant (sha256)",
        "org": "van",
        "not_in_place": "ontbreekt",
        "partly": "deels",
        "fully": "aanwezig",
        "who": "Wie",
        "why": "Waarom",
        "what": "Wat",
        "empty": "Nog niets vastgelegd.",
        "missing": "ontbreekt",
        "yes": "ja",
        "picture": "Het bord zoals het is afgerond",
        "votes": "stemmen",
        "no": "nee",
        "agreed_only": "Alleen de notities die als akkoord zijn gemarkeerd, staan hierin.",
    },
    "en": {
        "draft": "Draft partnership agreement",
        "parties": "Parties",
        "participants": "Drawn up with",
        "other": "Other agreements",
        "completeness": "Completeness",
        "signatures": "Signatures",
        "signed": "Signed by",
        "not_signed": "not signed yet",
        "guest": "guest",
        "edited_by": "edited by",
        "name": "Name",
        "date": "Date",
        "signature": "Signature",
        "provenance": "Source",
        "board": "board",
        "finalized": "finalized on",
        "hash": "snapshot (sha256)",
        "covenant_hash": "Fingerprint of this covenant (sha256)",
        "org": "from",
        "not_in_place": "not in place",
        "partly": "partly",
        "fully": "in place",
        "who": "Who",
        "why": "Why",
        "what": "What",
        "empty": "Nothing recorded yet.",
        "missing": "missing",
        "yes": "yes",
        "picture": "The board as it was finalized",
        "votes": "votes",
        "no": "no",
        "agreed_only": "Only the notes marked as agreed are in here.",
    },
}

#: Names of the WHO checks, which the core makes for every covenant; the WHY and WHAT checks
#: carry the titles their canvas declared (see covenant_build.completeness).
CHECK_TITLES: dict[str, dict[str, str]] = {
    "parties": {"nl": "Partijen", "en": "Parties"},
    "contributions": {"nl": "Inbreng van elke partner", "en": "Each partner's contribution"},
    "representatives": {"nl": "Ondertekening", "en": "Signatures"},
}

MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$")


def language_of(covenant_or_language: Mapping[str, Any] | str | None) -> str:
    """``"en"`` or ``"nl"``: a covenant's language, Dutch unless it says English."""
    value = covenant_or_language
    if isinstance(value, Mapping):
        value = value.get("language")
    return "en" if value == "en" else "nl"


def words(language: str) -> dict[str, str]:
    return WORDS[language_of(language)]


def section_title(section_id: str, language: str,
                  declared: Mapping[str, str] | None = None) -> str:
    """A section's title: the one stored with the covenant, or the id made readable."""
    if declared and isinstance(declared.get(section_id), str) and declared[section_id].strip():
        return declared[section_id]
    return section_id.replace("_", " ").capitalize()


def check_title(check: Mapping[str, Any], language: str) -> str:
    """A checklist line's name: the title it carries, ours for WHO, or the id made readable."""
    if isinstance(check.get("title"), str) and check["title"].strip():
        return check["title"]
    check_id = str(check.get("id", ""))
    if check_id in CHECK_TITLES:
        return CHECK_TITLES[check_id][language_of(language)]
    return check_id.replace("_", " ").capitalize()


def format_date(value: str, language: str) -> str:
    """An ISO date or timestamp as people write it: ``15 januari 2026`` / ``15 January 2026``.

    Anything that is not an ISO date (a due date typed as "na de zomer") stays as it is.
    """
    text = value.strip()
    if not _ISO_DATE.match(text):
        return value
    try:
        day = (datetime.fromisoformat(text.replace("Z", "+00:00")) if len(text) > 10
               else date.fromisoformat(text))
    except ValueError:
        return value
    return f"{day.day} {MONTHS[language_of(language)][day.month - 1]} {day.year}"


def format_number(value: float, language: str) -> str:
    """A number with at most two decimals, with a decimal comma in Dutch."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if language_of(language) == "nl" else text


def plural(count: int, one: str, many: str) -> str:
    """``1 punt`` / ``3 punten``: the count with the word that fits it."""
    return f"{count} {one if count == 1 else many}"
