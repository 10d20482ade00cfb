"""Loading rooms on first connect and unloading them when idle."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pycrdt import Doc, Map

from partnerboard.plugins import CanvasSpec

from .canvas_versions import bring_up_to_date
from .idle_docs import give_back_memory
from .limits import RoomLimits
from .room import Room, load_document
from .settings import Settings
from .store import BoardFrozen, Sender, Store

if TYPE_CHECKING:
    from .bus import Bus

__all__ = ["Rooms"]

log = logging.getLogger("partnerboard.rooms")

#: Finalizes that build their covenant at once on this node (see Rooms.finalize_turns).
FINALIZE_AT_ONCE = 2


def _says_finalized(doc: Doc) -> bool:
    return doc.get("meta", type=Map).get("finalized") is True


def _unmark_finalized(doc: Doc) -> None:
    doc.get("meta", type=Map)["finalized"] = False


class Rooms:
    """The rooms of the boards somebody has open. Boards nobody has open use no memory here."""

    def __init__(self, store: Store, settings: Settings, bus: Bus | None = None) -> None:
        self.store = store
        self.settings = settings
        #: Carries updates and presence between nodes; None for one process.
        self.bus = bus
        self.loaded: dict[str, Room] = {}
        self._unload_timers: dict[str, asyncio.TimerHandle] = {}
        #: The periodic look for rooms whose document nobody used lately (see idle_docs).
        self._sleep_timer: asyncio.TimerHandle | None = None
        #: Rooms unloaded since that look last gave memory back.
        self._dropped = 0
        #: Boards being finalized on this node (frozen, their covenant being built off the
        #: loop: see finalize.py), each with the task that does it. Such a board takes no
        #: change, whether or not its room is loaded, exactly as once it is finalized.
        self.finalizing: dict[str, asyncio.Future[Any]] = {}
        #: How many finalizes build their covenant at once (as many as heavy.py has threads):
        #: more would only share the same cores, each holding its board (and, on PostgreSQL,
        #: a pooled connection with the board row's lock) for longer. The rest wait.
        self.finalize_turns = asyncio.Semaphore(FINALIZE_AT_ONCE)
        #: Boards to load again from the store once their finalize ends (see catch_up).
        self._after_finalize: set[str] = set()

    def acquire(
        self, board_id: str, *, finalized: bool, spec: CanvasSpec | None = None
    ) -> Room:
        """The board's room, loaded from the store if needed."""
        timer = self._unload_timers.pop(board_id, None)
        if timer is not None:
            timer.cancel()
        room = self.loaded.get(board_id)
        finalized = finalized or board_id in self.finalizing
        if room is None:
            room = Room(
                board_id,
                self.store,
                spec=spec,
                finalized=finalized,
                compact_every=self.settings.compact_every,
                limits=RoomLimits.from_settings(self.settings),
                on_empty=self._schedule_unload,
                publish=self.bus.publish if self.bus is not None else None,
            )
            self.loaded[board_id] = room
            if board_id in self.finalizing:
                self._after_finalize.add(board_id)  # loaded without the uncommitted freeze
            elif self.bus is None and not finalized and _says_finalized(room.doc):
                self._reopen_cut_off(room)
            if spec is not None and not finalized:
                bring_up_to_date(room, spec)
            if self.bus is not None:
                self.bus.watch(board_id)
            log.debug("board %s: room loaded", board_id)
            self._watch_idle_docs()
        return room

    @staticmethod
    def _reopen_cut_off(room: Room) -> None:
        """An open board whose document says finalized: a finalize cut off by the process's
        end. On one node the freeze's update is stored at once and the agreement seconds
        later, off the loop, for a large board (with several nodes, on PostgreSQL, both are
        one transaction). Every page would turn read-only on the mark: it is taken back."""
        log.warning("board %s: open, but its document says finalized (a finalize was cut "
                    "off); marked open again", room.board_id)
        try:
            room.server_change(_unmark_finalized, note="finalize cut off")
        except BoardFrozen:
            pass  # finalized after all, a moment ago: the mark is right

    def _watch_idle_docs(self) -> None:
        idle = self.settings.doc_idle_seconds
        if idle <= 0 or self._sleep_timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # used without a server (tests, commands): nothing to watch
            return
        self._sleep_timer = loop.call_later(max(idle / 3, 0.2), self._put_idle_docs_to_sleep)

    def _put_idle_docs_to_sleep(self) -> None:
        """Rooms whose document nobody used for doc_idle_seconds keep only the snapshot."""
        self._sleep_timer = None
        horizon = time.monotonic() - self.settings.doc_idle_seconds
        dropped = self._dropped
        for room in list(self.loaded.values()):
            room.sync_view.drop_unused(horizon)
            if not room.asleep and room.doc_used < horizon and room.sleep():
                log.debug("board %s: document put to sleep", room.board_id)
                dropped += 1
        if dropped:
            self._give_back_memory()
        self._dropped = 0
        if self.loaded:
            self._watch_idle_docs()

    def _give_back_memory(self) -> None:
        """After rooms went to sleep or were unloaded: the store's caches, then the C heap."""
        self.store.release_memory()
        give_back_memory()

    def server_change(
        self,
        board_id: str,
        change: Callable[[Doc], None],
        *,
        freeze: bool = False,
        by: Sender | str = "server",
        note: str = "",
        collect: bool = False,
    ) -> Doc:
        """Make a change as the server, whether or not anyone has the board open.

        Open boards change in their room (stored, then sent to every client); a board nobody
        has open is loaded just for this and folded back into one snapshot. With ``freeze``
        the room stops applying client updates first; with ``collect`` (an erasure) the board
        is folded at once into a snapshot without deleted content. Returns the document after
        the change.
        """
        room = self.loaded.get(board_id)
        temporary = room is None
        if not freeze and board_id in self.finalizing:
            raise BoardFrozen(board_id)  # its covenant is being built from what it holds
        if not freeze and (room.finalized if room is not None else self._finalized(board_id)):
            # A request that checked the board before it awaited its body (finalized
            # meanwhile) must not change the agreed version.
            raise BoardFrozen(board_id)
        if room is None:
            # Still published: other nodes may have the board open.
            room = Room(board_id, self.store,
                        publish=self.bus.publish if self.bus is not None else None)
        if freeze:
            room.freeze()
        room.server_change(change, by=by, note=note)
        doc = room.doc
        if temporary or collect:
            room.compact(collect=collect)
        if temporary:
            room.drop_document()  # the returned doc lives on; the room's watchers do not
        return doc

    def thaw(self, board_id: str) -> None:
        """Open a board again whose finalize failed after it was frozen.

        The freeze's update (``meta.finalized``) went to every client and to the other nodes,
        and into the store on SQLite; on PostgreSQL its transaction was rolled back. Either way
        the room folds its document into the store first, so the store holds what the clients
        were sent, and then unmarks the board with an update everyone receives.
        """
        room = self.loaded.get(board_id)
        if room is not None:
            room.thaw()
        self.server_change(board_id, _unmark_finalized, note="finalize failed")

    def _finalized(self, board_id: str) -> bool:
        record = self.store.get_board(board_id)
        return record is not None and record.state == "finalized"

    def catch_up(self, board_id: str, *, finalizing: bool = False) -> None:
        """Bring an open board's room up to what the store holds (other nodes' updates).

        One node (no fan-out bus) has no other nodes: its rooms store every update they
        apply, in the same turn, so there is nothing to catch up on, and the reload would
        decode the whole document on the event loop for nothing (a second on a board of
        20,000 notes, just before finalize).

        While the board is being finalized here, the store does not show the freeze yet (its
        transaction holds the board row until the covenant is stored): a room loaded again
        from it then would lose ``meta.finalized``, for good. Such a catch-up waits until the
        finalize ends (:meth:`finalize_ended`); ``finalizing`` is the finalize's own, made
        before it freezes."""
        if self.bus is None:
            return
        if board_id in self.finalizing and not finalizing:
            self._after_finalize.add(board_id)
            return
        room = self.loaded.get(board_id)
        if room is not None:
            room.catch_up()

    def reload(self, board_id: str, *, announce: bool = False) -> None:
        """Load an open board's document again from the store (see Room.reload); with
        ``announce``, tell the other nodes to do so even when it is not open here."""
        room = self.loaded.get(board_id)
        if board_id in self.finalizing:
            self._after_finalize.add(board_id)  # as catch_up: the store lacks the freeze yet
        elif room is not None and not room.closed:
            room.reload(announce=False)
        if announce and self.bus is not None:
            self.bus.publish(board_id, "r", b"")

    def finalize_ended(self, board_id: str) -> None:
        """The board's finalize is over (stored, or rolled back and thawed): it takes changes
        again as its state says, and a catch-up that waited for the end runs next."""
        self.finalizing.pop(board_id, None)
        if board_id in self._after_finalize:
            self._after_finalize.discard(board_id)
            asyncio.get_running_loop().call_soon(self.catch_up, board_id)

    def announce_frozen(self, board_id: str) -> None:
        """Tell the other nodes that this board was just finalized here."""
        if self.bus is not None:
            self.bus.publish(board_id, "f", b"")

    def frozen_elsewhere(self, board_id: str) -> None:
        """Another node finalized the board: freeze our room (its last update came first)."""
        room = self.loaded.get(board_id)
        if room is not None:
            room.catch_up()  # the finalized mark, even if its stream entry was lost
            room.freeze()

    def measure(self, board_id: str) -> tuple[Doc, int, int]:
        """The board's document (for reading only), its elements and its stored bytes, as its
        room counts them against the board limits: an open room's own counts, else from one
        load of the document."""
        room = self.loaded.get(board_id)
        if room is not None:
            return room.doc, room.guard.watch.element_count(), int(room.stored_bytes)
        doc = load_document(self.store, board_id)[0]
        return doc, len(doc.get("elements", type=Map)), len(doc.get_update())

    def document(self, board_id: str) -> Doc:
        """The board's current document (the live one when open), for reading only."""
        room = self.loaded.get(board_id)
        return room.doc if room is not None else load_document(self.store, board_id)[0]

    def _schedule_unload(self, room: Room) -> None:
        if room.stale:
            # Finalized on another node: forget it now; its peers reconnect to a fresh room.
            if self.loaded.get(room.board_id) is room:
                del self.loaded[room.board_id]
                if self.bus is not None:
                    self.bus.unwatch(room.board_id)
                room.drop_document()
            return
        delay = self.settings.room_idle_seconds
        if delay == 0:
            self._unload(room.board_id)
            return
        loop = asyncio.get_running_loop()
        self._unload_timers[room.board_id] = loop.call_later(delay, self._unload, room.board_id)

    def _unload(self, board_id: str) -> None:
        self._unload_timers.pop(board_id, None)
        room = self.loaded.get(board_id)
        if room is None or room.peers:
            return
        room.closed = True
        room.compact()
        room.drop_document()
        del self.loaded[board_id]
        self._dropped += 1
        if not self.loaded:
            self._give_back_memory()  # the last one: no look is coming
            self._dropped = 0
        if self.bus is not None:
            self.bus.unwatch(board_id)
        log.debug("board %s: room unloaded", board_id)

    async def shutdown(self) -> None:
        """Compact every room and close every connection (graceful stop)."""
        for timer in self._unload_timers.values():
            timer.cancel()
        self._unload_timers.clear()
        if self._sleep_timer is not None:
            self._sleep_timer.cancel()
            self._sleep_timer = None
        for room in list(self.loaded.values()):
            await room.close()
        self.loaded.clear()
