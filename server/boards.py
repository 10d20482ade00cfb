"""Creating boards and recognising their role tokens."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from pycrdt import Doc, Map

from partnerboard.plugins import BoardSnapshot, CanvasSpec, Partner

from .links import Access, link_of_party, seal
from .names import name_key
from .store import BoardRecord, Store, could_be_stored_id
from .tokens import Role, hash_token, matches, new_token

__all__ = ["Boards", "NewBoard", "PARTNER_COLORS", "initial_document", "snapshot_of_record"]

#: Organisation colours, distinguishable on white and for the common colour-vision deficiencies.
PARTNER_COLORS = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9",
    "#d55e00", "#f0e442", "#6a3d9a", "#b15928", "#1b9e77",
)
_DUMMY_HASH = hash_token("no board has this token")


@dataclass(frozen=True)
class NewBoard:
    record: BoardRecord
    tokens: dict[Role, str]
    #: Partner id -> the token of its party link, in the order of the partners.
    party_tokens: dict[str, str] = field(default_factory=dict)


def initial_document(record: BoardRecord, spec: CanvasSpec) -> bytes:
    """The first update of a board: the root types of DESIGN.md §6, filled in."""
    doc = Doc()
    meta = doc.get("meta", type=Map)
    partners = doc.get("partners", type=Map)
    doc.get("elements", type=Map)
    with doc.transaction():
        meta["canvas"] = spec.id
        meta["canvas_version"] = spec.version
        meta["title"] = record.title
        meta["language"] = record.language
        meta["step"] = 0
        meta["finalized"] = False
        for partner in record.partners:
            # name and colour, and what else the partner carries (a network member's short
            # name and contact)
            partners[partner["id"]] = Map({k: v for k, v in partner.items() if k != "id" and v})
    return doc.get_update()


def unique_names(names: Iterable[str]) -> list[str]:
    """Partner names without blanks and without repeats (compared as
    :func:`.names.name_key` compares), in order."""
    seen: dict[str, str] = {}
    for name in names:
        if name.strip():
            seen.setdefault(name_key(name), name.strip())
    return list(seen.values())


def _new_board_id() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def snapshot_of_record(record: BoardRecord) -> BoardSnapshot:
    """A board's metadata as plugin data (no elements): for events such as board_created."""
    return BoardSnapshot(
        id=record.id,
        canvas=record.canvas,
        title=record.title,
        language=record.language,
        partners=tuple(Partner(p["id"], p["name"], p["color"]) for p in record.partners),
    )


class Boards:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(
        self, spec: CanvasSpec, title: str, language: str, partner_names: list[str],
        colors: list[str] | None = None, details: list[dict[str, str]] | None = None,
    ) -> NewBoard:
        """A new board; ``details`` gives each partner more keys (only those with a value)."""
        record = self.draft(spec, title, language, partner_names, colors)
        if details:
            record = replace(record, partners=tuple(
                {**partner, **{k: v for k, v in extra.items() if v}}
                for partner, extra in zip(record.partners, details, strict=False)))
        return self.store_new(record, initial_document(record, spec))

    def draft(
        self, spec: CanvasSpec, title: str, language: str, partner_names: list[str],
        colors: list[str] | None = None,
    ) -> BoardRecord:
        """The record of a new board, not stored yet (see :meth:`store_new`); partners take
        ``colors`` in order (a network's members have theirs), else ours."""
        partners = tuple(
            {
                "id": f"p{index + 1}",
                "name": name,
                "color": (colors[index] if colors and index < len(colors) and colors[index]
                          else PARTNER_COLORS[index % len(PARTNER_COLORS)]),
            }
            for index, name in enumerate(partner_names)
        )
        return BoardRecord(
            id=_new_board_id(),
            canvas=spec.id,
            title=title,
            language=language,
            created_at=time.time(),
            partners=partners,
        )

    def create_version(self, finalized: BoardRecord, document: Doc) -> NewBoard:
        """A new open board holding a copy of a finalized board, linked to it."""
        copy = Doc()
        copy.apply_update(document.get_update())
        meta = copy.get("meta", type=Map)
        with copy.transaction():
            meta["finalized"] = False
            meta["predecessor"] = finalized.id
        record = replace(
            finalized,
            id=_new_board_id(),
            state="open",
            created_at=time.time(),
            finalized_at=None,
            snapshot_sha256=None,
            predecessor=finalized.id,
        )
        return self.store_new(record, copy.get_update())

    def store_new(self, record: BoardRecord, document: bytes) -> NewBoard:
        """Store a new board with its role links and one party link per partner."""
        tokens = {role: new_token() for role in Role}
        record = replace(
            record, token_hashes={role.value: hash_token(t) for role, t in tokens.items()}
        )
        self.store.create_board(record, document)
        party_tokens = {partner["id"]: new_token() for partner in record.partners}
        facilitator = tokens[Role.FACILITATOR]
        for role, token in tokens.items():
            self._seal(record.id, role.value, token, facilitator)
        for party_id, token in party_tokens.items():
            self.issue(record.id, link_of_party(party_id), token, facilitator)
        return NewBoard(record, tokens, party_tokens)

    def _seal(self, board_id: str, link: str, token: str, facilitator_token: str) -> None:
        sealed = seal(token, facilitator_token=facilitator_token, board_id=board_id, link=link)
        self.store.set_link(board_id, link, hash_token(token), sealed)

    def issue(self, board_id: str, link: str, token: str, facilitator_token: str) -> None:
        """Make ``token`` the link's only valid token (an older one stops working)."""
        self._seal(board_id, link, token, facilitator_token)

    def authenticate(self, board_id: str, token: str) -> tuple[BoardRecord, Role] | None:
        """The board and the role the token grants, or None. Unknown boards take as long."""
        access = self.access(board_id, token)
        return (access.record, access.role) if access else None

    def access(self, board_id: str, token: str) -> Access | None:
        """What the token grants on the board (role, link, party), or None.

        Every stored hash is compared (in constant time each), so the time taken does not
        tell which link matched; an unknown board is compared against a dummy hash.
        """
        record = self.store.get_board(board_id) if could_be_stored_id(board_id) else None
        hashes = dict(record.token_hashes) if record else {"none": _DUMMY_HASH}
        if record is not None:
            for party_id, digest in self.store.party_token_hashes(record.id).items():
                hashes[link_of_party(party_id)] = digest
        found: str | None = None
        for link, digest in hashes.items():
            if matches(token, digest) and record is not None:
                found = link
        if record is None or found is None:
            return None
        if found.startswith("party:"):
            party_id = found.removeprefix("party:")
            party = next((p for p in record.partners if p["id"] == party_id), None)
            if party is None:
                return None
            return Access(record, Role.PARTICIPANT, found, dict(party))
        return Access(record, Role(found), found)
