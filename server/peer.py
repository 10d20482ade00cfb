"""One connection in a room: who it is, and its outgoing frames.

Most frames are written at once (:meth:`Transport.send_now`: the socket can take them). Only
when one has to wait (the socket's buffer is full, or the connection is closing) does the peer
queue it and start a sender task that drains the queue, in order, and ends when it is empty.
An idle connection thus holds no task, coroutine frame, event or queue (measured: 68 -> 61 KiB
per idle room with one connection each), and a broadcast still costs one write per receiver.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from .attribution import Speaker
from .limits import RoomLimits
from .metrics import count_limit
from .store import Sender
from .tokens import Role
from .transport import CloseCode, Transport, TransportClosed

__all__ = ["Peer", "CLOSE_WAIT_SECONDS"]

#: How long a closing connection's sender may take to write its close frame.
CLOSE_WAIT_SECONDS = 5.0


class Peer:
    """One connection in a room, with its outgoing queue."""

    __slots__ = ("transport", "send_now", "direct", "role", "link", "queue", "queue_limit",
                 "queue_bytes_limit", "queued_bytes", "awareness_ids", "speaker", "seat", "address",
                 "closing", "drainer", "answered", "merges")

    def __init__(
        self, transport: Transport, role: Role, limits: RoomLimits, link: str = ""
    ) -> None:
        self.transport = transport
        #: The transport's direct send, looked up once per connection, not per frame.
        self.send_now = transport.send_now
        #: The connection's DirectWriter (direct_send), when its transport has one: the room
        #: then hands broadcasts to it once per turn instead of pushing them peer by peer.
        self.direct = getattr(transport, "direct", None)
        self.role = role
        #: Who the connection is: the token's hash. Client ids and presence belong to a link.
        self.link = link or role.value
        #: Frames waiting for the sender task (empty, and None, while frames go out at once).
        self.queue: deque[bytes] | None = None
        self.queue_limit = limits.queue_frames
        self.queue_bytes_limit = limits.queue_bytes
        self.queued_bytes = 0
        self.awareness_ids: set[int] = set()
        #: Who the server knows is behind the connection (link, party, seat): edits are
        #: attributed and counted by this, never by what presence states claim.
        self.speaker: Speaker | None = None
        self.seat: str | None = None
        #: The client's address (its presence allowance outlives the connection: see presence).
        self.address = ""
        self.closing: tuple[int, str] | None = None
        #: The task sending queued frames, while there are any (or the close frame).
        self.drainer: asyncio.Task[None] | None = None
        #: The client has answered the server's sync step 1 (its first step 2 arrived): what
        #: it sends from then on builds on what the board has (see :mod:`.client_ids`).
        self.answered = False
        #: Its updates that arrive together are applied as one (see Room.handle_frames), until
        #: the guard would have undone one of them: going back costs the room a reload.
        self.merges = True

    def sender(self) -> Sender:
        """Who this connection's updates come from, for the history: role, party, seat."""
        speaker = self.speaker
        if speaker is None:
            return Sender(self.role.value)
        party = speaker.link.removeprefix("party:") if speaker.link.startswith("party:") else ""
        return Sender(self.role.value, party, self.seat or "", speaker.name,
                      speaker.organisation if self.seat else "")

    def push(self, data: bytes) -> None:
        """Send a frame: at once when nothing waits before it, else through the queue."""
        if self.closing:
            return
        if self.drainer is None and self.send_now(data):
            return
        queue = self.queue
        if queue is None:
            queue = self.queue = deque()
        # One frame always fits (a newcomer's first sync of a big board), then the limits hold.
        if queue and (len(queue) >= self.queue_limit
                      or self.queued_bytes + len(data) > self.queue_bytes_limit):
            count_limit("send_queue")
            self.close(CloseCode.TRY_AGAIN, "too far behind; reconnect")
            return
        queue.append(data)
        self.queued_bytes += len(data)
        self._start_sender()

    def close(self, code: int, reason: str) -> None:
        """Close the connection: the sender writes the close frame (frames still queued are
        dropped). A later call changes the code and reason only while it has not been sent."""
        first = self.closing is None
        self.closing = (code, reason)
        self._drop_queued()
        if first:
            self._start_sender()

    def _drop_queued(self) -> None:
        """Forget the frames that wait: a closing connection gets only its close frame."""
        self.queue = None
        self.queued_bytes = 0

    async def finish(self) -> None:
        """When the connection's loop ended: let a closing peer's sender write its close frame
        (at most :data:`CLOSE_WAIT_SECONDS`), stop the sender of any other."""
        drainer = self.drainer
        if drainer is None:
            return
        if not self.closing:
            drainer.cancel()
            return
        try:
            await asyncio.wait_for(drainer, timeout=CLOSE_WAIT_SECONDS)
        except TimeoutError:
            pass  # wait_for cancelled it

    def _start_sender(self) -> None:
        if self.drainer is None:
            self.drainer = asyncio.get_running_loop().create_task(self._drain())

    def _send_what_fits(self) -> None:
        """After an awaited send the socket takes frames again: hand it the queued ones that
        fit without waiting, in order (an awaited send costs a trip through ASGI per frame;
        these cost one write for all of them at the end of the turn)."""
        queue, transport = self.queue, self.transport
        while queue and not self.closing and transport.send_now(queue[0]):
            self.queued_bytes -= len(queue.popleft())

    async def _drain(self) -> None:
        """Send the queued frames in order, then the close frame if closing; end when none
        is left (the next frame that has to wait starts a new task)."""
        transport = self.transport
        try:
            while self.queue and not self.closing:
                frame = self.queue.popleft()
                self.queued_bytes -= len(frame)
                try:
                    await transport.send(frame)
                except (TransportClosed, OSError):
                    # Gone, or this turn's updates could not be stored: the client must not
                    # go on without a frame it was sent, so it is asked to reconnect.
                    self._drop_queued()
                    self.closing = self.closing or (CloseCode.TRY_AGAIN,
                                                    "a message could not be sent; reconnect")
                    break
                self._send_what_fits()
            if self.queue is not None and not self.queue:
                self.queue = None  # nothing waits: the connection goes back to direct sends
            if self.closing:
                with contextlib.suppress(TransportClosed, OSError):
                    await transport.close(*self.closing)
        finally:
            self.drainer = None
