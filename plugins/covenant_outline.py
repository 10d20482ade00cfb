"""How a covenant reads as the draft of a partnership agreement (samenwerkingsovereenkomst).

One outline, used by every document exporter (Markdown, HTML, DOCX), so the three formats
cannot drift apart: chapters in the order of an agreement, each with its sections and items
turned into display text in the covenant's language. The chapters are the ones the covenant
carries (the canvas declared them at finalize, see plugins/agreement.py); sections in none of
them follow under "other".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .covenant_words import (
    WORDS,
    format_date,
    format_number,
    language_of,
    section_title,
    words,
)

__all__ = ["Chapter", "Line", "outline", "participant_label", "WORDS", "words"]

#: Item keys every item may carry that are not details: its text, where it came from, the
#: items nested in it, positions. A canvas hides keys of its own by declaring them None
#: (``CovenantSection.details``, kept in the covenant's ``item_words``).
_HIDDEN = {"text", "org", "guest", "element", "source", "notes", "zone", "x", "y"}


def marked_org(organisation: str, guest: bool, language: str) -> str:
    """An organisation as the covenant shows it: a guest's self-declared one is marked."""
    if not guest:
        return organisation
    mark = words(language)["guest"]
    return f"{organisation} ({mark})" if organisation else mark


def participant_label(
    person: Mapping[str, Any], language: str, escape: Callable[[str], str] = str
) -> str:
    """"Name (Organisation)", or for a guest "Name (Organisation, guest)": a guest link's holder
    declared their organisation themselves. Read from the stored covenant's ``guest`` flag.
    ``escape`` is applied to the user's text (name, organisation), not to the covenant's words.
    """
    name = escape(str(person.get("name", "")))
    organisation = str(person.get("organisation", ""))
    parts = [escape(organisation)] if organisation else []
    if person.get("guest") is True:
        parts.append(words(language)["guest"])
    return f"{name} ({', '.join(parts)})" if parts else name


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


class _Vocabulary:
    """How one section's item keys and values read: declared by its canvas, else generic."""

    def __init__(self, declared: object, language: str) -> None:
        found = declared if isinstance(declared, Mapping) else {}
        self.labels = found.get("labels") if isinstance(found.get("labels"), Mapping) else {}
        words_of = found.get("value_words")
        self.values = words_of if isinstance(words_of, Mapping) else {}
        required = found.get("required")
        self.required = [k for k in required if isinstance(k, str)] if isinstance(
            required, list) else []
        self.language = language
        self.words = words(language)

    def hidden(self, key: str) -> bool:
        return key in _HIDDEN or (key in self.labels and self.labels[key] is None)

    def label(self, key: str) -> str:
        declared = self.labels.get(key)
        if isinstance(declared, str) and declared.strip():
            return declared
        return self.words.get(key, key.replace("_", " "))

    def value(self, key: str, value: Any) -> str:
        if isinstance(value, bool):
            return self.words["yes" if value else "no"]
        if isinstance(value, int | float):
            return format_number(value, self.language)
        if isinstance(value, dict) and "text" in value:
            return str(value["text"])  # a nested item, e.g. a situation a rule prevents
        if isinstance(value, list):
            return "; ".join(self.value(key, v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{self.label(k)} {self.value(k, v)}" for k, v in value.items())
        text = str(value)
        known = self.values.get(key)
        if isinstance(known, Mapping) and isinstance(known.get(text), str):
            return known[text]
        return format_date(text, self.language)  # an ISO date reads as one; other text stays


def line_of(item: Mapping[str, Any], language: str, declared: object = None) -> Line:
    """One item as display text; ``declared`` is its section's ``item_words`` entry."""
    vocabulary = declared if isinstance(declared, _Vocabulary) else _Vocabulary(declared, language)
    details = []
    for key, value in item.items():
        if vocabulary.hidden(key) or value in (None, "", []):
            continue
        details.append((vocabulary.label(key), vocabulary.value(key, value)))
    for key in vocabulary.required:
        if item.get(key) in (None, "", []):
            details.append((vocabulary.label(key), vocabulary.words["missing"]))
    nested = item.get("notes")
    notes = [line_of(note, language, vocabulary) for note in nested if isinstance(note, Mapping)
             and str(note.get("text", "")).strip()] if isinstance(nested, list) else []
    org = marked_org(str(item.get("org", "")), item.get("guest") is True, language)
    return Line(str(item.get("text", "")), org, details, notes)


def outline(covenant: Mapping[str, Any]) -> list[Chapter]:
    """The covenant's sections grouped into chapters; unknown sections go to a last chapter."""
    language = language_of(covenant)
    declared = covenant.get("section_titles")
    titles = declared if isinstance(declared, Mapping) else {}
    stored_words = covenant.get("item_words")
    item_words = stored_words if isinstance(stored_words, Mapping) else {}
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
                    [line_of(i, language, item_words.get(s)) for i in sections[s]])
            for s in present
        ]))
    rest = [s for s in sections if s not in placed]
    if rest:
        chapters.append(Chapter(words(language)["other"], [
            Section(s, section_title(s, language, titles),
                    [line_of(i, language, item_words.get(s)) for i in items])
            for s, items in ((s, sections[s]) for s in rest)
        ]))
    return chapters
