"""A board's document from the store, and what its room checks updates against.

The room's checks need three facts about the document (:mod:`.doc_index`). A load takes them
from the index stored with the snapshot and walks only the updates stored after it; without a
usable index (a database from before indexes, a snapshot written by a path that does not keep
one, or a damaged index) it walks the whole document, as every load did before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pycrdt import Doc, Map

from .doc_index import DocIndex, IndexUnusable
from .store import BoardDamaged, Store
from .yprotocol import decode_state_vector
from .yupdate import UpdateRejected

__all__ = ["LoadedBoard", "collected", "collected_encoding", "crdt_panicked", "decode_stored",
           "load_board", "load_document"]

log = logging.getLogger("partnerboard.room")


@dataclass
class LoadedBoard:
    doc: Doc
    #: The id of the last stored update the document holds.
    last_update_id: int
    #: How many stored updates (snapshot included) it was built from.
    stored: int
    index: DocIndex
    #: The document's encoding (its size is what the board's limit counts).
    encoded: bytes
    #: Whether the stored snapshot came with its own index (else it needs one).
    indexed: bool


def load_document(store: Store, board_id: str) -> tuple[Doc, int, int]:
    """A board's document from the store: the doc, the last update id, and how many stored
    updates (snapshot included) it was built from."""
    updates, last_update_id = store.load_document(board_id)
    return decode_stored(board_id, updates), last_update_id, len(updates)


def decode_stored(board_id: str, updates: list[bytes]) -> Doc:
    """The document of a board's stored updates; BoardDamaged when they cannot be its own.

    Every board starts with ``meta.canvas`` set, so a document without it was damaged in a
    way the decoder cannot see (a snapshot overwritten with zeros reads as an empty update).

    Each update is applied in a transaction of its own, as the room applied it: pycrdt
    collects deleted content when a transaction ends, and an update that refers to content
    collected in between (accepted live, where it is a no-op) fails inside one transaction
    with everything before it (found by the WebSocket fuzzer: the board would not load again).
    """
    doc = Doc(skip_gc=True)
    _apply(board_id, doc, updates)
    _check_board(board_id, doc)
    return doc


def load_board(store: Store, board_id: str) -> LoadedBoard:
    """A board's document with its index, for a room."""
    updates, last_update_id, stored_index = store.load_indexed(board_id)
    doc = Doc(skip_gc=True)
    _apply(board_id, doc, updates[:1])
    clocks = decode_state_vector(doc.get_state())
    _apply(board_id, doc, updates[1:])
    _check_board(board_id, doc)
    encoded = doc.get_update()
    index = None
    if stored_index is not None:
        try:
            index = DocIndex.decode(stored_index, updates[0])
            index.replay(clocks, updates[1:])
        except (IndexUnusable, UpdateRejected) as error:
            log.warning("board %s: the stored index of its snapshot is not used (%s); "
                        "walking the whole document", board_id, error)
            index = None
    indexed = index is not None
    if index is None:
        try:
            index = DocIndex.walk(encoded)
        except UpdateRejected as error:  # its own encoding: only a bug in yrs or here
            raise BoardDamaged(board_id, f"its document does not read back: {error}") from None
    return LoadedBoard(doc, last_update_id, len(updates), index, encoded, indexed)


def collected(doc: Doc) -> bytes:
    """The document's state without the content of deleted items (only their IDs stay).

    A room keeps deleted content (``skip_gc``: see decode_stored); erasing a person's name must
    also remove it from there, so what is stored after an erasure is encoded from a document
    that collects it."""
    return collected_encoding(doc.get_update())


def collected_encoding(encoded: bytes) -> bytes:
    """A document's encoding without the content of its deleted items (see :func:`collected`)."""
    clean = Doc()
    clean.apply_update(encoded)
    return clean.get_update()


def _apply(board_id: str, doc: Doc, updates: list[bytes]) -> None:
    try:
        for update in updates:
            doc.apply_update(update)
    except (ValueError, RuntimeError) as error:
        raise BoardDamaged(board_id, str(error)[:200]) from None
    except BaseException as error:
        if not crdt_panicked(error):
            raise
        raise BoardDamaged(board_id, "the CRDT decoder gave up") from None


def crdt_panicked(error: BaseException) -> bool:
    """Whether ``error`` is a Rust panic inside pycrdt, which it raises as a BaseException
    (a PanicException), not an Exception: caught only where pycrdt was called."""
    return type(error).__name__ == "PanicException"


def _check_board(board_id: str, doc: Doc) -> None:
    if not doc.get("meta", type=Map).get("canvas"):
        raise BoardDamaged(board_id, "no board document in the stored updates")
