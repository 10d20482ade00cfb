"""What a canvas declares about the agreement its covenant sections become.

A canvas spec lists its :class:`CovenantSection` s: each section's title in every language, the
:class:`Chapter` of the agreement it belongs in, and the completeness :class:`Check` s that
judge it (WHY and WHAT of the Partnering Agreement Scorecard; WHO is judged for every covenant
by the core). Nothing outside the canvas knows a section by name: at finalize the declarations
are written into the covenant, in its language, as plain data, so a stored covenant renders
and is judged the same after its plugin is upgraded or gone.

The standard chapters below give every canvas the same agreement to write into; a canvas may
declare a chapter of its own (its ``order`` places it among them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ACTIVITIES",
    "AIMS",
    "CHECK_GROUPS",
    "MEASURES",
    "CONDUCT",
    "COOPERATION",
    "HEALTH",
    "RESOURCES",
    "STRATEGY",
    "Chapter",
    "Check",
    "CovenantSection",
    "evaluate",
]

NOT_IN_PLACE, PARTLY, FULLY = "not_in_place", "partly", "fully"

#: The scorecard's groups a check may belong to; ``who`` is the core's own.
CHECK_GROUPS = ("why", "what")

#: How a check judges its section, and the notes (texts with placeholders) each measure may use:
#:
#: ``filled``: in place when the section has an item. Notes: ``empty`` ({section}).
#: ``complete_items``: in place when every item has a value under each of ``keys``, partly when
#: some do. Notes: ``item`` ({text}, per incomplete item), ``empty``.
#: ``from_parties``: in place when items come from two or more organisations, partly with any
#: item. Notes: ``empty``.
#: ``every_party``: in place when every partner has an item, partly when some do. Notes:
#: ``missing`` ({name}, per partner without an item).
#: ``with_section``: in place when the section and the section ``other`` both have items,
#: partly with only this one. Notes: ``missing_other``, ``empty``.
MEASURES: dict[str, frozenset[str]] = {
    "filled": frozenset({"empty"}),
    "complete_items": frozenset({"item", "empty"}),
    "from_parties": frozenset({"empty"}),
    "every_party": frozenset({"missing"}),
    "with_section": frozenset({"missing_other", "empty"}),
}


@dataclass(frozen=True)
class Chapter:
    """A chapter of the agreement; chapters are read in ``order``, lowest first."""

    id: str
    title: dict[str, str]
    order: int


AIMS = Chapter("aims", {"nl": "Wat we willen bereiken", "en": "What we want to achieve"}, 10)
COOPERATION = Chapter("cooperation", {"nl": "Hoe we samenwerken", "en": "How we work together"}, 20)
RESOURCES = Chapter("resources", {"nl": "Voorwaarden en middelen",
                                  "en": "Conditions and resources"}, 30)
ACTIVITIES = Chapter("activities", {"nl": "Acties", "en": "Actions"}, 40)
CONDUCT = Chapter("conduct", {"nl": "Spelregels voor de samenwerking",
                              "en": "Game rules for working together"}, 50)
STRATEGY = Chapter("strategy", {"nl": "Strategie per partner", "en": "Partner strategy"}, 60)
HEALTH = Chapter("health", {"nl": "Gezondheid van de samenwerking",
                            "en": "Health of the collaboration"}, 70)


@dataclass(frozen=True)
class Check:
    """One line of the covenant's checklist, judging one section.

    :param id: the check's id (snake_case), unique in the covenant.
    :param group: ``"why"`` or ``"what"``.
    :param title: ``{"nl": ..., "en": ...}``, the check's name in the checklist.
    :param measure: one of :data:`MEASURES`.
    :param notes: the measure's notes, each ``{"nl": ..., "en": ...}``, with its placeholders.
    :param keys: for ``complete_items``: the keys every item needs a value under.
    :param other: for ``with_section``: the id of the section that must have items too.
    """

    id: str
    group: str
    title: dict[str, str]
    measure: str
    notes: dict[str, dict[str, str]] = field(default_factory=dict)
    keys: tuple[str, ...] = ()
    other: str = ""

    def declared(self, section: str, language: str) -> dict[str, Any]:
        """The check as the covenant keeps it: plain data in the covenant's language."""
        data: dict[str, Any] = {
            "id": self.id, "group": self.group, "section": section, "measure": self.measure,
            "title": self.title[language],
            "notes": {name: text[language] for name, text in self.notes.items()},
        }
        if self.keys:
            data["keys"] = list(self.keys)
        if self.other:
            data["other"] = self.other
        return data


@dataclass(frozen=True)
class CovenantSection:
    """A covenant section a canvas's hook returns: its title, chapter and checks, and how its
    items' own keys read in the documents.

    :param details: item key -> its name ``{"nl": ..., "en": ...}``, or None to leave the key
        out of the documents (an id, a position). Undeclared keys show as the key made readable.
    :param values: item key -> value -> its words, for keys that hold ids (``"governance"`` ->
        ``{"nl": "bestuur", "en": "governance"}``).
    :param required: keys shown as "missing" on an item that has no value for them.
    :param score: an item key holding a number that a network follows from one finalized
        board of the canvas to the next (a health check's mean score), or "" for none. Such
        a canvas can be scheduled as a network's recurring review, and its items' scores
        are charted side by side, each item by its ``text``.
    :param score_scale: the lowest and highest score, for the chart.

    .. versionadded:: 0.3 ``score`` and ``score_scale``.
    """

    id: str
    title: dict[str, str]
    chapter: Chapter
    checks: tuple[Check, ...] = ()
    details: dict[str, dict[str, str] | None] = field(default_factory=dict)
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    score: str = ""
    score_scale: tuple[float, float] = (1, 5)

    def words(self, language: str) -> dict[str, Any]:
        """The item vocabulary as the covenant keeps it, in ``language``."""
        return {
            "labels": {key: None if label is None else label[language]
                       for key, label in self.details.items()},
            "value_words": {key: {value: word[language] for value, word in words.items()}
                       for key, words in self.values.items()},
            "required": list(self.required),
        }


def _status(done: int, total: int) -> str:
    if total == 0 or done == 0:
        return NOT_IN_PLACE
    return FULLY if done >= total else PARTLY


def _has_value(item: Mapping[str, Any], key: str) -> bool:
    return item.get(key) not in (None, "", [])


def _party_orgs(items: list[Mapping[str, Any]]) -> set[str]:
    """The organisations items come from, leaving out guests': a guest's organisation is
    self-declared, so a guest who types a partner's name does not speak for that partner."""
    return {i["org"] for i in items if i.get("org") and i.get("guest") is not True}


def evaluate(
    check: Mapping[str, Any], covenant: Mapping[str, Any], section_title: str
) -> dict[str, Any]:
    """Judge one declared check (see :meth:`Check.declared`) against the covenant's data."""
    sections: Mapping[str, list[Mapping[str, Any]]] = covenant.get("sections", {})
    items = sections.get(check["section"], [])
    texts: Mapping[str, str] = check.get("notes", {})

    def say(note: str, **values: str) -> list[str]:
        return [texts[note].format(**values)] if note in texts else []

    notes: list[str] = []
    measure = check["measure"]
    if measure == "filled":
        status = FULLY if items else NOT_IN_PLACE
        notes = [] if items else say("empty", section=section_title)
    elif measure == "complete_items":
        keys = check.get("keys", [])
        incomplete = [i for i in items if not all(_has_value(i, key) for key in keys)]
        status = _status(len(items) - len(incomplete), len(items))
        notes = [note for i in incomplete for note in say("item", text=str(i["text"])[:60])]
        notes += [] if items else say("empty")
    elif measure == "from_parties":
        orgs = _party_orgs(items)
        status = FULLY if len(orgs) >= 2 else PARTLY if items else NOT_IN_PLACE
        notes = [] if items else say("empty")
    elif measure == "every_party":
        orgs = _party_orgs(items)
        parties = [party["name"] for party in covenant.get("parties", [])]
        status = _status(len([p for p in parties if p in orgs]), len(parties))
        notes = [note for p in parties if p not in orgs for note in say("missing", name=p)]
    elif measure == "with_section":
        other = bool(sections.get(check.get("other", "")))
        status = (FULLY if other else PARTLY) if items else NOT_IN_PLACE
        notes = ([] if other else say("missing_other")) + ([] if items else say("empty"))
    else:  # a measure of a newer release: shown, not judged
        status = NOT_IN_PLACE
    return {"id": check["id"], "group": check["group"], "title": check.get("title", ""),
            "status": status, "notes": notes}
