"""Loading rooms on first connect and unloading them when idle."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from pycrdt import Doc

from partnerboard.plugins import CanvasSpec

from .canvas_versions import bring_up_to_date
from .limits import RoomLimits
from .room import Room, load_document
from .settings import Settings
from .store import Sender, Store

if TYPE_CHECKING:
    from .bus import Bus

__all__ = ["Rooms"]

log = logging.getLogger("partnerboard.rooms")


class Rooms:
    """The rooms of the boards somebody has open. Boards nobody has open use no memory here."""

    def __init__(self, store: Store, settings: Settings, bus: Bus | None = None) -> None:
        self.store = store
        self.settings = settings
        #: Carries updates and presence between nodes; None for one process.
        self.bus = bus
        self.loaded: dict[str, Room] = {}
        self._unload_timers: dict[str, asyncio.TimerHandle] = {}

    def acquire(
        self, board_id: str, *, finalized: bool, spec: CanvasSpec | None = None
    ) -> Room:
        """The board's room, loaded from the store if needed."""
        timer = self._unload_timers.pop(board_id, None)
        if timer is not None:
            timer.cancel()
        room = self.loaded.get(board_id)
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
            if spec is not None and not finalized:
                bring_up_to_date(room, spec)
            if self.bus is not None:
                self.bus.watch(board_id)
            log.debug("board %s: room loaded", board_id)
        return room

    def server_change(
        self,
        board_id: str,
        change: Callable[[Doc], None],
        *,
        freeze: bool = False,
        by: Sender | str = "server",
        note: str = "",
    ) -> Doc:
        """Make a change as the server, whether or not anyone has the board open.

        Open boards change in their room (stored, then sent to every client); a board nobody
        has open is loaded just for this and folded back into one snapshot. With ``freeze``
        the room stops applying client updates first. Returns the document after the change.
        """
        room = self.loaded.get(board_id)
        temporary = room is None
        if room is None:
            # Still published: other nodes may have the board open.
            room = Room(board_id, self.store,
                        publish=self.bus.publish if self.bus is not None else None)
        if freeze:
            room.freeze()
        room.server_change(change, by=by, note=note)
        if temporary:
            room.compact()
        return room.doc

    def catch_up(self, board_id: str) -> None:
        """Bring an open board's room up to what the store holds (other nodes' updates)."""
        room = self.loaded.get(board_id)
        if room is not None:
            room.catch_up()

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
        del self.loaded[board_id]
        if self.bus is not None:
            self.bus.unwatch(board_id)
        log.debug("board %s: room unloaded", board_id)

    async def shutdown(self) -> None:
        """Compact every room and close every connection (graceful stop)."""
        for timer in self._unload_timers.values():
            timer.cancel()
        self._unload_timers.clear()
        for room in list(self.loaded.values()):
            await room.close()
        self.loaded.clear()
