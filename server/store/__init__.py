"""Board storage: a small interface, and the embedded SQLite implementation.

The room calls the store synchronously from the event loop: with SQLite in WAL mode and
``synchronous=NORMAL`` a commit is a write into the WAL (no fsync), a few tens of microseconds,
and it survives the process being killed. That keeps "stored before broadcast" cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .migrations import SchemaTooNew, StoreError

__all__ = ["BoardRecord", "SchemaTooNew", "Store", "StoreError", "open_store"]


@dataclass(frozen=True)
class BoardRecord:
    id: str
    canvas: str
    title: str
    language: str
    state: str = "open"
    created_at: float = 0.0
    finalized_at: float | None = None
    snapshot_sha256: str | None = None
    predecessor: str | None = None
    partners: tuple[dict[str, Any], ...] = ()
    token_hashes: dict[str, str] = field(default_factory=dict)


class Store(Protocol):
    #: (schema version found on opening, schema version now).
    migrated: tuple[int, int]

    def create_board(self, board: BoardRecord, initial_update: bytes) -> None: ...

    def get_board(self, board_id: str) -> BoardRecord | None: ...

    def load_document(self, board_id: str) -> tuple[list[bytes], int]:
        """All stored updates of a board (snapshot first) and the id of the last update."""
        ...

    def append_update(self, board_id: str, update: bytes) -> int: ...

    def compact(self, board_id: str, snapshot: bytes, upto: int) -> None:
        """Replace updates up to ``upto`` (inclusive) by ``snapshot``, atomically."""
        ...

    def update_count(self, board_id: str) -> int: ...

    def finalize(self, board_id: str, snapshot: bytes, sha256: str, at: float) -> None: ...

    def final_snapshot(self, board_id: str) -> bytes | None: ...

    def add_signature(self, board_id: str, signature: dict[str, str]) -> bool: ...

    def signatures(self, board_id: str) -> list[dict[str, str]]: ...

    def add_vote(self, board_id: str, round_: int, voter: str, element_id: str) -> None: ...

    def remove_vote(self, board_id: str, round_: int, voter: str, element_id: str) -> bool: ...

    def votes(self, board_id: str, round_: int, voter: str | None = None) -> dict[str, int]: ...

    def add_activity(self, board_id: str, counts: dict[tuple[str, int], int]) -> None:
        """Add edit counts per (organisation, step)."""
        ...

    def activity(self, board_id: str) -> dict[tuple[str, int], int]: ...

    def close(self) -> None: ...


def open_store(settings: Any) -> Store:
    """Open the configured store, applying any missing schema migrations first.

    Raises :class:`StoreError` (with a message for the operator) when the data cannot be used:
    a schema newer than this code, or a file that is not a readable database.
    """
    from .sqlite import SQLiteStore

    return SQLiteStore(settings.sqlite_path)
