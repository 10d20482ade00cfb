"""The sync core: one room per open board, independent of any web framework.

A room holds the board's pycrdt document, the connected peers and their presence. It depends
only on the small :class:`Transport` protocol, so the same code runs under Starlette's WebSocket
or an in-memory pair in tests.

Protocol decisions:

* Every document update is validated by applying it to the room's document, then appended to
  the store, and only then queued to the other peers: nothing a client has seen can be lost by a
  crash, and a malformed update never reaches anyone.
* Each peer has one outgoing queue drained by one sender task. A broadcast is a loop of
  ``append`` calls, not a task per peer per update; a peer too slow to drain its queue is
  disconnected (1013) rather than allowed to grow the server's memory without bound.
* Observers, and everyone once the board is finalized, may sync and send presence, but their
  document updates are dropped (a SyncStep2 nobody asked for included).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from pycrdt import Doc, Map

from partnerboard.plugins import CanvasSpec

from . import yprotocol as yp
from .attribution import Attribution, Speaker, activity_key
from .guard import UpdateGuard
from .metrics import count_limit, count_rejected
from .store import BoardFrozen, Store
from .tokens import Role

__all__ = ["Transport", "TransportClosed", "FrameRejected", "Room", "CloseCode", "load_document"]

log = logging.getLogger("partnerboard.room")


class CloseCode:
    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED = 1003
    POLICY = 1008
    TOO_BIG = 1009
    INTERNAL = 1011
    TRY_AGAIN = 1013


#: Presence from another node not renewed for this long is not passed to newcomers.
REMOTE_PRESENCE_SECONDS = 30.0

#: Close codes as metric labels.
_REASONS = {
    CloseCode.PROTOCOL_ERROR: "protocol",
    CloseCode.UNSUPPORTED: "unsupported",
    CloseCode.POLICY: "policy",
    CloseCode.TOO_BIG: "too_big",
}


class TransportClosed(Exception):
    """The other side went away."""


class FrameRejected(Exception):
    """The transport received a frame it will not pass on (text, too large)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Transport(Protocol):
    async def receive(self) -> bytes:
        """The next binary frame; raises TransportClosed or FrameRejected."""
        ...

    async def send(self, data: bytes) -> None: ...

    def send_now(self, data: bytes) -> bool:
        """Send without waiting, if the connection can take the frame at once.

        False means nothing was sent and the frame must go through :meth:`send`. A broadcast
        then costs one write per receiver instead of one task wake-up per receiver.
        """
        ...

    async def close(self, code: int, reason: str = "") -> None: ...


class Peer:
    """One connection in a room, with its outgoing queue."""

    def __init__(self, transport: Transport, role: Role, queue_limit: int) -> None:
        self.transport = transport
        self.role = role
        self.queue: deque[bytes] = deque()
        self.queue_limit = queue_limit
        self.wakeup = asyncio.Event()
        self.awareness_ids: set[int] = set()
        #: Who the server knows is behind the connection (link, party, seat): edits are
        #: attributed and counted by this, never by what presence states claim.
        self.speaker: Speaker | None = None
        self.seat: str | None = None
        self.closing: tuple[int, str] | None = None
        #: The sender task is waiting in an awaited send: later frames must queue behind it.
        self.sending = False

    def push(self, data: bytes) -> None:
        if self.closing:
            return
        if not self.queue and not self.sending and self.transport.send_now(data):
            return
        if len(self.queue) >= self.queue_limit:
            count_limit("send_queue")
            self.closing = (CloseCode.TRY_AGAIN, "too far behind; reconnect")
        else:
            self.queue.append(data)
        self.wakeup.set()

    async def drain(self) -> None:
        """Send queued frames until the peer is closed."""
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            while self.queue and not self.closing:
                self.sending = True
                try:
                    await self.transport.send(self.queue.popleft())
                finally:
                    self.sending = False
            if self.closing:
                await self.transport.close(*self.closing)
                return


def load_document(store: Store, board_id: str) -> tuple[Doc, int, int]:
    """A board's document from the store: the doc, the last update id, and how many stored
    updates (snapshot included) it was built from."""
    updates, last_update_id = store.load_document(board_id)
    doc = Doc()
    with doc.transaction():
        for update in updates:
            doc.apply_update(update)
    return doc, last_update_id, len(updates)


class Room:
    """A loaded board: its document, its peers and their presence."""

    def __init__(
        self,
        board_id: str,
        store: Store,
        *,
        spec: CanvasSpec | None = None,
        finalized: bool = False,
        compact_every: int = 500,
        queue_limit: int = 2000,
        on_empty: Callable[[Room], None] | None = None,
        publish: Callable[[str, str, bytes], None] | None = None,
    ) -> None:
        self.board_id = board_id
        self.store = store
        self.doc, self.last_update_id, stored = load_document(store, board_id)
        #: Stored updates not yet folded into the snapshot (the snapshot itself is not one).
        self.pending_updates = max(stored - 1, 0)
        self.finalized = finalized
        self.compact_every = compact_every
        self.queue_limit = queue_limit
        self.on_empty = on_empty
        #: Hands (board id, kind, payload) to the other nodes (fan-out bus), when scaled out.
        self.publish = publish
        self.peers: set[Peer] = set()
        self.awareness: dict[int, yp.AwarenessEntry] = {}
        self.awareness_owner: dict[int, Peer] = {}
        #: When presence of another node's client was last renewed (monotonic seconds).
        self.remote_seen: dict[int, float] = {}
        #: Client updates per (organisation, step) since the last compaction.
        self.activity: dict[tuple[str, int], int] = {}
        self.closed = False
        #: The document holds an update the store refused: it must never be stored.
        self.stale = False
        self.guard = UpdateGuard(self.doc, spec)
        self.attribution = Attribution(self.doc)
        self.meta = self.doc.get("meta", type=Map)

    # -- lifecycle -------------------------------------------------------------------------

    def compact(self) -> None:
        """Fold the stored updates into one snapshot of the current document."""
        if self.stale:
            return
        if self.activity:
            self.store.add_activity(self.board_id, self.activity)
            self.activity = {}
        if self.pending_updates <= 0:
            return
        self.store.compact(self.board_id, self.doc.get_update(), self.last_update_id)
        self.pending_updates = 0

    async def close(
        self, code: int = CloseCode.GOING_AWAY, reason: str = "server stopping"
    ) -> None:
        """Compact, and close every peer (used at unload and shutdown)."""
        self.closed = True
        self.compact()
        for peer in list(self.peers):
            peer.closing = (code, reason)
            peer.wakeup.set()

    def freeze(self) -> None:
        """From now on no document update is applied, from anyone."""
        self.finalized = True

    def frozen_elsewhere(self) -> None:
        """Another node finalized the board and the store refused our update.

        Our document holds that refused update, so it is no longer the board: every peer is
        asked to reconnect, and gets a room loaded from the store (the finalized board).
        """
        log.info("board %s: finalized on another node; closing its connections", self.board_id)
        self.finalized = True
        self.closed = True
        self.stale = True
        for peer in list(self.peers):
            peer.closing = (CloseCode.TRY_AGAIN, "board finalized; reconnect")
            peer.wakeup.set()
        if self.on_empty is not None:
            self.on_empty(self)

    # -- changes from other nodes ------------------------------------------------------------

    def apply_remote(self, update: bytes) -> None:
        """An update another node stored: apply it and pass it on (it is not stored again)."""
        if self.closed:
            return
        # Passed on even when it changed nothing visible in the state vector: an update that
        # only deletes leaves the state vector as it was.
        self.doc.apply_update(update)
        message = yp.sync_update(update)
        for peer in self.peers:
            peer.push(message)

    def apply_remote_awareness(self, payload: bytes) -> None:
        """Presence from another node's clients: remembered for newcomers, passed on."""
        if self.closed:
            return
        for entry in yp.parse_awareness(payload):
            if self.awareness_owner.get(entry.client_id) is not None:
                continue  # a client of ours now; its own presence wins
            if entry.state == "null":
                self.awareness.pop(entry.client_id, None)
                self.remote_seen.pop(entry.client_id, None)
            else:
                self.awareness[entry.client_id] = entry
                self.remote_seen[entry.client_id] = time.monotonic()
        message = yp.awareness_message(payload)
        for peer in self.peers:
            peer.push(message)

    def _presence(self) -> list[yp.AwarenessEntry]:
        """Presence to tell a newcomer: our clients', and other nodes' clients' that were
        renewed lately (clients renew every 15 s; a node that died cannot say they left)."""
        now = time.monotonic()
        for client_id, seen in list(self.remote_seen.items()):
            if now - seen > REMOTE_PRESENCE_SECONDS and client_id not in self.awareness_owner:
                self.awareness.pop(client_id, None)
                del self.remote_seen[client_id]
        return list(self.awareness.values())

    def catch_up(self) -> None:
        """Apply what the store holds and this document lacks (after a gap in the fan-out)."""
        if self.closed:
            return
        stored, _last, _count = load_document(self.store, self.board_id)
        missing = stored.get_update(self.doc.get_state())
        if missing != yp.EMPTY_UPDATE:
            self.apply_remote(missing)

    def server_change(self, change: Callable[[Doc], None]) -> None:
        """Apply a change made by the server itself: stored, then sent to every peer."""
        before = self.doc.get_state()
        with self.doc.transaction():
            change(self.doc)
        if not self._store_and_send(self.doc.get_update(before), skip=None):
            raise BoardFrozen(self.board_id)

    # -- serving a connection ----------------------------------------------------------------

    async def serve(
        self,
        transport: Transport,
        role: Role,
        *,
        speaker: Speaker | None = None,
        seat: str | None = None,
    ) -> None:
        """Run one connection until it closes. Never raises for anything the client sent."""
        peer = Peer(transport, role, self.queue_limit)
        peer.speaker, peer.seat = speaker, seat
        self.peers.add(peer)
        sender = asyncio.create_task(peer.drain())
        try:
            peer.push(yp.sync_step1(self.doc.get_state()))
            if self.awareness:
                peer.push(yp.awareness_message(yp.encode_awareness(self._presence())))
            while not peer.closing:
                try:
                    frame = await transport.receive()
                except FrameRejected as rejected:
                    self._reject(peer, rejected.code, rejected.reason)
                    break
                try:
                    self.handle(peer, frame)
                except yp.UnknownMessage as error:
                    self._reject(peer, CloseCode.UNSUPPORTED, str(error))
                except yp.ProtocolError as error:
                    self._reject(peer, CloseCode.PROTOCOL_ERROR, str(error))
        except TransportClosed:
            pass
        finally:
            self.peers.discard(peer)
            self._forget_presence(peer)
            if peer.closing:
                try:
                    await asyncio.wait_for(sender, timeout=5)
                except (TransportClosed, TimeoutError, OSError):
                    sender.cancel()
            else:
                sender.cancel()
            if not self.peers and self.on_empty is not None and not self.closed:
                self.on_empty(self)

    def _reject(self, peer: Peer, code: int, reason: str) -> None:
        log.warning("board %s: closing a connection with %s: %s", self.board_id, code, reason)
        count_rejected(_REASONS.get(code, str(code)))
        peer.queue.clear()
        peer.closing = (code, reason[:120])
        peer.wakeup.set()

    def handle(self, peer: Peer, frame: bytes) -> None:
        """Handle one frame from a peer; raise ProtocolError for a malformed one."""
        message = yp.parse_message(frame)
        if message.type is yp.MessageType.SYNC:
            if message.sync_type is yp.SyncType.STEP1:
                try:
                    missing = self.doc.get_update(message.payload)
                except ValueError as error:
                    raise yp.ProtocolError(f"undecodable state vector: {error}") from None
                peer.push(yp.sync_step2(missing))
            else:
                self._receive_update(peer, message.payload)
        elif message.type is yp.MessageType.AWARENESS:
            self._receive_awareness(peer, message.payload)
        elif message.type is yp.MessageType.QUERY_AWARENESS:
            peer.push(yp.awareness_message(yp.encode_awareness(self._presence())))
        # AUTH from a client carries nothing the server acts on.

    def _receive_update(self, peer: Peer, update: bytes) -> None:
        if not peer.role.can_write or self.finalized:
            log.debug("board %s: dropped an update from a read-only peer", self.board_id)
            return
        if update == yp.EMPTY_UPDATE:
            return
        facilitator = peer.role is Role.FACILITATOR
        reversal = None
        self.attribution.begin(peer.speaker)
        try:
            if facilitator and self.guard.locked_zone() is None:
                self.doc.apply_update(update)
            else:
                reversal, reason = self.guard.apply(update, facilitator=facilitator)
                if reason:
                    count_rejected("guard")
                    log.info("board %s: reverted a %s's update: %s", self.board_id,
                             peer.role.value, reason)
        except ValueError as error:
            raise yp.ProtocolError(f"undecodable update: {error}") from None
        except BaseException as error:  # pycrdt turns a Rust panic into a BaseException
            if type(error).__name__ != "PanicException":
                raise
            raise yp.ProtocolError("update rejected by the CRDT decoder") from None
        finally:
            correction = self.attribution.finish()
        if not self._store_and_send(update, skip=peer):
            return
        step = self.meta.get("step")
        key = (activity_key(peer.speaker), int(step) if isinstance(step, int | float) else 0)
        self.activity[key] = self.activity.get(key, 0) + 1
        if reversal is not None:
            self._store_and_send(reversal, skip=None)
        if correction is not None:
            self.server_change(correction)

    def _store_and_send(self, update: bytes, skip: Peer | None) -> bool:
        """Append an update to the store, then queue it to every peer but ``skip``.

        False when the store refused it because another node finalized the board.
        """
        try:
            self.last_update_id = self.store.append_update(self.board_id, update)
        except BoardFrozen:
            self.frozen_elsewhere()
            return False
        self.pending_updates += 1
        if self.publish is not None:
            self.publish(self.board_id, "u", update)
        message = yp.sync_update(update)
        for other in self.peers:
            if other is not skip:
                other.push(message)
        if self.pending_updates >= self.compact_every:
            self.compact()
        return True

    def _receive_awareness(self, peer: Peer, payload: bytes) -> None:
        entries = yp.parse_awareness(payload)
        for entry in entries:
            # A reconnecting client may announce its id before its old connection is gone;
            # the newest connection owns the id, so the old one's close does not erase it.
            previous = self.awareness_owner.get(entry.client_id)
            if previous is not None and previous is not peer:
                previous.awareness_ids.discard(entry.client_id)
            if entry.state == "null":
                self.awareness.pop(entry.client_id, None)
                self.awareness_owner.pop(entry.client_id, None)
                peer.awareness_ids.discard(entry.client_id)
            else:
                self.awareness[entry.client_id] = entry
                self.awareness_owner[entry.client_id] = peer
                peer.awareness_ids.add(entry.client_id)
        message = yp.awareness_message(payload)
        for other in self.peers:
            if other is not peer:
                other.push(message)
        if self.publish is not None:
            self.publish(self.board_id, "a", payload)

    def _forget_presence(self, peer: Peer) -> None:
        """Tell the others that a closed peer's cursors are gone (as y-websocket's server does)."""
        gone = []
        for client_id in peer.awareness_ids:
            entry = self.awareness.pop(client_id, None)
            self.awareness_owner.pop(client_id, None)
            if entry is not None:
                gone.append(yp.AwarenessEntry(client_id, entry.clock + 1, "null"))
        if gone:
            payload = yp.encode_awareness(gone)
            message = yp.awareness_message(payload)
            for other in self.peers:
                other.push(message)
            if self.publish is not None:
                self.publish(self.board_id, "a", payload)
