"""Whether a board file's documents read as the server will read them, within its limits.

Board files are anyone's to write (see board_files), so their documents go through what a
client's update goes through, and more: the bounded reader of the Yjs format before pycrdt's
decoder sees any of it (which recurses per level of nesting and killed the process on a value,
or a nest of shared types, 30,000 deep in a history checkpoint), the board limits, and a
replay of the history as the history view replays it. These run in a worker process for a
large board (pycrdt holds the interpreter lock while it decodes): so the error they raise
pickles.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from pycrdt import Doc

from .client_ids import ClientIds, advance_clocks, missing_parts
from .doc_load import crdt_panicked
from .doc_watch import DocWatch
from .history import plain_board
from .limits import RoomLimits, board_limit_problem, document_limit_problem
from .yprotocol import decode_state_vector
from .yupdate import UpdateRejected, UpdateSummary, read_update

__all__ = ["BoardFileError", "check_documents"]


class BoardFileError(ValueError):
    """The file cannot be imported; ``status`` is 400 (not a board file) or 422 (damaged,
    newer, or inconsistent)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:  # raised in a worker process, too
        return (BoardFileError, (self.status, str(self)))


def check_documents(document: bytes, checkpoint: bytes, updates: list[bytes],
             limits: RoomLimits) -> None:
    """The file's documents read as the server will read them, within ``limits`` (pycrdt,
    which holds the interpreter lock while it decodes: a large board's in a worker process)."""
    _check_limits(document, limits)
    _check_history(checkpoint, updates, limits)


def _check_limits(document: bytes, limits: RoomLimits) -> None:
    """422 unless the board in the file fits this server's board limits."""
    try:
        problem = document_limit_problem(limits, document)
    except UpdateRejected as error:
        raise BoardFileError(422, f"the board file is damaged: document.bin: {error}") from None
    except (ValueError, RuntimeError):
        raise BoardFileError(422, "the board file is damaged: document.bin does not decode"
                             ) from None
    except BaseException as error:
        if not crdt_panicked(error):
            raise
        raise BoardFileError(422, "the board file is damaged: document.bin does not decode"
                             ) from None
    if problem:
        raise BoardFileError(422, f"the board in this file holds {problem}")


def _read(name: str, data: bytes, limits: RoomLimits) -> UpdateSummary:
    """The bounded reader over one update of the history, as over ``document.bin`` (see
    :func:`.limits.document_limit_problem`): pycrdt's decoder recurses per level of nesting
    and kills the process on a value (or a nest of shared types) 30,000 deep."""
    problem = board_limit_problem(limits, elements=0, size=len(data))
    if problem:
        raise BoardFileError(422, f"the board file's {name} holds {problem}")
    try:
        return read_update(data, max_string=limits.board_bytes)
    except UpdateRejected as error:
        raise BoardFileError(422, f"the board file is damaged: {name}: {error}") from None


def _decode(name: str, step: Any) -> Any:
    """``step()`` (a pycrdt call), its failure and pycrdt's panics a damaged file."""
    try:
        return step()
    except (ValueError, RuntimeError, TypeError, KeyError):
        pass
    except BaseException as error:
        if not crdt_panicked(error):
            raise
    raise BoardFileError(422, f"the board file is damaged: {name} does not decode")


_WAITS = "it builds on parts that are not there"


def _check_history(checkpoint: bytes, updates: list[bytes], limits: RoomLimits) -> None:
    """422 unless the history reads as the server will read it (the board at a point of its
    history is the checkpoint, then the updates up to it merged, see :func:`.history.board_at`),
    within the board limits at every point of it, before anything of it is stored.

    The updates are read and applied one by one, each as the room takes a client's update:
    no part of it may wait for parts the history does not have (:func:`.client_ids.missing_parts`;
    the server never keeps such an update), and the elements are counted after each. Counted
    only at both ends, a history that went past the element limit and back was imported, and
    showing that point of it decoded a board over the limit. The count is kept from the
    document's events (:class:`.doc_watch.DocWatch`; asking the map walks all of it), which
    is exact as long as nothing waits.
    """
    name = "history/checkpoint.bin"
    start = _read(name, checkpoint, limits)
    doc = Doc()
    _decode(name, lambda: doc.apply_update(checkpoint))
    watch = DocWatch(doc)
    clocks = decode_state_vector(doc.get_state())
    if ClientIds.unfinished(start, clocks):
        raise BoardFileError(422, f"the board file is damaged: {name}: {_WAITS}")
    _within_limits(watch.element_count(), "at its checkpoint", limits)
    for number, data in enumerate(updates, start=1):
        name = f"history line {number}"
        summary = _read(name, data, limits)
        missing = missing_parts(summary, clocks)
        if missing is None:
            _decode(name, partial(doc.apply_update, data))
            if summary.may_wait:  # it may refer forward inside itself (see the room)
                clocks = decode_state_vector(doc.get_state())
                if ClientIds.unfinished(summary, clocks):
                    missing = _WAITS
            else:
                advance_clocks(clocks, summary)
        if missing is not None:
            raise BoardFileError(422, f"the board file is damaged: {name}: {missing}")
        _within_limits(watch.element_count(), f"after {name}", limits)
    _decode(name, lambda: plain_board(doc))


def _within_limits(elements: int, where: str, limits: RoomLimits) -> None:
    problem = board_limit_problem(limits, elements=elements)
    if problem:
        raise BoardFileError(422, f"the board in this file's history holds {problem} {where}")
