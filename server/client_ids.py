"""Who may write under which Yjs client id on a board, judged before an update is applied.

Yjs orders a client's changes by (client id, clock) and drops a change whose clock it already
has. So whoever writes first under somebody else's client id, one clock ahead, silently
replaces that person's next change for everyone but them. The room therefore ties a client id
to the link (token) that first wrote with it on the board, stores that tie (it must outlive
the room and the process), and refuses (1008) an update under a client id tied to another link.
A connection's presence claims its client id the same way, in memory, so the id someone is
shown under can't be taken by another link before they first write.

The same pre-check keeps updates from waiting inside pycrdt on parts the server does not have:
an update may refer (as origin, parent or deletion) only to items the board holds, to its own
items, or to items of its own link's client ids: a client may have learned of those on another
node, or before going offline, and send its edit before the parts it builds on reach this node.
What waits is bounded per connection. An update must continue each of its clients exactly where
the board has it, or where that client's waiting part ends: pycrdt merges waiting updates that
overlap or leave a gap badly (they killed the process: found by the WebSocket fuzzer). Otherwise
an update waiting on a missing parent would be integrated later inside somebody else's update,
unchecked by the guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .store import Store
from .yprotocol import decode_state_vector
from .yupdate import UpdateSummary

__all__ = ["ClientIds", "Claim", "Refused", "PENDING_LIMIT_BYTES"]

#: Bytes of updates a connection may have waiting for their missing parts.
PENDING_LIMIT_BYTES = 4 * 1024 * 1024
SERVER = "\x00server"


class Refused(Exception):
    """The update may not be applied; close the connection with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Claim:
    """What applying one checked update changes in the ownership records."""

    new_clients: list[int] = field(default_factory=list)
    pending: bool = False


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
        #: client id -> the clock after its structs that wait inside pycrdt for missing parts.
        self.waiting: dict[int, int] = {}
        self.reset(state, server_client)

    def reset(self, state: bytes, server_client: int) -> None:
        """Take the clocks from the document's state; the server's own id is nobody's."""
        self.clocks = decode_state_vector(state)
        self.presence[server_client] = SERVER

    def owner(self, client: int) -> str | None:
        return self.owners.get(client) or self.presence.get(client)

    def stored_owner(self, client: int) -> str | None:
        """The owner, asking the store when this room does not know the client id (it may
        have written through another node, and its edits not be here yet)."""
        owner = self.owner(client)
        if owner is None:
            self.owners = self.store.client_owners(self.board_id)
            owner = self.owner(client)
        return owner

    def check(self, summary: UpdateSummary, link: str) -> Claim:
        """Judge an update before it is applied; raise :class:`Refused` when it may not be."""
        clocks = self.clocks
        claim = Claim()
        for client, (start, end) in summary.writes.items():
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
            waits = self.waiting.get(client)
            if waits is not None:  # it may only continue the part that waits
                if start != waits or client in summary.gaps:
                    raise Refused(1002, "the update overlaps or skips a part still waiting")
                claim.pending = True
            elif start > known or client in summary.gaps:
                raise Refused(1002, "the update builds on parts not sent first")
        writes = summary.writes
        for client, clock in summary.refs:
            if clock < clocks.get(client, 0):
                continue
            own = writes.get(client)
            if own is not None and own[0] <= clock < own[1]:
                continue
            if self.stored_owner(client) == link:
                claim.pending = True  # waits for the link's own edits made elsewhere
                continue
            raise Refused(1002, "the update refers to content this board does not have")
        for client, end in summary.deletes.items():
            if end <= clocks.get(client, 0):
                continue
            own = writes.get(client)
            if own is not None and end <= own[1]:
                continue
            if self.stored_owner(client) == link:
                claim.pending = True
                continue
            raise Refused(1002, "the update deletes content this board does not have")
        return claim

    def applied(self, summary: UpdateSummary, claim: Claim, link: str,
                state: Callable[[], bytes]) -> None:
        """Record an applied update: new client ids are the link's from now on (stored), and
        the clocks move to its ranges' ends. When parts may wait (or what waited may have
        been released), the clocks are read from the document's ``state()`` instead."""
        for client in claim.new_clients:
            self.owners[client] = link
            self.presence.pop(client, None)
        if claim.new_clients:
            self.store.claim_clients(self.board_id, claim.new_clients, link)
        if claim.pending or self.waiting:
            self.clocks = clocks = decode_state_vector(state())
            for client, (_start, end) in summary.writes.items() if claim.pending else ():
                if clocks.get(client, 0) < end:
                    self.waiting[client] = max(self.waiting.get(client, 0), end)
            self.waiting = {c: end for c, end in self.waiting.items() if clocks.get(c, 0) < end}
            return
        clocks = self.clocks
        for client, (start, end) in summary.writes.items():
            if start <= clocks.get(client, 0) < end:
                clocks[client] = end

    def server_wrote(self, summary: UpdateSummary) -> None:
        """The server's own change (a reversal, a facilitation action) moved its clocks."""
        for client, (_start, end) in summary.writes.items():
            if end > self.clocks.get(client, 0):
                self.clocks[client] = end

    def may_show(self, client: int, link: str) -> bool:
        """Whether a connection of ``link`` may set or remove the presence of ``client``."""
        owner = self.owner(client)
        if owner is None:
            self.presence[client] = link
            return True
        return owner == link

    def release_presence(self, client: int, link: str) -> None:
        if self.presence.get(client) == link:
            del self.presence[client]
