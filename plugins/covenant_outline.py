"""How a covenant reads as the draft of a partnership agreement (samenwerkingsovereenkomst).

One outline, used by every document exporter (Markdown, HTML, DOCX), so the three formats
cannot drift apart: chapters in the order of an agreement, each with its sections and items
turned into display text in the covenant's language. The chapters are the ones the covenant
carries (the canvas declared them at finalize, see plugins/agreement.py); sections in none of
them follow under "other".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .covenant_words import (
    WORDS,
    format_date,
    format_number,
    language_of,
    section_title,
    value_word,
    words,
)

__all__ = ["Chapter", "Line", "outline", "WORDS", "words"]

#: Item keys that are bookkeeping, not shown as details: ids (a block's ``block`` and
#: ``group`` repeat its title; a partner's ``movement`` and ``relationship`` are spelled out in
#: its ``advice``) and positions.
_HIDDEN = {"text", "org", "element", "source", "notes", "zone", "x", "y", "block", "group",
           "movement", "relationship"}
#: Keys whose values are dates.
_DATES = {"due", "signed_at", "finalized_at"}


@dataclass
class Line:
    """One item as display text: the main text, and details such as owner and date."""

    text: str
    org: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)
    #: Items nested in this one, e.g. the notes that explain a building block's score.
    notes: list[Line] = field(default_factory=list)


@dataclass
class Section:
    id: str
    title: str
    lines: list[Line]


@dataclass
class Chapter:
    title: str
    sections: list[Section]


def _detail_value(key: str, value: Any, language: str) -> str:
    vocabulary = words(language)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return format_number(value, language)
    if isinstance(value, dict) and "text" in value:
        return str(value["text"])  # a nested item, e.g. a situation a rule prevents
    if isinstance(value, list):
        return "; ".join(_detail_value(key, v, language) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{vocabulary.get(k, k.replace('_', ' '))} "
                         f"{_detail_value(k, v, language)}" for k, v in value.items())
    text = str(value)
    if key in _DATES:
        return format_date(text, language)
    return value_word(key, text, language)


def line_of(item: Mapping[str, Any], language: str) -> Line:
    vocabulary = words(language)
    details = []
    for key, value in item.items():
        if key in _HIDDEN or value in (None, "", []):
            continue
        details.append((vocabulary.get(key, key.replace("_", " ")),
                        _detail_value(key, value, language)))
    if "owner" in item and not item.get("owner"):
        details.append((vocabulary["owner"], vocabulary["missing"]))
    if "due" in item and not item.get("due"):
        details.append((vocabulary["due"], vocabulary["missing"]))
    nested = item.get("notes")
    notes = [line_of(note, language) for note in nested if isinstance(note, Mapping)
             and str(note.get("text", "")).strip()] if isinstance(nested, list) else []
    return Line(str(item.get("text", "")), str(item.get("org", "")), details, notes)


def outline(covenant: Mapping[str, Any]) -> list[Chapter]:
    """The covenant's sections grouped into chapters; unknown sections go to a last chapter."""
    language = language_of(covenant)
    declared = covenant.get("section_titles")
    titles = declared if isinstance(declared, Mapping) else {}
    sections: Mapping[str, list[Mapping[str, Any]]] = covenant.get("sections", {})
    placed: set[str] = set()
    chapters = []
    for chapter in covenant.get("chapters") or ():
        present = [s for s in chapter.get("sections", ()) if s in sections and s not in placed]
        if not present:
            continue
        placed.update(present)
        chapters.append(Chapter(str(chapter.get("title", "")), [
            Section(s, section_title(s, language, titles),
                    [line_of(i, language) for i in sections[s]])
            for s in present
        ]))
    rest = [s for s in sections if s not in placed]
    if rest:
        chapters.append(Chapter(words(language)["other"], [
            Section(s, section_title(s, language, titles), [line_of(i, language) for i in items])
            for s, items in ((s, sections[s]) for s in rest)
        ]))
    return chapters
