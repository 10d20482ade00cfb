"""Who may write under which Yjs client id on a board, judged before an update is applied.

Yjs orders a client's changes by (client id, clock) and drops a change whose clock it already
has. So whoever writes first under somebody else's client id, one clock ahead, silently
replaces that person's next change for everyone but them. The room therefore ties a client id
to the link (token) that first wrote with it on the board, stores that tie (it must outlive
the room and the process), and refuses (1008) an update under a client id tied to another link.
A connection's presence claims its client id the same way, in memory, so the id someone is
shown under can't be taken by another link before they first write.

The same pre-check keeps pycrdt from holding an update that waits for parts it does not have:
an update may refer (as origin, parent or deletion) only to items the board holds or to its own
items, and must continue each of its clients exactly where the board has it. The room then
checks after applying that every part of it was integrated (an update can also refer forward
inside itself, in a way no order resolves). Nothing ever waits, because what waits is invisible
to the guard when it arrives, is integrated later inside someone else's update, and is left out
of the document's own encoding (so of every snapshot): the board a reload gives would no longer
be the board its clients hold.

Such an update is :class:`MissingParts`. Before a connection has answered the server's sync
step 1, the room drops it without closing: y-websocket sends a reconnecting client's first edits
as soon as the socket opens, ahead of its sync answer, and that answer is computed later, from
the same document, so it carries both the parts this node lacks (edits made offline, another
tab's notes from the browser's store) and the edit built on them. After the answer, nothing a
well-behaved client sends can miss parts, and the connection is closed with 1002.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .store import Store
from .yprotocol import decode_state_vector
from .yupdate import UpdateSummary

__all__ = ["ClientIds", "Claim", "MissingParts", "Refused", "advance_clocks", "missing_parts"]

SERVER = "\x00server"


class Refused(Exception):
    """The update may not be applied; close the connection with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class MissingParts(Refused):
    """The update builds on, refers to or deletes parts this board does not have (1002)."""

    def __init__(self, reason: str) -> None:
        super().__init__(1002, reason)


def missing_parts(summary: UpdateSummary, clocks: dict[int, int]) -> str | None:
    """What an update builds on, refers to or deletes that a document whose state is
    ``clocks`` does not have (so pycrdt would hold it back), or None."""
    writes = summary.writes
    for client, (start, end) in writes.items():
        known = clocks.get(client, 0)
        if end > known and (start > known or client in summary.gaps):
            return "the update builds on parts not sent first"
    for client, clock in summary.refs:
        own = writes.get(client)
        if clock >= clocks.get(client, 0) and not (own and own[0] <= clock < own[1]):
            return "the update refers to content this board does not have"
    for client, end in summary.deletes.items():
        own = writes.get(client)
        if end > clocks.get(client, 0) and not (own and end <= own[1]):
            return "the update deletes content this board does not have"
    return None


def advance_clocks(clocks: dict[int, int], summary: UpdateSummary) -> None:
    """Move ``clocks`` to where an update integrated whole ends."""
    for client, (_start, end) in summary.writes.items():
        if end > clocks.get(client, 0):
            clocks[client] = end


@dataclass
class Claim:
    """What applying one checked update changes in the ownership records."""

    new_clients: list[int] = field(default_factory=list)


class ClientIds:
    """The client ids of one board: their links, and the clocks the document holds."""

    def __init__(self, store: Store, board_id: str, state: bytes, server_client: int) -> None:
        self.store = store
        self.board_id = board_id
        #: Stored: client id -> the link that first wrote with it.
        self.owners: dict[int, str] = store.client_owners(board_id)
        #: In memory: client id -> the link whose connection shows presence under it.
        self.presence: dict[int, str] = {}
        self.clocks: dict[int, int] = {}
        self.reset(state, server_client)

    def reset(self, state: bytes, server_client: int) -> None:
        """Take the clocks from the document's state; the server's own id is nobody's."""
        self.clocks = decode_state_vector(state)
        self.presence[server_client] = SERVER

    def owner(self, client: int) -> str | None:
        return self.owners.get(client) or self.presence.get(client)

    def check(self, summary: UpdateSummary, link: str) -> Claim:
        """Judge an update before it is applied; raise :class:`Refused` when it may not be."""
        clocks = self.clocks
        claim = Claim()
        for client, (_start, end) in summary.writes.items():
            known = clocks.get(client, 0)
            if end <= known:
                continue  # nothing the board does not have already
            owner = self.owner(client)
            if owner is None and known > 0:
                # Written before, but not through this room: another node's client, or one
                # from before this room was loaded. The store knows whose it is.
                self.owners = self.store.client_owners(self.board_id)
                owner = self.owner(client)
            if owner is not None and owner != link:
                raise Refused(1008, f"client id {client} belongs to another link")
            if client not in self.owners:
                claim.new_clients.append(client)
        missing = missing_parts(summary, clocks)
        if missing is not None:
            raise MissingParts(missing)
        return claim

    @staticmethod
    def unfinished(summary: UpdateSummary, state: dict[int, int]) -> bool:
        """Whether pycrdt left part of an applied update waiting: the document's ``state``
        does not reach the end of every client the update writes or deletes in."""
        return any(state.get(client, 0) < end for client, (_start, end) in summary.writes.items()
                   ) or any(state.get(client, 0) < end for client, end in summary.deletes.items())

    def applied(self, claim: Claim, link: str, summary: UpdateSummary,
                state: dict[int, int] | None = None) -> None:
        """Record an applied update: new client ids are the link's from now on (stored), and
        the clocks are the document's ``state`` after it, when it was read, or else where the
        update's writes end (an update that could not wait was integrated whole)."""
        for client in claim.new_clients:
            self.owners[client] = link
            self.presence.pop(client, None)
        if claim.new_clients:
            self.store.claim_clients(self.board_id, claim.new_clients, link)
        if state is not None:
            self.clocks = state
        else:
            self.advance(summary)

    def advance(self, summary: UpdateSummary) -> None:
        """Move the clocks to where an update integrated whole ends: a client's update that
        could not wait, or the server's own change (a reversal, a stamp, a facilitation
        action)."""
        advance_clocks(self.clocks, summary)

    def writer(self, client: int) -> str | None:
        """The link that wrote with ``client`` on this board, if one did."""
        return self.owners.get(client)

    def may_show(self, client: int, link: str, *, claims: bool = True) -> bool:
        """Whether a connection of ``link`` may set or remove the presence of ``client``.

        ``claims``: the connection may write, so an id nobody holds becomes its link's until
        the connection closes (no other link may write with it meanwhile). An observer's
        presence claims nothing: it cannot write, and a claim would keep the id's writer
        out (a 1008 for a participant whose id an observer showed while they reconnected)."""
        owner = self.owner(client)
        if owner is None:
            if claims:
                self.presence[client] = link
            return True
        return owner == link

    def release_presence(self, client: int, link: str) -> None:
        if self.presence.get(client) == link:
            del self.presence[client]
