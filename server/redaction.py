"""Replacing people's names by their organisation: the rule, and where names are in a board.

A person's name is kept in these places of a board document (DESIGN §6 and the attribution
code): an element's ``author`` (comments are elements too), the ``name`` of each entry in an
element's ``editors``, and an action's ``owner`` when it names a person who took part. Presence
is never stored. In a finalized board's covenant, names are in ``participants``, in an item's
``edited_by``, its ``owner``, and in the picture of the board. This module only computes; the
stores and rooms are changed by :mod:`.privacy`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Map, Text

from partnerboard.plugins import snapshot_from_doc
from partnerboard.plugins.covenant_build import editors_of
from partnerboard.plugins.picture import board_picture
from partnerboard.plugins.spec import CanvasSpec

from .covenant_store import canonical
from .names import name_key

__all__ = ["NameRule", "Changes", "FALLBACK", "redact_doc", "redact_covenant", "people_in",
           "drop_contacts", "participants_of", "redact_network_covenant"]

#: What takes a name's place when the person gave no organisation.
FALLBACK = {"nl": "deelnemer", "en": "participant"}


@dataclass(frozen=True)
class NameRule:
    """Which names go, and what takes their place (the organisation, else ``fallback``).

    ``person`` None: every name (retention). Otherwise only names equal to ``person`` (compared
    as :func:`.names.name_key` compares signers: case, spaces and invisible characters do
    not count), and, with ``org``, only that person in that organisation.
    """

    fallback: str
    person: str | None = None
    org: str | None = None
    #: Empty the text of elements only this person wrote (erasure, open boards only).
    remove_text: bool = False

    def covers(self, name: object, org: object = "") -> bool:
        if not isinstance(name, str) or not name.strip():
            return False
        if self.person is None:
            return True
        if name_key(name) != name_key(self.person):
            return False
        return self.org is None or name_key(str(org or "")) == name_key(self.org)

    def replacement(self, name: object, org: object = "") -> str | None:
        """The name's replacement, or None when it stays."""
        if not self.covers(name, org):
            return None
        text = org.strip() if isinstance(org, str) else ""
        return text or self.fallback


@dataclass
class Changes:
    """What a redaction changed (counts only: the record of a redaction holds no name)."""

    names: int = 0
    texts: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    #: Elements whose editors were renamed (their covenant item's ``edited_by`` follows).
    edited: set[str] = field(default_factory=set)

    def count(self, what: str, n: int = 1) -> None:
        self.extra[what] = self.extra.get(what, 0) + n

    def as_dict(self) -> dict[str, int]:
        return {"names": self.names, "texts": self.texts, **self.extra}


def people_in(doc: Doc) -> dict[str, str]:
    """name key -> organisation of everyone named as author or editor in the document."""
    people: dict[str, str] = {}
    for _id, element in _elements(doc):
        author, org = element.get("author"), element.get("org")
        if isinstance(author, str) and author.strip():
            people.setdefault(name_key(author), org if isinstance(org, str) else "")
        for editor in _editors(element):
            people.setdefault(name_key(editor["name"]), str(editor.get("org") or ""))
    return people


def _elements(doc: Doc) -> list[tuple[str, Map]]:
    return [(str(key), value) for key, value in doc.get("elements", type=Map).items()
            if isinstance(value, Map)]


def _editors(element: Map) -> list[dict[str, Any]]:
    editors = element.get("editors")
    if not isinstance(editors, list):
        return []
    return [e for e in editors if isinstance(e, dict) and isinstance(e.get("name"), str)]


def redact_doc(doc: Doc, rule: NameRule, known: dict[str, str], changes: Changes) -> None:
    """Replace the rule's names in the document (call inside a transaction).

    ``known``: name key -> organisation of the board's people, for ``owner`` fields, which
    name a person without saying their organisation (see :func:`_new_owner`).
    """
    for element_id, element in _elements(doc):
        author, org = element.get("author"), element.get("org") or ""
        new = rule.replacement(author, org)
        if new is not None and new != author:
            element["author"] = new
            changes.names += 1
        editors = element.get("editors")
        if isinstance(editors, list):
            renamed = [_renamed_editor(e, rule) for e in editors]
            if renamed != editors:
                element["editors"] = renamed
                changes.edited.add(element_id)
                changes.names += sum(1 for a, b in zip(renamed, editors, strict=True) if a != b)
        new = _new_owner(element.get("owner"), rule, known, org)
        if new is not None:
            element["owner"] = new
            changes.names += 1
        if rule.remove_text and rule.covers(author, org) and not _editors(element):
            text = element.get("text")
            if isinstance(text, Text) and len(text):
                del text[0:len(text)]
                changes.texts += 1


def drop_contacts(doc: Doc, partner_ids: frozenset[str], changes: Changes) -> None:
    """Remove the contact person of these partners from the document (call inside a
    transaction): a network member's contact is copied onto its boards' partners."""
    for partner_id, entry in doc.get("partners", type=Map).items():
        if partner_id in partner_ids and isinstance(entry, Map) and "contact" in entry:
            del entry["contact"]
            changes.count("contacts")


def _renamed_editor(editor: object, rule: NameRule) -> object:
    if not isinstance(editor, dict):
        return editor
    new = rule.replacement(editor.get("name"), editor.get("org") or "")
    return editor if new is None else {**editor, "name": new}


def redact_covenant(
    body: bytes,
    final: Doc,
    rule: NameRule,
    known: dict[str, str],
    spec: CanvasSpec | None,
    record: dict[str, Any],
    changes: Changes,
    snapshot_changed: bool = False,
) -> bytes | None:
    """The stored covenant with the rule's names replaced, or None when it names nobody of
    the rule and the final snapshot is unchanged (``snapshot_changed``: a covenant names its
    snapshot's hash, so it is made again, with a record, whenever that snapshot changes).

    ``final`` is the board's final snapshot, already redacted: an item's ``edited_by`` and the
    picture are made again from it with the core's own functions (the picture with the canvas
    installed now; without it the picture is left out). The sections are otherwise kept as
    agreed. ``record`` (when, why, the hashes before) is appended to the covenant's
    ``redactions``, so the stored JSON itself says what was changed and why.
    """
    covenant = json.loads(body)
    before = changes.names
    _redact_participants(covenant, rule, changes)
    board = snapshot_from_doc(final, str(covenant.get("board", {}).get("id", "")))
    _walk_items(covenant.get("sections"), lambda item: _redact_item(item, board, rule, known,
                                                                     changes))
    if changes.names == before and not snapshot_changed:
        return None
    if "picture" in covenant:
        if spec is not None:
            covenant["picture"] = board_picture(board, spec)
        else:
            del covenant["picture"]
    if isinstance(covenant.get("board"), dict) and record.get("snapshot_sha256"):
        covenant["board"]["snapshot_sha256"] = record["snapshot_sha256"]
    covenant.setdefault("redactions", []).append(record)
    return canonical(covenant)


def participants_of(body: bytes) -> set[tuple[str, str]]:
    """(name, organisation) of each participant a stored covenant names."""
    covenant = json.loads(body)
    return {(str(p.get("name")), str(p.get("organisation") or ""))
            for p in covenant.get("participants") or [] if isinstance(p, dict)}


def redact_network_covenant(
    body: bytes,
    final: Doc,
    board_id: str,
    rule: NameRule,
    known: dict[str, str],
    people: set[tuple[str, str]],
    record: dict[str, Any],
    changes: Changes,
) -> bytes | None:
    """A network covenant version (:mod:`.network_covenant`) with the names of one redacted
    board replaced, or None when it names nobody of the rule from that board.

    A version copies its boards' covenants: the items of this board (``source``) are redacted
    as :func:`redact_covenant` redacts them, from ``final``, the board's redacted snapshot
    (``changes.edited`` says whose editors were renamed there). Its participants are merged
    from all its boards, so only those this board's covenant named (``people``, read before
    its redaction) are replaced: a name on this board is replaced even where another board of
    the version names the same person. ``record`` is appended to its ``redactions``.
    """
    covenant = json.loads(body)
    before = changes.names
    _redact_participants(covenant, rule, changes, only=people)
    board = snapshot_from_doc(final, board_id)

    def visit(item: dict[str, Any]) -> None:
        _redact_item(item, board, rule, known, changes)

    sections = covenant.get("sections")
    for items in sections.values() if isinstance(sections, dict) else []:
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("source") == board_id:
                visit(item)
                _walk_items(item.get("sections"), visit)  # nested items name no source
    if changes.names == before:
        return None
    covenant.setdefault("redactions", []).append(record)
    return canonical(covenant)


def _redact_participants(covenant: dict[str, Any], rule: NameRule, changes: Changes,
                         only: set[tuple[str, str]] | None = None) -> None:
    """Replace the rule's names in ``participants`` (with ``only``: only these (name,
    organisation) pairs); a participant who becomes the same as another is listed once."""
    people = []
    for person in covenant.get("participants") or []:
        if isinstance(person, dict):
            org = person.get("organisation") or ""
            new = rule.replacement(person.get("name"), org) if only is None or (
                str(person.get("name")), str(org)) in only else None
            if new is not None:
                person = {**person, "name": new}
                changes.names += 1
            if person not in people:
                people.append(person)
    covenant["participants"] = people


def _walk_items(sections: object, visit: Callable[[dict[str, Any]], None]) -> None:
    if isinstance(sections, dict):
        for items in sections.values():
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict):
                    visit(item)
                    _walk_items(item.get("sections"), visit)


def _redact_item(item: dict[str, Any], board: Any, rule: NameRule, known: dict[str, str],
                 changes: Changes) -> None:
    if "edited_by" in item and item.get("element") in changes.edited:
        edited = editors_of(board.elements.get(str(item.get("element") or "")))
        if edited != item["edited_by"]:
            item["edited_by"] = edited
            changes.names += 1
    new = _new_owner(item.get("owner"), rule, known, item.get("org") or "")
    if new is not None:
        item["owner"] = new
        changes.names += 1


def _new_owner(owner: object, rule: NameRule, known: dict[str, str], org: object) -> str | None:
    """An action's owner's replacement, or None. An owner names a person without their
    organisation: a known person's is theirs, else the element's. Retention replaces only
    owners who took part on the board (anything else is the group's text); erasure replaces
    the person asked about."""
    if not isinstance(owner, str):
        return None
    key = name_key(owner)
    if key not in known and rule.person is None:
        return None
    new = rule.replacement(owner, known.get(key, org))
    return new if new != owner else None
