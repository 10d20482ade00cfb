"""Creating boards and recognising their role tokens."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pycrdt import Doc, Map

from partnerboard.plugins import BoardSnapshot, CanvasSpec, Partner

from .store import BoardRecord, Store
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
            partners[partner["id"]] = Map({"name": partner["name"], "color": partner["color"]})
    return doc.get_update()


def unique_names(names: Iterable[str]) -> list[str]:
    """Partner names without blanks and without repeats that differ only in case, in order."""
    seen: dict[str, str] = {}
    for name in names:
        if name.strip():
            seen.setdefault(name.strip().casefold(), name.strip())
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
        self, spec: CanvasSpec, title: str, language: str, partner_names: list[str]
    ) -> NewBoard:
        record = self.draft(spec, title, language, partner_names)
        return self.store_new(record, initial_document(record, spec))

    def draft(
        self, spec: CanvasSpec, title: str, language: str, partner_names: list[str]
    ) -> BoardRecord:
        """The record of a new board, not stored yet (see :meth:`store_new`)."""
        partners = tuple(
            {
                "id": f"p{index + 1}",
                "name": name,
                "color": PARTNER_COLORS[index % len(PARTNER_COLORS)],
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
        tokens = {role: new_token() for role in Role}
        record = replace(
            record, token_hashes={role.value: hash_token(t) for role, t in tokens.items()}
        )
        self.store.create_board(record, document)
        return NewBoard(record, tokens)

    def authenticate(self, board_id: str, token: str) -> tuple[BoardRecord, Role] | None:
        """The board and the role the token grants, or None. Unknown boards take as long."""
        record = self.store.get_board(board_id) if len(board_id) <= 64 else None
        hashes = record.token_hashes if record else {"none": _DUMMY_HASH}
        found: Role | None = None
        for role, digest in hashes.items():
            if matches(token, digest) and record is not None:
                found = Role(role)
        if record is None or found is None:
            return None
        return record, found
