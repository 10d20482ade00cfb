"""Board storage: a small interface, and the embedded SQLite implementation.

The room calls the store synchronously from the event loop: with SQLite in WAL mode and
``synchronous=NORMAL`` a commit is a write into the WAL (no fsync), a few tens of microseconds,
and it survives the process being killed. That keeps "stored before broadcast" cheap. The
PostgreSQL store (several nodes) keeps the same synchronous interface: see postgres.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from .migrations import SchemaTooNew, StoreError

__all__ = [
    "BoardDamaged", "BoardFrozen", "BoardRecord", "HistoryUpdate", "SchemaTooNew", "Sender",
    "HeldBoard", "Store", "StoreDamaged", "StoreError", "board_transaction",
    "could_be_stored_id", "hold_board", "open_store",
]


def could_be_stored_id(value: str, limit: int = 64) -> bool:
    """Whether ``value`` could be an id the store holds, before asking the store.

    A NUL character is never in one (no id the server issues has one, and PostgreSQL text cannot
    hold it): looking such an id up there is an error, where it must be "not found".
    """
    return 0 < len(value) <= limit and "\x00" not in value


class BoardFrozen(Exception):
    """The board was finalized (possibly by another node): the store takes no more updates."""


class StoreDamaged(StoreError):
    """The data file failed its integrity check; the message names it and how to restore it."""


class BoardDamaged(Exception):
    """One board's stored document cannot be read back; other boards are unaffected."""

    def __init__(self, board_id: str, detail: str) -> None:
        super().__init__(f"board {board_id}: stored data is damaged ({detail})")
        self.board_id = board_id
        self.detail = detail

    def __reduce__(self) -> tuple[type[BoardDamaged], tuple[str, str]]:
        # Raised in a worker process too, and sent back to the server by pickling.
        return (BoardDamaged, (self.board_id, self.detail))


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
    #: sha256 of the stored covenant, once finalized (None for boards finalized by 0.1.0
    #: until their covenant is first stored).
    covenant_sha256: str | None = None


@dataclass(frozen=True)
class Sender:
    """Who sent an update, as far as the server knows it.

    ``role`` is "facilitator", "participant" or "server"; ``party`` the partner id of a party
    link; ``seat`` the seat the connection presented, with that seat's ``name`` and ``org`` as
    they were then (kept, so the history still says who after the seat is removed). Empty
    where unknown: the server's own changes, connections without a seat, older updates.
    """

    role: str = "server"
    party: str = ""
    seat: str = ""
    name: str = ""
    org: str = ""

    @classmethod
    def of(cls, by: Sender | str) -> Sender:
        return by if isinstance(by, Sender) else cls(role=by)

    def columns(self) -> tuple[str, str | None, str | None, str | None, str | None]:
        """(sender, party, seat, person, org) as stored: NULL for what is unknown."""
        return (self.role, self.party or None, self.seat or None, self.name or None,
                self.org or None)


@dataclass(frozen=True)
class HistoryUpdate:
    seq: int
    at: float | None
    by: str
    note: str = ""
    party: str = ""
    seat: str = ""
    name: str = ""
    org: str = ""

    @property
    def sender(self) -> Sender:
        return Sender(self.by, self.party, self.seat, self.name, self.org)


class Store(Protocol):
    #: (schema version found on opening, schema version now).
    migrated: tuple[int, int]

    def create_board(self, board: BoardRecord, initial_update: bytes) -> None: ...

    def get_board(self, board_id: str) -> BoardRecord | None: ...

    def load_document(self, board_id: str) -> tuple[list[bytes], int]:
        """All stored updates of a board (snapshot first) and the id of the last update."""
        ...

    def load_indexed(self, board_id: str) -> tuple[list[bytes], int, bytes | None]:
        """As :meth:`load_document`, with the index stored with the snapshot (None when it
        has none)."""
        ...

    def append_update(
        self, board_id: str, update: bytes, by: Sender | str = "server", note: str = ""
    ) -> int:
        """Keep an update with the time and its sender (role, party and seat, see
        :class:`Sender`; a plain role string is a sender with only a role, "server" for the
        server's own changes); ``note`` marks special ones such as a restore."""
        ...

    def client_owners(self, board_id: str) -> dict[int, str]:
        """Yjs client id -> the link (token hash) that first wrote with it on the board."""
        ...

    def claim_clients(self, board_id: str, client_ids: list[int], link: str) -> None:
        """Tie client ids to a link; an id already tied keeps its first link."""
        ...

    def compact(
        self, board_id: str, snapshot: bytes, upto: int, index: bytes | None = None
    ) -> bool:
        """Make ``snapshot`` (the document after update ``upto``) the starting point for
        loading the board, and keep it as a history checkpoint; no update is deleted.

        ``index`` (see doc_index) is kept with it when it describes what is stored: never
        an index of another snapshot (a snapshot stored without one has none). True when
        the stored snapshot has ``index``."""
        ...

    def update_count(self, board_id: str) -> int:
        """Updates stored since the last snapshot."""
        ...

    def history(self, board_id: str) -> tuple[list[HistoryUpdate], int | None]:
        """Every kept update's (seq, at, sender, note), oldest first, and the seq of the
        earliest moment that can be shown (None for an unknown board)."""
        ...

    def state_at(self, board_id: str, seq: int) -> list[bytes] | None:
        """The updates that rebuild the board as it was just after update ``seq`` (a
        checkpoint first), or None when history does not reach back that far."""
        ...

    def import_board(
        self,
        board: BoardRecord,
        checkpoint: bytes,
        updates: list[tuple[float | None, Sender | str, str, bytes]],
        document: bytes,
        *,
        final_snapshot: bytes | None = None,
        covenant: tuple[bytes, str] | None = None,
    ) -> None:
        """Create a board from a board file, in one transaction: its history (a checkpoint,
        then (at, by, note, data) updates), its current document and, when finalized, its
        final snapshot and covenant."""
        ...

    def updates_since(self, board_id: str, seq: int) -> list[tuple[int, bytes]]:
        """Kept updates after ``seq``, oldest first, as (seq, data)."""
        ...

    def finalize(
        self,
        board_id: str,
        snapshot: bytes,
        sha256: str,
        at: float,
        covenant: tuple[bytes, str] | None = None,
    ) -> None:
        """Keep the final snapshot and, in the same transaction, the covenant built from it
        (canonical JSON, its sha256)."""
        ...

    def store_covenant(
        self, board_id: str | None, body: bytes, sha256: str, at: float
    ) -> None:
        """Keep a covenant: a board's (once; later calls for that board change nothing) or a
        combined one (``board_id`` None)."""
        ...

    def covenant(self, *, board_id: str | None = None, sha256: str | None = None
                 ) -> tuple[bytes, str] | None:
        """A stored covenant (body, sha256), by its board or by its hash."""
        ...

    def final_snapshot(self, board_id: str) -> bytes | None: ...

    def add_signature(self, board_id: str, signature: dict[str, str]) -> bool: ...

    def signatures(self, board_id: str) -> list[dict[str, str]]: ...

    def create_network(self, network: dict[str, Any], key_hash: str) -> None: ...

    def network(self, network_id: str) -> tuple[dict[str, Any], str] | None: ...

    # Networks (server/store/networks.py says what each does).
    def set_network_members(self, network_id: str, members: list[dict[str, Any]],
                            before: list[dict[str, Any]]) -> bool: ...

    def set_network_tables(self, network_id: str, tables: dict[str, Any],
                           before: dict[str, Any]) -> bool: ...

    def set_network_review(self, network_id: str, review: dict[str, Any] | None) -> None: ...

    def add_network_board(
        self, network_id: str, board_id: str, sealed: str, *,
        partners: dict[str, str] | None = None, delegation: str | None = None,
        sealed_with: str | None = None,
    ) -> None: ...

    def network_boards(self, network_id: str) -> list[dict[str, Any]]: ...

    def network_of_board(self, board_id: str) -> dict[str, Any] | None: ...

    def add_network_covenant(
        self, network_id: str, made_at: float, boards: list[dict[str, Any]], body: bytes,
        sha256: str,
    ) -> int | None: ...

    def network_covenants(self, network_id: str) -> list[dict[str, Any]]: ...

    def replace_network_covenant(self, network_id: str, version: int, body: bytes,
                                 sha256: str, before: str) -> bool: ...

    def add_draft(self, board_id: str, draft: dict[str, Any]) -> None: ...

    def update_draft(self, board_id: str, draft_id: str, seat: str, text: str) -> bool: ...

    def delete_draft(self, board_id: str, draft_id: str, seat: str) -> bool: ...

    def drafts(self, board_id: str, seat: str | None = None) -> list[dict[str, Any]]: ...

    def draft_count(self, board_id: str) -> int: ...

    def clear_drafts(self, board_id: str) -> None: ...

    def add_vote(self, board_id: str, round_: int, voter: str, element_id: str) -> None: ...

    def remove_vote(self, board_id: str, round_: int, voter: str, element_id: str) -> bool: ...

    def votes(self, board_id: str, round_: int, voter: str | None = None) -> dict[str, int]: ...

    # The board's latest voting round (server/store/voting_rounds.py).
    def set_voting_round(self, board_id: str, round_: int, open_: bool) -> None: ...

    def voting_round(self, board_id: str) -> tuple[int, bool] | None: ...

    def add_activity(self, board_id: str, counts: dict[tuple[str, int], int]) -> None:
        """Add edit counts per (organisation, step)."""
        ...

    def activity(self, board_id: str) -> dict[tuple[str, int], int]: ...

    def release_memory(self) -> None:
        """Give back the memory the store keeps for reuse (caches of pages read), after rooms
        went to sleep or were unloaded; nothing a later call needs is lost."""
        ...

    def ping(self) -> None:
        """Raise when the store cannot be reached (for /healthz)."""
        ...

    def node_secret(self, name: str) -> bytes:
        """A secret every node of the deployment reads alike, made by the first that asks
        (see server/store/node_secrets.py)."""
        ...

    # Who speaks for whom (party links, sealed links, seats, party signatures): see
    # server/store/sqlite_parties.py for what each does.
    def party_token_hashes(self, board_id: str) -> dict[str, str]: ...

    def set_link(self, board_id: str, link: str, token_hash: str, sealed: str | None) -> None: ...

    def set_sealed(self, board_id: str, sealed: dict[str, str]) -> None: ...

    def sealed_links(self, board_id: str) -> dict[str, str]: ...

    def set_partners(self, board_id: str, partners: list[dict[str, Any]]) -> None: ...

    def add_seat(self, board_id: str, seat: dict[str, Any]) -> None: ...

    def seats(self, board_id: str) -> list[dict[str, Any]]: ...

    def seat(self, board_id: str, seat_id: str) -> dict[str, Any] | None: ...

    def seat_count(self, board_id: str, link: str) -> int: ...

    def remove_seat(self, board_id: str, seat_id: str) -> bool: ...

    def votes_by_voter(self, board_id: str, round_: int) -> dict[str, int]: ...

    def add_party_signature(self, board_id: str, signature: dict[str, str]) -> str | None: ...

    def party_signatures(self, board_id: str) -> list[dict[str, str]]: ...

    def close(self) -> None: ...


def board_transaction(store: Store, board_id: str) -> AbstractContextManager[str | None]:
    """Hold a board still while one decision is taken (finalize, a vote): yields its state.

    With several nodes on PostgreSQL this is the board row's lock, which every node's appends
    wait for; the one-process SQLite store needs none, since the decision runs without
    awaiting on the only event loop that writes.
    """
    hold = getattr(store, "board_transaction", None)
    if hold is not None:
        return hold(board_id)  # type: ignore[no-any-return]
    return _state_of(store, board_id)


@contextmanager
def _state_of(store: Store, board_id: str) -> Iterator[str | None]:
    record = store.get_board(board_id)
    yield record.state if record else None


class HeldBoard:
    """A board held still for a decision that takes longer than one turn of the event loop
    (finalize: the covenant is built in a worker thread meanwhile). :attr:`state` is the
    board's state when it was taken (None: no such board).

    The one-process SQLite store holds nothing (see :func:`board_transaction`): the room's
    freeze keeps the board still, and :meth:`end` has nothing to end. PostgreSQL's holds the
    board row's lock (postgres.py); see there why it may be ended from another thread.
    """

    #: Whether the decision may be stored and :meth:`end` called from a worker thread.
    #: SQLite's one connection serves the event loop, so its writes stay there.
    ends_anywhere = False

    def __init__(self, state: str | None) -> None:
        self.state = state

    @contextmanager
    def here(self) -> Iterator[None]:
        """Store calls made in the block (on this thread) are part of the decision."""
        yield

    def end(self, commit: bool) -> None:
        """Commit (or roll back) what was stored under the hold, and let the board go."""


def hold_board(store: Store, board_id: str) -> HeldBoard:
    """Take the board for a decision that awaits between its check and its commit."""
    hold = getattr(store, "hold_board", None)
    if hold is not None:
        return hold(board_id)  # type: ignore[no-any-return]
    record = store.get_board(board_id)
    return HeldBoard(record.state if record else None)


def open_store(settings: Any) -> Store:
    """Open the configured store, applying any missing schema migrations first.

    Raises :class:`StoreError` (with a message for the operator) when the data cannot be used:
    a schema newer than this code, or a file that is not a readable database.
    """
    url = getattr(settings, "database_url", "")
    if url.startswith(("postgresql:", "postgres:")):
        from .postgres import PostgresStore

        return PostgresStore(url)
    from .sqlite import SQLiteStore

    return SQLiteStore(settings.sqlite_path)
