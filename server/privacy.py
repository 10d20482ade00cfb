"""Personal data on a network's boards (issue 17): export, erasure and retention.

Participants' names are personal data; organisations are not. Three things act on names, all
on the boards of one network only (a board made without a network, or for another network, is
never read or touched):

* **export**: everything one named person wrote on the network's boards, as JSON;
* **erasure**: that person's name replaced by their organisation (``"deelnemer"`` /
  ``"participant"`` when they gave none) everywhere the board keeps it;
* **retention**: N months after a board's last change, every name on it replaced the same way.

A redaction (erasure or retention) of a board changes, in this order: the board document (an
ordinary update on an open board, so every client sees it; on a finalized board its stored
copy), the seats, the hidden drafts of a private brainstorm, the signatures, and, on a finalized
board, its final snapshot and covenant. Then the board's **history is folded** into its current
state: the kept updates (whose bytes hold the names as typed, and whose senders of migration
0008 name the person) are dropped, and the history starts again at the redaction. A history
that could still show or restore the earlier board would keep the names, so this is the honest
price. Each redaction is recorded (when, why, counts and hashes, never a name).

A finalized board's covenant is hashed and signed. Its sections (what the organisations agreed)
are kept as they are; only the names in it are replaced, so its bytes and their hash change.
The new hash becomes the board's ``covenant_sha256``; the old one is kept in the covenant's own
``redactions`` list (and the record), and the signatures made on it keep naming it and still
count for the covenant (see :func:`.finalize.signed_versions`): they signed the same agreement
with the names still in. The parties' own downloaded copies still match the old hash.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from pycrdt import Doc

from .covenant_store import iso
from .history import plain_board
from .names import name_key
from .privacy_covenants import redact_network_versions
from .redaction import (
    FALLBACK,
    Changes,
    NameRule,
    drop_contacts,
    participants_of,
    people_in,
    redact_covenant,
    redact_doc,
)
from .room import collected, decode_stored
from .store import BoardDamaged, BoardRecord

__all__ = [
    "Person", "RETENTION_EVERY", "apply_retention", "contact_partners", "contacts_of",
    "erase_contacts", "erase_person", "export_person",
    "keep_retention", "network_board_records", "privacy_context", "redact_board",
]

log = logging.getLogger("partnerboard.privacy")

#: How often a running server applies the networks' retention periods (and once at start).
RETENTION_EVERY = 3600.0
#: A month, for retention: 30.44 days (a year / 12).
MONTH = 365.25 / 12 * 86400


@dataclass(frozen=True)
class Person:
    """A person asked about by name, optionally in one organisation."""

    name: str
    org: str | None = None

    def rule(self, language: str, remove_text: bool = False) -> NameRule:
        return NameRule(FALLBACK.get(language, FALLBACK["nl"]), self.name, self.org,
                        remove_text)

    def matches(self, name: object, org: object = "") -> bool:
        return NameRule("", self.name, self.org).covers(name, org)


def privacy_context(request: Any, network: dict[str, Any]) -> dict[str, Any]:
    """What the network page's privacy section shows."""
    return {"months": request.app.state.store.retention(network["id"])}


def network_board_records(store: Any, network_id: str) -> list[BoardRecord]:
    """The records of the boards made for this network (and only those)."""
    records = (store.get_board(row["board_id"]) for row in store.network_boards(network_id))
    return sorted((r for r in records if r is not None), key=lambda r: r.created_at)


def _current_doc(state: Any, record: BoardRecord) -> Doc:
    return state.rooms.document(record.id)


def _element_rows(doc: Doc) -> list[dict[str, Any]]:
    elements = plain_board(doc)["elements"]
    return [{"id": key, **value} for key, value in elements.items() if isinstance(value, dict)]


# -- export ----------------------------------------------------------------------------------


def export_person(state: Any, network: dict[str, Any], person: Person) -> dict[str, Any]:
    """Everything the person wrote on the network's boards; ``boards`` is empty when the
    name is on none of them."""
    boards = _each_board(network_board_records(state.store, network["id"]),
                         lambda record: _export_board(state, record, person))
    return {"network": {"id": network["id"], "name": network["name"]},
            "person": {"name": person.name, "organisation": person.org},
            "exported_at": iso(time.time()), "boards": boards,
            "contacts": contacts_of(network, person)}


def names_contact(person: Person, contact: object, organisation: object) -> bool:
    """Whether a contact field (of a member, or of a board's partner copied from it) names
    this person: with an e-mail address, say, and in that organisation when one is given.

    The name must stand as whole words (compared as :func:`.names.name_key` compares):
    "Jan" is in "Jan Bakker" and "jan@example.org", not in "Marjan de Vries"."""
    key = name_key(person.name)
    if not (key and isinstance(contact, str)):
        return False
    if re.search(rf"(?<!\w){re.escape(key)}(?!\w)", name_key(contact)) is None:
        return False
    return person.org is None or name_key(person.org) == name_key(str(organisation or ""))


def contacts_of(network: dict[str, Any], person: Person) -> list[dict[str, str]]:
    """The members whose contact person is this person."""
    return [{"member": m["id"], "name": m["name"], "contact": m["contact"]}
            for m in network["members"] if names_contact(person, m.get("contact"), m["name"])]


def contact_partners(record: BoardRecord, person: Person) -> frozenset[str]:
    """The ids of the board's partners whose contact (copied from their network member when
    the board was made or the member changed) names this person. The board's own copy is
    read, not the member of now: a finalized board keeps the contact it was agreed with."""
    return frozenset(p["id"] for p in record.partners
                     if names_contact(person, p.get("contact"), p.get("name")))


def erase_contacts(store: Any, network: dict[str, Any], person: Person) -> list[str]:
    """Empty the contact field of the members whose contact is this person; their ids."""
    found = {c["member"] for c in contacts_of(network, person)}
    if not found:
        return []
    members = [{**m, "contact": ""} if m["id"] in found else m for m in network["members"]]
    if not store.set_network_members(network["id"], members, network["members"]):
        # Changed by someone else meanwhile: read it again once and repeat on what is there.
        fresh = store.network(network["id"])
        return erase_contacts(store, fresh[0], person) if fresh is not None else []
    network["members"] = members
    return sorted(found)


def _export_board(state: Any, record: BoardRecord, person: Person) -> dict[str, Any] | None:
    store = state.store
    elements, comments = [], []
    for row in _element_rows(_current_doc(state, record)):
        editors = [e for e in row.get("editors") or [] if isinstance(e, dict)]
        wrote = person.matches(row.get("author"), row.get("org"))
        edited = any(person.matches(e.get("name"), e.get("org")) for e in editors)
        # An action's owner names a person without an organisation: the element's stands in.
        owns = person.matches(row.get("owner"), row.get("org"))
        if not (wrote or edited or owns):
            continue
        item = {key: row.get(key) for key in ("id", "kind", "text", "org", "author", "created",
                                               "owner", "due") if key in row}
        item["role"] = "author" if wrote else "editor" if edited else "owner"
        if row.get("kind") == "comment":
            comments.append({**item, "on": row.get("on")})
        else:
            elements.append(item)
    seats = [{k: s[k] for k in ("id", "name", "org", "created_at")}
             for s in store.seats(record.id) if person.matches(s["name"], s["org"])]
    drafts = [{k: d[k] for k in ("id", "org", "author", "text", "created_at")}
              for d in store.drafts(record.id) if person.matches(d["author"], d["org"])]
    signatures = [{"organisation": s["party_name"], "name": s["name"], "signed_at":
                   s["signed_at"], "covenant_sha256": s["covenant_sha256"]}
                  for s in store.party_signatures(record.id)
                  if person.matches(s["name"], s["party_name"])]
    signatures += [{"organisation": s["organisation"], "name": s["name"],
                    "signed_at": s["signed_at"], "covenant_sha256": s.get("covenant_sha256")}
                   for s in store.signatures(record.id)
                   if person.matches(s["name"], s["organisation"])]
    updates, _first = store.history(record.id)
    sent = [{"seq": u.seq, "at": iso(u.at) if u.at else None, "role": u.by, "org": u.org,
             "name": u.name} for u in updates if person.matches(u.name, u.org)]
    if not (elements or comments or seats or drafts or signatures or sent):
        return None
    return {"id": record.id, "title": record.title, "canvas": record.canvas,
            "state": record.state, "elements": elements, "comments": comments, "seats": seats,
            "drafts": drafts, "signatures": signatures, "history": sent}


# -- redaction ---------------------------------------------------------------------------------


def erase_person(state: Any, network: dict[str, Any], person: Person, *,
                 remove_text: bool = False) -> tuple[list[dict[str, Any]], list[str]]:
    """Replace the person's name on every board of the network where it is, and empty the
    contact fields that name them (the members', and the copies on the boards' partners).
    Return what was done per board and the ids of the members whose contact was emptied
    (both empty: the name is nowhere in the network)."""
    def erase(record: BoardRecord) -> dict[str, Any] | None:
        contacts = contact_partners(record, person)
        if not contacts and _export_board(state, record, person) is None and not (
                state.store.stored_mentions(record.id, history_mentions(person.name))):
            return None
        summary = redact_board(state, record, person.rule(record.language, remove_text),
                               "erasure", contacts=contacts)
        return {"id": record.id, "title": record.title, **summary}

    with state.store.scrubbing():
        contacts = erase_contacts(state.store, network, person)
        return _each_board(network_board_records(state.store, network["id"]), erase), contacts


def _each_board(records: list[BoardRecord],
                work: Callable[[BoardRecord], dict[str, Any] | None]) -> list[dict[str, Any]]:
    """``work`` on each board, its answers in a list; a board whose stored data is damaged
    is listed as such (``"damaged": true``) and the others are still done."""
    done = []
    for record in records:
        try:
            found = work(record)
        except BoardDamaged as error:
            log.error("%s: privacy could not read it; restore it from a backup and repeat",
                      error)
            found = {"id": record.id, "title": record.title, "damaged": True}
        if found is not None:
            done.append(found)
    return done


async def keep_retention(state: Any) -> None:
    """Apply the retention periods at start and every :data:`RETENTION_EVERY` seconds (a task
    of the running app). A failure is logged and tried again next time, never fatal."""
    while True:
        try:
            done = apply_retention(state)
            if done:
                log.info("retention: names replaced on %d board(s)", len(done))
        except Exception:
            log.exception("retention could not be applied; trying again in an hour")
        await asyncio.sleep(RETENTION_EVERY)


def yjs_string(value: str) -> bytes:
    """``value`` as a Yjs update holds a string value of a map (an element's ``author``):
    the "string" tag (119), its UTF-8 length as a variable-length number, the bytes. Looking
    for exactly this finds a name kept in a board's history (a deleted note's author) without
    matching every update that merely contains its letters."""
    data = value.encode("utf-8", "surrogatepass")
    length, prefix = len(data), bytearray()
    while True:
        byte = length & 0x7F
        length >>= 7
        prefix.append(byte | (0x80 if length else 0))
        if not length:
            return bytes([119]) + bytes(prefix) + data


#: The keys whose string value names a person: an element's ``author`` and ``owner`` (map
#: entries), an editor's ``name`` (in the JSON of an element's ``editors``). A partner's
#: ``name`` entry is an organisation.
PERSON_ENTRIES = frozenset({"author", "owner"})
PERSON_FIELDS = frozenset({"author", "owner", "name"})
_KEY = re.compile(rb"[A-Za-z_][A-Za-z0-9_]{0,39}")


def history_mentions(name: str) -> Callable[[bytes], bool]:
    """A test of stored update bytes: do they hold ``name`` as a person's name?

    Each place where the bytes hold the name as a string value (:func:`yjs_string`) counts,
    unless the bytes just before it name another key: a map entry written with its key (the
    key as a Yjs string, then one value: ``01``) or an entry of a JSON object (the key, then
    the value). So an element's kind, a zone's id or a partner's name is nobody's name, and
    the board's history is not folded for it. A value written without its key (a map entry
    overwritten: Yjs writes the entry it replaces instead) cannot be told apart and counts:
    when in doubt the history goes, never the other way round.
    """
    needle = yjs_string(name)

    def mentions(data: bytes) -> bool:
        at = data.find(needle)
        while at >= 0:
            found = _key_before(data, at)
            if found is None or found[1] in (PERSON_ENTRIES if found[0] else PERSON_FIELDS):
                return True
            at = data.find(needle, at + 1)
        return False

    return mentions


def _key_before(data: bytes, at: int) -> tuple[bool, str] | None:
    """The key written just before the value at ``at``: (True, key) for a map entry (its key,
    then a count of one value), (False, key) for an entry of a JSON object; None when no key
    is recognisably there. (A key's last byte is a letter or digit, never the count 1.)"""
    entry = at > 0 and data[at - 1] == 1
    end = at - 1 if entry else at
    for length in range(1, min(40, end - 1) + 1):
        start = end - length
        if data[start - 1] == length and _KEY.fullmatch(data[start:end]):
            return entry, data[start:end].decode()
    return None


def apply_retention(state: Any, now: float | None = None) -> list[dict[str, Any]]:
    """Apply every network's retention period: each board whose last change is older than
    it, and that was not redacted for retention since, gets every name replaced."""
    now = time.time() if now is None else now
    done = []
    for network_id, months in state.store.retentions():
        done += apply_network_retention(state, network_id, months, now)
    return done


def apply_network_retention(state: Any, network_id: str, months: int, now: float
                            ) -> list[dict[str, Any]]:
    """One network's period: what was done per board redacted now."""
    cutoff = now - months * MONTH
    due = []
    for record in network_board_records(state.store, network_id):
        room = state.rooms.loaded.get(record.id)
        if _retention_due(state.store, record, cutoff) and (room is None or not room.peers):
            due.append(record)  # else in use: names are kept until N months after its last use
    if not due:
        return []

    def redact(record: BoardRecord) -> dict[str, Any]:
        rule = NameRule(FALLBACK.get(record.language, FALLBACK["nl"]))
        return {"id": record.id, "title": record.title,
                **redact_board(state, record, rule, "retention", now=now)}

    with state.store.scrubbing():
        return _each_board(due, redact)


def _retention_due(store: Any, record: BoardRecord, cutoff: float) -> bool:
    """Whether the board was last used before ``cutoff`` and has changed since its last
    retention redaction (a board redacted for retention holds no name until it changes).

    Its last use is its newest kept update, its finalizing, or the last use a redaction
    recorded before folding the history away (an erasure is no use of the board).
    """
    redactions = store.redactions(record.id)
    used = max([record.created_at, record.finalized_at or 0.0, store.last_change(record.id) or 0.0,
                *(r.get("last_change") or 0.0 for r in redactions)])
    retained = max((r["at"] for r in redactions if r["reason"] == "retention"), default=0.0)
    return used < cutoff and retained < used


def redact_board(state: Any, record: BoardRecord, rule: NameRule, reason: str, *,
                 now: float | None = None, contacts: frozenset[str] = frozenset()
                 ) -> dict[str, Any]:
    """Replace the rule's names everywhere the board keeps them (see the module's doc), and
    remove the contact person of the partners ``contacts`` (their ids)."""
    store, rooms = state.store, state.rooms
    now = time.time() if now is None else now
    if record.state != "open":
        rule = replace(rule, remove_text=False)  # what was agreed keeps its text
    # The history goes with the fold below: remember when the board was last used, for
    # retention.
    used = max([store.last_change(record.id) or 0.0,
                *(r.get("last_change") or 0.0 for r in store.redactions(record.id))])
    doc = _current_doc(state, record)
    known = {**_people_outside(store, record.id), **people_in(doc)}
    changes = Changes()
    summary: dict[str, Any] = {}

    def redact(doc: Doc, counted: Changes) -> None:
        redact_doc(doc, rule, known, counted)
        drop_contacts(doc, contacts, counted)

    if record.state == "open":
        rooms.server_change(record.id, lambda live: redact(live, changes),
                            note=f"privacy:{reason}", collect=True)
    else:
        summary.update(_redact_finalized(state, record, rule, known, redact, changes, reason,
                                         now))
    _redact_tables(store, record, rule, changes)
    _drop_partner_contacts(store, record.id, contacts)
    store.fold_history(record.id)
    summary.update(changes.as_dict())
    store.add_redaction(record.id, now, reason, {**summary, "last_change": used or None})
    log.info("board %s: names redacted (%s): %s", record.id, reason, changes.as_dict())
    return summary


def _people_outside(store: Any, board_id: str) -> dict[str, str]:
    """name key -> organisation of the board's seats and signers (for ``owner`` fields)."""
    people = {name_key(s["name"]): s["org"] for s in store.seats(board_id)}
    people.update({name_key(s["name"]): s["party_name"] for s in store.party_signatures(board_id)})
    return people


def _drop_partner_contacts(store: Any, board_id: str, contacts: frozenset[str]) -> None:
    """The board record's partners without the contact of ``contacts`` (read afresh: a
    member's change may have reached the board meanwhile)."""
    fresh = store.get_board(board_id) if contacts else None
    if fresh is None:
        return
    partners = [{k: v for k, v in p.items() if k != "contact"} if p["id"] in contacts else p
                for p in fresh.partners]
    if partners != list(fresh.partners):
        store.set_partners(board_id, partners)


def _redact_finalized(state: Any, record: BoardRecord, rule: NameRule, known: dict[str, str],
                      redact: Callable[[Doc, Changes], None], changes: Changes, reason: str,
                      now: float) -> dict[str, Any]:
    """A finalized board: its stored document, final snapshot and covenant (no update can be
    sent: nobody's updates are applied any more). A viewer who has it open keeps the names on
    screen until they load it again. ``redact`` changes a copy of the board (in a
    transaction) and counts what it changed."""
    store = state.store
    room = state.rooms.loaded.get(record.id)
    updates, last = store.load_document(record.id)
    doc = room.doc if room is not None else decode_stored(record.id, updates)
    with doc.transaction():
        redact(doc, changes)
    store.compact(record.id, collected(doc), last)
    # The open room (here and on other nodes) still holds the names as deleted content.
    state.rooms.reload(record.id, announce=True)
    final_bytes = store.final_snapshot(record.id)
    if final_bytes is None:
        return {}
    final = decode_stored(record.id, [final_bytes])
    in_final = Changes()
    with final.transaction():
        redact(final, in_final)
    changed = bool(in_final.names or in_final.texts or in_final.extra)
    snapshot = collected(final)
    snapshot_sha = hashlib.sha256(snapshot).hexdigest()
    stored = store.covenant(board_id=record.id)
    covenant = None
    if stored is not None:
        entry = {"at": iso(now), "reason": reason, "covenant_sha256_before": stored[1],
                 "snapshot_sha256_before": record.snapshot_sha256,
                 "snapshot_sha256": snapshot_sha,
                 "what": "people's names replaced by their organisation; sections kept as "
                         "agreed; signatures made before still name covenant_sha256_before"}
        if in_final.extra.get("contacts"):
            entry["what"] += "; a partner's contact person removed from the snapshot"
        body = redact_covenant(stored[0], final, rule, known,
                               state.registry.canvas(record.canvas), entry, in_final,
                               snapshot_changed=changed)
        if body is not None:
            covenant = (body, hashlib.sha256(body).hexdigest())
        versions = redact_network_versions(store, record, final, rule, known,
                                           participants_of(stored[0]), in_final.edited,
                                           reason, now)
        if versions:
            changes.count("network_covenant_versions", versions)
    if not changed and covenant is None:
        return {}
    store.replace_final(record.id, snapshot, snapshot_sha, covenant)
    return {"snapshot_sha256_before": record.snapshot_sha256, "snapshot_sha256": snapshot_sha,
            "covenant_sha256_before": stored[1] if stored else None,
            "covenant_sha256": covenant[1] if covenant else (stored[1] if stored else None)}


def _redact_tables(store: Any, record: BoardRecord, rule: NameRule, changes: Changes) -> None:
    """Seats, hidden drafts and signatures: the names kept beside the document."""
    for seat in store.seats(record.id):
        new = rule.replacement(seat["name"], seat["org"])
        if new is not None and new != seat["name"]:
            store.set_seat_name(record.id, seat["id"], new)
            changes.count("seats")
    for draft in store.drafts(record.id):
        new = rule.replacement(draft["author"], draft["org"])
        if new is None:
            continue
        if rule.remove_text:
            store.remove_draft(record.id, draft["id"])
            changes.count("drafts_removed")
        elif new != draft["author"]:
            store.set_draft_author(record.id, draft["id"], new)
            changes.count("drafts")
    for signature in store.party_signatures(record.id):
        new = rule.replacement(signature["name"], signature["party_name"])
        if new is not None and new != signature["name"]:
            # The key only keeps one person from signing twice: a replaced name is nobody's.
            store.set_party_signer(record.id, signature["party_id"],
                                   signature["covenant_sha256"], new,
                                   f"{name_key(new)} #{signature['party_id']}")
            changes.count("signatures")
    for signature in store.signatures(record.id):
        new = rule.replacement(signature["name"], signature["organisation"])
        if new is not None and new != signature["name"]:
            store.set_signer(record.id, signature["organisation"],
                             signature["snapshot_sha256"], new)
            changes.count("signatures")



