"""Finalizing a board: freeze it, keep an immutable snapshot, and build its covenant.

A finalized board's snapshot is written once and never changed; its sha256 identifies the
version that was agreed. The covenant is built from it once, here, and stored with it in the
same transaction (:mod:`.covenant_store`); signatures name the covenant's hash.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map

from partnerboard.plugins import BoardSnapshot
from partnerboard.plugins.covenant_build import build_covenant
from partnerboard.plugins.manager import PluginRegistry
from partnerboard.plugins.spec import CanvasSpec

from . import heavy
from .covenant_store import build_stored, iso
from .room import decode_stored
from .rooms import Rooms
from .store import BoardDamaged, BoardFrozen, BoardRecord, HeldBoard, Store, hold_board

__all__ = [
    "Finalized", "start_finalize", "covenant_of", "iso", "document_of", "final_snapshot",
    "signed_hash", "signed_versions", "signatures_of",
]


def _mark_finalized(doc: Doc) -> None:
    doc.get("meta", type=Map)["finalized"] = True


@dataclass(frozen=True)
class Finalized:
    """What finalizing gave: the hashes of the snapshot and the covenant, and the board."""

    snapshot_sha256: str
    covenant_sha256: str
    board: BoardSnapshot


def start_finalize(
    store: Store, rooms: Rooms, registry: PluginRegistry, record: BoardRecord
) -> asyncio.Future[Finalized]:
    """Begin finalizing the board in a task of its own, and return that task.

    The board counts as being finalized (``rooms.finalizing``) from this call on, so a second
    request can wait for this one to end (and then find the board finalized, or still open
    if this one failed), and a request that ends early (the client went away) cannot leave the
    board half-done: the task finishes regardless. Raises LookupError, before anything is
    frozen, when the board's canvas is not installed.
    """
    spec = registry.canvas(record.canvas)
    if spec is None:
        raise LookupError(f"the canvas {record.canvas!r} of this board is not installed")
    if record.id in rooms.finalizing:
        raise RuntimeError(f"board {record.id} is being finalized already")
    task = asyncio.ensure_future(_finalize(store, rooms, registry, record.id, spec))
    rooms.finalizing[record.id] = task

    def forget(done: asyncio.Future[Finalized]) -> None:
        if rooms.finalizing.get(record.id) is done:
            rooms.finalize_ended(record.id)

    task.add_done_callback(forget)
    return task


async def _finalize(
    store: Store, rooms: Rooms, registry: PluginRegistry, board_id: str, spec: CanvasSpec
) -> Finalized:
    """Freeze the board, build its covenant, store both.

    The steps that touch the board's document run in one turn of the event loop, so no
    update can slip in between the check, the freeze and the snapshot: the pycrdt document
    stays on the loop. Everything after works on the snapshot's bytes, off the loop (decoding
    them to plain data, in a worker process for a large board; the plugin hooks, the picture,
    the canonical JSON and its sha256, in a worker thread): on a board of 20,000 notes that
    is seconds of CPU, during which the server used to answer nobody. Meanwhile the room
    stays frozen and ``rooms.finalizing`` refuses changes, as for a finalized board.

    With several nodes the board row stays locked from the check to the commit
    (:func:`.store.hold_board`): updates other nodes stored a moment ago are taken into the
    snapshot first, and theirs wait, then fail. Raises BoardFrozen when the board is finalized
    already (possibly on another node). Whatever else fails (building the covenant, the
    store refusing) thaws the board: it stays open and editable, in the store as in the room.
    The covenant is built after freezing, not before, because its hooks are given the frozen
    snapshot's sha256 (DESIGN §9).
    """
    async with rooms.finalize_turns:  # a few builds at once; the others wait their turn
        held = hold_board(store, board_id)
        freezing = False
        try:
            with held.here():
                if held.state != "open":
                    raise BoardFrozen(board_id)
                rooms.catch_up(board_id, finalizing=True)
                freezing = True
                doc = rooms.server_change(board_id, _mark_finalized, freeze=True)
                snapshot = doc.get_update()  # the frozen document, as bytes: plain data
            at = time.time()
            # The same plain data as snapshot_from_doc(doc) gives, decoded from the snapshot
            # (as the picture and covenant of a finalized board always are) rather than read
            # from the live document, which only the loop may touch.
            board = await heavy.on_updates(heavy.snapshot_of_updates, board_id, [snapshot])
            commit_there = held if held.ends_anywhere else None
            digest, covenant = await heavy.run(
                _build, store, registry, spec, board, snapshot, at, commit_there)
            if commit_there is None:
                store.finalize(board_id, snapshot, digest, at, covenant)
                held.end(True)
        except BoardFrozen:
            held.end(False)
            raise  # finalized on another node: the room knows (Room.frozen_elsewhere)
        except Exception:
            held.end(False)
            rooms.finalize_ended(board_id)  # else the thaw's own change is refused
            if freezing:
                rooms.thaw(board_id)
            raise
    rooms.finalize_ended(board_id)
    rooms.announce_frozen(board_id)
    return Finalized(digest, covenant[1], board)


def _build(
    store: Store,
    registry: PluginRegistry,
    spec: CanvasSpec,
    board: BoardSnapshot,
    snapshot: bytes,
    at: float,
    commit_here: HeldBoard | None,
) -> tuple[str, tuple[bytes, str]]:
    """In a worker thread: the snapshot's sha256 and the stored covenant (canonical JSON, its
    sha256). With ``commit_here`` (PostgreSQL), both are stored in the held transaction and
    it is committed here, so the board row's lock never waits for the event loop."""
    try:
        digest = hashlib.sha256(snapshot).hexdigest()
        covenant = build_stored(registry, spec, board, finalized_at=at, snapshot_sha256=digest)
        if commit_here is not None:
            with commit_here.here():
                store.finalize(board.id, snapshot, digest, at, covenant)
            commit_here.end(True)
    except BaseException:
        if commit_here is not None:
            commit_here.end(False)
        raise
    return digest, covenant


def final_snapshot(store: Store, board_id: str) -> bytes:
    """The finalized board's immutable snapshot, checked against the sha256 it was finalized
    with: a snapshot that changed on disk is damaged."""
    snapshot = store.final_snapshot(board_id)
    if snapshot is None:
        raise LookupError(f"board {board_id} has no final snapshot")
    record = store.get_board(board_id)
    if record is not None and record.snapshot_sha256 != hashlib.sha256(snapshot).hexdigest():
        raise BoardDamaged(board_id, "the final snapshot does not match its sha256")
    return snapshot


def signed_hash(record: BoardRecord) -> str:
    """The hash a signature of this finalized board carries: its covenant's."""
    return str(getattr(record, "covenant_sha256", None) or record.snapshot_sha256 or "")


def signed_versions(store: Store, record: BoardRecord) -> set[str]:
    """The covenant hashes a signature of this board may name: its covenant's, and the ones
    it had before its names were redacted (server/privacy.py): the same agreement, signed
    with the names still in."""
    earlier = store.redactions(record.id) if hasattr(store, "redactions") else []
    return {signed_hash(record), *(r["covenant_sha256_before"] for r in earlier
                                   if r.get("covenant_sha256_before"))}


def signatures_of(store: Store, record: BoardRecord) -> list[dict[str, Any]]:
    """The board's signatures as the covenant lists them: signatures made with party links,
    then any made before party links existed (those name their organisation as typed)."""
    versions = signed_versions(store, record)
    by_party = [
        {"organisation": s["party_name"], "party": s["party_id"], "name": s["name"],
         "signed_at": s["signed_at"], "covenant_sha256": s["covenant_sha256"],
         # the covenant builder keeps the signatures of the version it describes
         "snapshot_sha256": record.snapshot_sha256 if s["covenant_sha256"] in versions
         else ""}
        for s in store.party_signatures(record.id)
    ]
    signed = {s["organisation"] for s in by_party}
    older = [s for s in store.signatures(record.id) if s["organisation"] not in signed]
    return [*by_party, *older]


def document_of(store: Store, board_id: str) -> Doc:
    """The finalized board's document, from its immutable snapshot."""
    return decode_stored(board_id, [final_snapshot(store, board_id)])


def covenant_of(
    store: Store,
    registry: PluginRegistry,
    record: BoardRecord,
    board: BoardSnapshot,
    *,
    preview: bool = False,
    signatures: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Build the covenant of a board: ``board`` is its final snapshot,
    or, with ``preview``, its live state, so the group sees the completeness checklist before
    the facilitator finalizes. ``signatures`` given (read beforehand) leaves the store alone,
    so the covenant can be built in another thread."""
    spec = registry.canvas(record.canvas)
    if spec is None:
        raise LookupError(f"the canvas {record.canvas!r} of this board is not installed")
    covenant = build_covenant(
        registry,
        board,
        spec,
        finalized_at=iso(record.finalized_at or time.time()),
        snapshot_sha256=record.snapshot_sha256 or "",
        signatures=signatures_of(store, record) if signatures is None else signatures,
    )
    if preview:
        covenant["preview"] = True
    return covenant
