"""The sync core: one room per open board, independent of any web framework.

A room holds the board's pycrdt document, the connected peers and their presence. It depends
only on the small :class:`Transport` protocol, so the same code runs under Starlette's WebSocket
or an in-memory pair in tests.

Protocol decisions:

* Every document update is first walked by our own bounded decoder (:mod:`.yupdate`): pycrdt's
  native decoder never sees bytes that nest too deep or do not parse. Its client ids must be
  the sender's link's, and what may wait on parts not yet here is bounded (:mod:`.client_ids`).
  It is then validated by applying it to the room's document, appended to the store, and only
  then queued to the other peers: nothing a client has seen can be lost by a crash, and a
  malformed update never reaches anyone. When applying or checking fails in any way, the
  room reloads its document from the store (fail closed): the update leaves no trace in
  memory or on disk.
* A broadcast is a loop of pushes, one write per peer; a frame that has to wait goes into the
  peer's queue, drained by a sender task started for it (:mod:`.peer`). A peer too slow to
  drain its queue is disconnected (1013) rather than allowed to grow the server's memory
  without bound.
* Observers, and everyone once the board is finalized, may sync and send presence, but their
  document updates are dropped (a SyncStep2 nobody asked for included).
* Updates of one connection that arrive together are applied as one merged update (one check,
  one frame to each other peer; each still its own stored row), unless it would be refused.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import NamedTuple

from pycrdt import Doc, merge_updates

from partnerboard.plugins import CanvasSpec

from . import yprotocol as yp
from .attribution import Attribution, Speaker, activity_key
from .client_ids import Claim, ClientIds, MissingParts, Refused
from .direct_send import defer_broadcast
from .doc_index import DocIndex
from .doc_load import collected, crdt_panicked, decode_stored, load_board, load_document
from .doc_reads import map_value
from .doc_updates import compaction_due, transact
from .guard import BOARD_ROOTS, UpdateGuard
from .idle_docs import DocWhenNeeded, LoadedOnUse
from .limits import RoomLimits
from .metrics import count_merged, count_rejected
from .peer import Peer
from .presence import Presence
from .store import BoardDamaged, BoardFrozen, Sender, Store
from .sync_view import SyncView
from .tokens import Role
from .transport import CloseCode, FrameRejected, Transport, TransportClosed
from .update_cost import ConnectionCost
from .yupdate import UpdateRejected, UpdateSummary, read_update

__all__ = [
    "Transport", "TransportClosed", "FrameRejected", "Room", "CloseCode", "load_document",
    "decode_stored",
]

log = logging.getLogger("partnerboard.room")


#: Largest single string or binary value in an update (a note's text is far smaller).
MAX_VALUE_BYTES = 256 * 1024
#: Frames of one connection that arrived together taken at once (see handle_frames); as many
#: as the WebSocket protocol reads ahead.
READ_TOGETHER = 16
#: Merged updates stay this small: a frame to a slow reader may exceed its queue's byte limit
#: only as its first (see Peer.push), and merging pays for small updates, not for large ones.
MERGE_BYTES = 64 * 1024

#: Close codes as metric labels.
_REASONS = {
    CloseCode.PROTOCOL_ERROR: "protocol",
    CloseCode.UNSUPPORTED: "unsupported",
    CloseCode.POLICY: "policy",
    CloseCode.TOO_BIG: "too_big",
}


class _Refusal(NamedTuple):
    """Why an update is refused: the close code (None when it is only dropped: sent ahead of
    the client's sync answer, which will carry it) and the close reason."""

    code: int | None
    reason: str


class _Checked(NamedTuple):
    """What the checks before applying found an update writes and refers to."""

    summary: UpdateSummary
    claim: Claim
    fresh: DocIndex


def _merge(*updates: bytes) -> bytes | None:
    """The updates as one, or None when pycrdt cannot merge them (it decodes them as applying
    would, and gives up on some a client made by hand)."""
    try:
        return merge_updates(*updates)
    except (ValueError, RuntimeError):
        return None
    except BaseException as error:
        if crdt_panicked(error):
            return None
        raise


async def _receive_together(transport: Transport) -> list[bytes]:
    """The next frame and those that arrived with it (at most READ_TOGETHER)."""
    frames = [await transport.receive()]
    while len(frames) < READ_TOGETHER and (more := transport.receive_ready()) is not None:
        frames.append(more)
    return frames


class Room(DocWhenNeeded):
    """A loaded board: its document, its peers and their presence."""

    # A server holds thousands of rooms. Past 29 attributes an instance __dict__ no longer
    # shares its keys with the class's other instances (CPython 3.11) and costs 1.3 KiB more
    # per room: the 30th attribute made an idle room 52 KiB instead of 49 (measured).
    __slots__ = (
        "_index", "activity", "board_id", "client_ids", "closed", "collected_at",
        "compact_every", "direct_peers", "finalized", "last_update_id", "limits", "on_empty",
        "peers", "pending_updates", "presence", "publish", "read_only", "remote_waiting",
        "snapshot_bytes", "snapshot_indexed", "spec", "stale", "store", "stored_bytes",
        "sync_view",
    )

    #: What updates are checked against (see doc_index), loaded with the document, so dropped
    #: with it while the room sleeps and loaded again with the stored snapshot when it wakes.
    index = LoadedOnUse()

    def __init__(
        self,
        board_id: str,
        store: Store,
        *,
        spec: CanvasSpec | None = None,
        finalized: bool = False,
        compact_every: int = 500,
        queue_limit: int = 2000,
        limits: RoomLimits | None = None,
        on_empty: Callable[[Room], None] | None = None,
        publish: Callable[[str, str, bytes], None] | None = None,
    ) -> None:
        super().__init__()
        self._index: DocIndex | None = None
        self.board_id = board_id
        self.store = store
        self.spec = spec
        #: What SyncStep1s are answered from: the document without deleted content.
        self.sync_view = SyncView()
        self._load()
        self.finalized = finalized
        self.compact_every = compact_every
        self.limits = limits or RoomLimits(queue_frames=queue_limit)
        self.on_empty = on_empty
        #: Hands (board id, kind, payload) to the other nodes (fan-out bus), when scaled out.
        self.publish = publish
        self.peers: set[Peer] = set()
        #: The peers whose connection has a DirectWriter: broadcasts to them are deferred to
        #: the end of the turn as one record (see _send_to_others).
        self.direct_peers: set[Peer] = set()
        #: Client updates per (organisation, step) since the last compaction.
        self.activity: dict[tuple[str, int], int] = {}
        self.closed = False
        #: The document holds an update the store refused: it must never be stored.
        self.stale = False
        self.client_ids = ClientIds(store, board_id, self.doc.get_state(), self.doc.client_id)
        self.presence = Presence(board_id, self.client_ids)
        #: Why nobody may change the board although it is open (e.g. it was made with a newer
        #: version of its canvas than the one installed: see canvas_versions), or None.
        self.read_only: str | None = None
        #: The board's stored size after it was last folded without deleted content (see
        #: _collect_deleted).
        self.collected_at = 0

    def _load(self) -> None:
        """The board's document from the store, with everything that watches or measures it."""
        loaded = load_board(self.store, self.board_id)
        self.doc, self.last_update_id, self.index = loaded.doc, loaded.last_update_id, loaded.index
        self.sync_view.drop()
        #: Whether the stored snapshot has its index (else the next compaction stores one).
        self.snapshot_indexed = loaded.indexed
        #: Stored updates not yet folded into the snapshot (the snapshot itself is not one).
        self.pending_updates = max(loaded.stored - 1, 0)
        #: Other nodes' updates that wait for a part still on its way (see _remote_waits). The
        #: store holds every update after what it builds on, so a loaded document has none.
        self.remote_waiting: list[UpdateSummary] = []
        self.guard = UpdateGuard(self.doc, self.spec)
        self.attribution = Attribution(self.guard.watch)
        self.meta = self.guard.meta
        #: The board's stored size, as far as the limit is concerned: the document's encoding
        #: at load or compaction, plus every update stored since.
        self.stored_bytes = self.snapshot_bytes = len(loaded.encoded)

    # -- lifecycle -------------------------------------------------------------------------

    def drop_document(self) -> None:
        """Let go of the document and of everything built from it (at unload, or to sleep)."""
        super().drop_document()
        self._index = None
        self.sync_view.drop()

    def compact(self, *, collect: bool = False, force: bool = False) -> None:
        """Fold the stored updates into one snapshot of the current document.

        With ``collect`` (after an erasure) the snapshot leaves out the content of deleted items,
        where the replaced names would otherwise stay, and the room goes on from it. With
        ``force`` it folds even when nothing is pending (the store may hold less than the room).
        """
        if self.stale:
            return
        if self.activity:
            self.store.add_activity(self.board_id, self.activity)
            self.activity = {}
        if self.pending_updates <= 0 and not (collect or force) and self.snapshot_indexed:
            return
        if self._remote_waits():
            return  # what waits is not in the document's encoding: the rows must stay
        if collect:
            # The room's index is of its own document, which holds what the snapshot leaves
            # out: the reload below walks the snapshot instead.
            snapshot, index = collected(self.doc), None
        else:
            snapshot = self.doc.get_update()
            index = self.index.encode(snapshot)
        self.snapshot_indexed = self.store.compact(
            self.board_id, snapshot, self.last_update_id, index)
        self.pending_updates = 0
        self.stored_bytes = self.snapshot_bytes = len(snapshot)
        if collect:
            self.reload()

    def reload(self, *, announce: bool = True) -> None:
        """Load the document again from the store, which now holds less than the room does
        (an erasure folded the board without the deleted content where the old names were),
        and with ``announce`` have every other node with the board open do the same: the
        deleted content a room keeps would go to the next fresh reader, and into the room's
        next fold."""
        self._restore()
        if announce and self.publish is not None:
            self.publish(self.board_id, "r", b"")

    async def close(
        self, code: int = CloseCode.GOING_AWAY, reason: str = "server stopping"
    ) -> None:
        """Compact, and close every peer (used at unload and shutdown)."""
        self.closed = True
        self.compact()
        for peer in list(self.peers):
            peer.close(code, reason)

    def freeze(self) -> None:
        """From now on no document update is applied, from anyone."""
        self.finalized = True

    def thaw(self) -> None:
        """Apply client updates again (a finalize failed after :meth:`freeze`), and fold the
        document into the store: the freeze's own update may have been rolled back there."""
        self.finalized = False
        self.compact(force=True)

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
            peer.close(CloseCode.TRY_AGAIN, "board finalized; reconnect")
        if self.on_empty is not None:
            self.on_empty(self)

    # -- changes from other nodes ------------------------------------------------------------

    def apply_remote(self, update: bytes) -> None:
        """An update another node stored: apply it and pass it on (it is not stored again)."""
        if self.closed:
            return
        remote = read_update(update, max_string=1 << 30)
        fresh = DocIndex.fresh(remote, self.client_ids.clocks, self.index)
        # Passed on even when it changed nothing visible in the state vector: an update that
        # only deletes leaves the state vector as it was.
        self.doc.apply_update(update)
        state = self.doc.get_state()
        self.client_ids.reset(state, self.doc.client_id)
        if ClientIds.unfinished(remote, yp.decode_state_vector(state)):
            self.remote_waiting.append(remote)
        self.index.add(fresh)
        self.stored_bytes += len(update)
        self._send_to_others(yp.sync_update(update))

    def _remote_waits(self) -> bool:
        """Whether an update from another node waits inside the document for a part that has
        not reached this node yet. Each node's updates reach the others in order, but with
        three nodes one may build on a third node's update that this node gets later; until
        then pycrdt holds it back, outside the document's encoding (see ClientIds), so a
        snapshot now would drop it from the store for every node."""
        if self.remote_waiting:
            state = yp.decode_state_vector(self.doc.get_state())
            self.remote_waiting = [
                summary for summary in self.remote_waiting if ClientIds.unfinished(summary, state)]
        return bool(self.remote_waiting)

    def apply_remote_awareness(self, payload: bytes) -> None:
        """Presence from another node's clients: remembered for newcomers, passed on."""
        if self.closed:
            return
        message = self.presence.receive_remote(payload)
        if message is not None:
            self._send_to_others(message)

    def publish_presence(self) -> None:
        """Tell the other nodes our clients' presence (one of them just opened the board, or
        this node just started reading the board's stream)."""
        held = self.presence.held() if not self.closed else None
        if held is not None and self.publish is not None:
            self.publish(self.board_id, "a", held)

    def catch_up(self) -> None:
        """Bring the room up to what the store holds (after a gap in the fan-out), and send
        the clients what they lack.

        The document is loaded again rather than merged with the stored one: the store holds
        everything the room has, and an erasure on another node may have folded the board
        without the deleted content where the old names were, which a merge would keep (and
        send to the next fresh reader)."""
        if self.closed:
            return
        before = self.doc.get_state()
        self._restore()
        if self.closed:  # the stored board could not be read: its connections are closing
            return
        missing = self.sync_view.answer(self.doc, before)
        if missing != yp.EMPTY_UPDATE:
            self._send_to_others(yp.sync_update(missing))

    def server_change(
        self, change: Callable[[Doc], None], *, by: Sender | str = "server", note: str = ""
    ) -> None:
        """Apply a change made by the server itself (on behalf of ``by``, for the history):
        stored, then sent to every peer."""
        if not self._server_update(transact(self.doc, change), by=by, note=note):
            raise BoardFrozen(self.board_id)

    def _server_update(self, update: bytes, by: Sender | str = "server", note: str = "") -> bool:
        """Store and send a change the server made (its clocks move too)."""
        self._server_wrote(update)
        return self._store_and_send(update, skip=None, by=by, note=note)

    def _server_wrote(self, update: bytes) -> None:
        """Record what a change the server applied to the document wrote (clocks, types)."""
        summary = read_update(update, max_string=1 << 30)
        fresh = DocIndex.fresh(summary, self.client_ids.clocks, self.index)
        self.client_ids.advance(summary)
        self.index.add(fresh)

    # -- serving a connection ----------------------------------------------------------------

    async def serve(
        self,
        transport: Transport,
        role: Role,
        link: str = "",
        *,
        speaker: Speaker | None = None,
        seat: str | None = None,
        address: str = "",
        cost: ConnectionCost | None = None,
    ) -> None:
        """Run one connection until it closes. Never raises for anything the client sent.

        ``link`` identifies the token the connection came with (its hash): the client ids it
        writes with become that link's. ``speaker`` and ``seat`` are who the server knows is
        behind it: edits are attributed and counted by them; ``address`` is the client's
        address (presence allowances outlive a connection). ``cost``: what the CPU time of
        its heavy messages is charged to (see update_cost); the connection is not read while
        it is over that allowance.
        """
        peer = Peer(transport, role, self.limits, link)
        peer.speaker, peer.seat, peer.address = speaker, seat, address
        self.peers.add(peer)
        if peer.direct is not None:
            self.direct_peers.add(peer)
        try:
            peer.push(yp.sync_step1(self.doc.get_state()))
            if self.presence.states and (everyone := self.presence.everyone_for(peer)):
                peer.push(everyone)
            while not peer.closing:
                try:
                    # No frame stays referenced here while the connection waits for the next.
                    spent = self._handle_timed(peer, await _receive_together(transport))
                    if cost is not None and (wait := cost.charge(spent)) > 0:
                        cost.report(self.board_id)
                        await asyncio.sleep(wait)
                except FrameRejected as rejected:
                    self._reject(peer, rejected.code, rejected.reason)
                    break
                except yp.UnknownMessage as error:
                    self._reject(peer, CloseCode.UNSUPPORTED, str(error))
                except yp.ProtocolError as error:
                    self._reject(peer, CloseCode.PROTOCOL_ERROR, str(error))
        except TransportClosed:
            pass
        finally:
            self.peers.discard(peer)
            self.direct_peers.discard(peer)
            self._forget_presence(peer)
            await peer.finish()
            if not self.peers and self.on_empty is not None and not self.closed:
                self.on_empty(self)

    def _reject(self, peer: Peer, code: int, reason: str) -> None:
        log.warning("board %s: closing a connection with %s: %s", self.board_id, code, reason)
        count_rejected(_REASONS.get(code, str(code)))
        peer.close(code, reason[:120])

    def _handle_timed(self, peer: Peer, frames: list[bytes]) -> float:
        """Handle frames (see handle_frames); the CPU seconds it took."""
        started = time.thread_time()
        self.handle_frames(peer, frames)
        return time.thread_time() - started

    def handle(self, peer: Peer, frame: bytes) -> None:
        """Handle one frame from a peer; raise ProtocolError for a malformed one."""
        self.handle_frames(peer, [frame])

    def handle_frames(self, peer: Peer, frames: list[bytes]) -> None:
        """Handle frames a peer sent that arrived together, in order; raise ProtocolError at
        the first malformed one (those before it are handled).

        A run of consecutive document updates among them is applied as one update (merged):
        checked and sent to the others once, and stored as they came (each one a moment of the
        board's history). A client sends one update per change, so while it drags a note, or
        while the server is busy, several wait together; one at a time, each paid the checks
        and a frame to every other connection.
        """
        run: list[bytes] = []
        run_bytes = 0
        try:
            for frame in frames:
                if peer.closing:
                    return
                message = yp.parse_message(frame)
                update = message.type is yp.MessageType.SYNC and \
                    message.sync_type is yp.SyncType.UPDATE
                if update and run_bytes + len(message.payload) <= MERGE_BYTES:
                    run.append(message.payload)
                    run_bytes += len(message.payload)
                    continue
                earlier, run, run_bytes = run, [], 0
                self._receive_run(peer, earlier)
                if update:
                    run, run_bytes = [message.payload], len(message.payload)
                else:
                    self._handle_message(peer, message)
        finally:
            self._receive_run(peer, run)

    def _receive_run(self, peer: Peer, updates: list[bytes]) -> None:
        """Apply consecutive updates of one peer as one (see handle_frames). When the merged
        update is refused (it left no trace), they go in one at a time, so those before the
        refused one are kept as they would have been."""
        if peer.closing or not self._takes_updates(peer):  # closing: it refused something
            return
        if len(updates) > 1 and peer.merges:
            merged = self._merged(updates)
            checked = self._precheck(peer, merged) if merged is not None else None
            if isinstance(checked, _Checked):
                if self._apply_update(peer, merged, checked, parts=updates) is None:
                    count_merged(len(updates))
                    return
                if self.closed:  # the reload failed: the board's connections are closing
                    return
        for update in updates:
            if peer.closing:
                return
            self._receive_update(peer, update)

    @staticmethod
    def _merged(updates: list[bytes]) -> bytes | None:
        """The updates as one, or None when one of them is refused by the bounded reader
        (pycrdt's merge decodes them as applying would) or cannot be merged."""
        try:
            for update in updates:
                read_update(update, max_string=MAX_VALUE_BYTES)
        except UpdateRejected:
            return None
        return _merge(*updates)

    def _handle_message(self, peer: Peer, message: yp.Message) -> None:
        if message.type is yp.MessageType.SYNC:
            if message.sync_type is yp.SyncType.STEP1:
                try:
                    missing = self.sync_view.answer(self.doc, message.payload)
                except ValueError as error:
                    raise yp.ProtocolError(f"undecodable state vector: {error}") from None
                except BaseException as error:
                    if not crdt_panicked(error):
                        raise
                    raise yp.ProtocolError("a state vector the CRDT library gave up on") from None
                peer.push(yp.sync_step2(missing))
            else:
                answer = message.sync_type is yp.SyncType.STEP2
                self._receive_update(peer, message.payload)
                peer.answered = peer.answered or answer
        elif message.type is yp.MessageType.AWARENESS:
            self._receive_awareness(peer, message.payload)
        elif message.type is yp.MessageType.QUERY_AWARENESS:
            if everyone := self.presence.everyone_for(peer):
                peer.push(everyone)
        # AUTH from a client carries nothing the server acts on.

    def _receive_update(self, peer: Peer, update: bytes) -> None:
        if not self._takes_updates(peer) or update == yp.EMPTY_UPDATE:
            return
        checked = self._precheck(peer, update)
        refusal = checked if isinstance(checked, _Refusal) else \
            self._apply_update(peer, update, checked)
        if refusal is not None:
            self._refuse(peer, refusal)

    def _takes_updates(self, peer: Peer) -> bool:
        if not peer.role.can_write or self.finalized or self.read_only:
            log.debug("board %s: dropped an update from a read-only peer", self.board_id)
            return False
        return True

    def _refuse(self, peer: Peer, refusal: _Refusal) -> None:
        if refusal.code is None:
            # Sent ahead of the client's sync answer, which will carry it (client_ids).
            log.debug("board %s: dropped an update sent ahead of its sync answer (%s)",
                      self.board_id, refusal.reason)
            count_rejected("ahead_of_sync_answer")
            return
        self._reject(peer, refusal.code, refusal.reason)

    def _precheck(self, peer: Peer, update: bytes) -> _Checked | _Refusal:
        """What the room checks before the update reaches the document (nothing changes):
        what it writes and refers to, or why it is refused."""
        try:
            summary = read_update(update, max_string=MAX_VALUE_BYTES)
            claim = self.client_ids.check(summary, peer.link)
        except UpdateRejected as error:
            return _Refusal(error.code, f"update refused: {error}")
        except Refused as refused:
            if isinstance(refused, MissingParts) and not peer.answered:
                return _Refusal(None, f"update refused: {refused.reason}")
            return _Refusal(refused.code, f"update refused: {refused.reason}")
        outside = summary.roots - BOARD_ROOTS
        if outside:
            # The guard watches the board's own roots only: anything else would pass unseen.
            return _Refusal(CloseCode.POLICY,
                            f"update refused: it writes {min(outside)!r}, outside the board")
        if summary.splits and self._splits_a_character(summary):
            # yrs splits a string item there anyway, into halves whose lengths no longer match
            # their clocks: the board's own encoding would then say something else than the
            # clients hold (found by the WebSocket fuzzer: "an item of length 0" on reload).
            return _Refusal(CloseCode.PROTOCOL_ERROR,
                            "update refused: it splits a character in two")
        fresh = DocIndex.fresh(summary, self.client_ids.clocks, self.index)
        misplaced = self.index.misplaced(summary, fresh)
        if misplaced:
            return _Refusal(CloseCode.PROTOCOL_ERROR, f"update refused: {misplaced}")
        if summary.parents and not self._parents_are_types(summary, fresh):
            # yrs takes any item as a parent, and then reads past what it holds (a panic, or a
            # segfault building observer events) or stores what it cannot load again.
            return _Refusal(CloseCode.PROTOCOL_ERROR, "update refused: it places content "
                            "inside something not a shared type")
        problem = self._over_board_limits(summary, len(update))
        if problem:
            return _Refusal(CloseCode.TOO_BIG, f"update refused: {problem}")
        return _Checked(summary, claim, fresh)

    def _apply_update(
        self, peer: Peer, update: bytes, checked: _Checked, *, parts: list[bytes] | None = None
    ) -> _Refusal | None:
        """Apply a checked update through the guard, then store it and send it on; or, when
        applying or checking it failed, reload the document from the store and say why the
        update is refused (it left no trace). ``parts``: the client's updates it merges (see
        handle_frames), each stored as its own row; merged ones the guard would undo are not
        applied either, but handed back (None code) to go in one at a time."""
        summary, claim, fresh = checked
        count = len(parts) if parts else 1
        facilitator = peer.role is Role.FACILITATOR
        reversal = None
        self.attribution.begin(peer.speaker)
        try:
            try:
                reversal, reason = self.guard.apply(
                    update, facilitator=facilitator,
                    counted_elements=summary.root_keys.get("elements", 0),
                    max_elements=self.limits.board_elements)
            finally:
                correction = self.attribution.finish()
        except BaseException as error:
            # pycrdt turns a Rust panic into a BaseException; anything else is a failed check.
            if isinstance(error, KeyboardInterrupt | SystemExit | asyncio.CancelledError):
                raise
            self._restore()
            log.warning("board %s: an update could not be applied or checked (%s); "
                        "document reloaded from the store", self.board_id, type(error).__name__)
            return _Refusal(CloseCode.PROTOCOL_ERROR, "update rejected")
        if reason:
            if count > 1:
                # Merged updates of which one may not be kept: each goes in on its own (after
                # this reload, which drops the merged one), so the others are not undone too.
                peer.merges = False
                self._restore()
                return _Refusal(None, f"update refused: {reason}")
            count_rejected("guard")
            log.info("board %s: reverted a %s's update: %s", self.board_id, peer.role.value,
                     reason)
        state = None
        if summary.may_wait:
            # Only an update that refers forward inside itself can be held back now (the
            # pre-check saw everything else it refers to): read the document's clocks (a cost
            # that grows with every client id the board ever had) only then.
            state = yp.decode_state_vector(self.doc.get_state())
            if ClientIds.unfinished(summary, state):
                # pycrdt holds part of it back, waiting for parts that are not there: never
                # kept, see ClientIds. Fail closed.
                self._restore()
                return _Refusal(CloseCode.PROTOCOL_ERROR,
                                "update refused: it builds on parts that are not there")
        if reversal is not None:
            # The attempt and its undoing are one row and one frame: stored apart, a finalize
            # on another node between the two appends froze the attempt into the agreed
            # version, and the other clients saw it for a moment.
            undone = _merge(update, reversal)
            if undone is None:
                self._restore()
                return _Refusal(CloseCode.PROTOCOL_ERROR, "update rejected")
            update = undone
        self.client_ids.applied(claim, peer.link, summary, state)
        self.index.add(fresh)
        if reversal is not None:
            self._server_wrote(reversal)
        sender = peer.sender()
        stamp = None
        if correction is not None and reversal is None:
            # The server's stamp of who wrote it goes out with the edit as one update: one row
            # in the store (one edit in the history), one frame to each receiver. The sender
            # has its edit and gets the stamp alone.
            stamp = transact(self.doc, correction)
            self._server_wrote(stamp)
            update = merge_updates(update, stamp)
            if parts:
                parts = [*parts[:-1], merge_updates(parts[-1], stamp)]
        if not self._store_and_send(update, skip=peer, by=sender, rows=parts):
            return None
        if stamp is not None:
            peer.push(yp.sync_update(stamp))
        if reversal is not None:
            peer.push(yp.sync_update(reversal))  # the sender has its attempt already
        step = map_value(self.meta, "step")
        # (The facilitator's client may have set any number, NaN and infinity included.)
        counted = isinstance(step, int | float) and math.isfinite(step)
        key = (activity_key(peer.speaker), int(step) if counted else 0)
        self.activity[key] = self.activity.get(key, 0) + count
        # With a reversal nothing of the update stays: the guard undid all of it, and the undo
        # brought back what it replaced, stamps included. A stamp worked out from the attempt
        # (where a replaced note counted as new) gave such a note to the attacker's organisation.
        return None

    def _splits_a_character(self, summary: UpdateSummary) -> bool:
        """Whether the update places or deletes something between the two UTF-16 halves of
        a character (no editor does: a cursor sits before or after an emoji)."""
        inside = self.index.inside_pairs
        own = set(summary.inside_pairs)
        return any(point in inside or point in own for point in summary.splits)

    def _parents_are_types(self, summary: UpdateSummary, fresh: DocIndex) -> bool:
        """Whether every parent the update names is a shared type, of the board or its own, or
        an item that reached the server already deleted (its content gone: a note made and
        deleted offline, then its children sent by another connection of the same client;
        yrs takes a deleted parent) — never a live value (found by the WebSocket fuzzer:
        children of a string). ``fresh``: what the update adds where the board holds nothing
        yet (an ID the board has is what the board holds there, whatever the update says)."""
        index = self.index
        return all(index.may_hold(parent) or fresh.may_hold(parent)
                   for parent in summary.parents)

    def _over_board_limits(self, summary: UpdateSummary, size: int) -> str | None:
        limits = self.limits
        if self.stored_bytes + size > limits.board_bytes and (
                not self._collect_deleted() or self.stored_bytes + size > limits.board_bytes):
            return f"the board is full (at most {limits.board_bytes} bytes)"
        added = summary.root_keys.get("elements", 0)
        if added and self.guard.watch.element_count() + added > limits.board_elements:
            return f"the board is full (at most {limits.board_elements} elements)"
        return None

    def _collect_deleted(self) -> bool:
        """Fold the board without the content of deleted items; True when it got smaller.

        The room keeps deleted content (the guard's undo needs it) and so did the board's
        size: a participant who wrote long notes and deleted them, or whose updates the guard
        undid, filled the board's byte limit for everyone while it showed almost nothing. A
        board at its limit is folded the way an erasure folds it (and so are its copies on
        other nodes), at most once for what was stored since the last time."""
        if self.stored_bytes <= self.collected_at:
            return False
        before = self.stored_bytes
        self.compact(collect=True)
        self.collected_at = self.stored_bytes
        if self.stored_bytes < before:
            log.info("board %s: at its byte limit, folded without deleted content: %d -> %d "
                     "bytes", self.board_id, before, self.stored_bytes)
        return self.stored_bytes < before

    def _restore(self) -> None:
        """Throw the in-memory document away and load it again from the store.

        Everything the room kept was stored before anyone saw it, so the stored document is
        exactly the document as it was before the update that failed.
        """
        try:
            self._load()
        except BoardDamaged as damaged:
            log.error("%s; its connections are closed with 1011", damaged)
            self.closed = self.stale = True
            for peer in list(self.peers):
                peer.close(CloseCode.INTERNAL, "board data is damaged; ask the operator")
            if self.on_empty is not None:
                self.on_empty(self)
            return
        self.client_ids.reset(self.doc.get_state(), self.doc.client_id)

    def _store_and_send(
        self, update: bytes, skip: Peer | None, by: Sender | str = "server", note: str = "",
        rows: list[bytes] | None = None,
    ) -> bool:
        """Append an update to the store (with its sender, for the history), then queue it to
        every peer but ``skip``. ``rows``: the updates to store in its place, when it is their
        merge (each update a client sent is a moment of the board's history).

        False when the store refused it because another node finalized the board.
        """
        try:
            for row in rows or [update]:
                self.last_update_id = self.store.append_update(self.board_id, row, by, note)
                self.pending_updates += 1
                self.stored_bytes += len(row)
        except BoardFrozen:
            self.frozen_elsewhere()
            return False
        if self.publish is not None:
            self.publish(self.board_id, "u", update)
        self._send_to_others(yp.sync_update(update), skip)
        if self.pending_updates >= self.compact_every and compaction_due(
                self.pending_updates, self.stored_bytes - self.snapshot_bytes,
                self.snapshot_bytes, self.compact_every):
            self.compact()
        return True

    def _send_to_others(self, message: bytes, skip: Peer | None = None) -> None:
        """Send ``message`` to every peer but ``skip``: to those with a DirectWriter as one
        record for the end of the turn, to any other at once."""
        direct = self.direct_peers
        if direct:
            defer_broadcast(message, tuple(direct), skip)
        if len(direct) < len(self.peers):
            for other in self.peers:
                if other is not skip and other.direct is None:
                    other.push(message)

    def _receive_awareness(self, peer: Peer, payload: bytes) -> None:
        accepted = self.presence.receive(peer, payload)
        if accepted is None:
            return
        self._send_to_others(yp.awareness_message(accepted), peer)
        if self.publish is not None:
            self.publish(self.board_id, "a", accepted)

    def _forget_presence(self, peer: Peer) -> None:
        """Tell the others that a closed peer's cursors are gone (as y-websocket's server does)."""
        gone = self.presence.forget(peer)
        if gone is None:
            return
        self._send_to_others(yp.awareness_message(gone))
        if self.publish is not None:
            self.publish(self.board_id, "a", gone)
