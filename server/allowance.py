"""What one person or connection may make the server send: allowances, and the gate for
requests.

A few messages cost the server far more than their sender: presence (awareness) is forwarded
to every other connection of the board, an awareness query (message 3) is answered with every
state on the board (up to 512 KiB), as is every new connection, and a SyncStep1 with the whole
document. Each is bounded:

* presence, and the board's presence sent to a connection, by an :class:`Allowance` (token
  buckets of messages and bytes per second) of the person behind it (see presence): what is
  over it is dropped, not forwarded nor sent, and the connection stays;
* a SyncStep1, per connection, by :class:`RequestGate`: the room takes it only once nothing
  waits to be written to the connection, so its answer is the only one queued. A client that
  does not read pins one copy of the document, not one per request (a 1.9 MB board, requested
  15 times by each of many connections that never read, kept 28 MB each), and one that reads
  pays with its own bandwidth for every encoding it asks for, as a reconnecting client would.
  Every request is still answered, in order: what the connection sends after it waits too
  (and TCP holds the client back, see ws_protocol). The alternatives were worse for real
  clients: ignoring a SyncStep1 breaks a client that counts answers to learn what the server
  has handled (our fuzzer does), and a token bucket closing the connection (1008) cuts it off,
  as it would a y-websocket client configured to resync often.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from . import yprotocol as yp

__all__ = ["Allowance", "RequestGate", "answer_allowance", "presence_allowance"]

log = logging.getLogger("partnerboard.allowance")

#: Seconds between two log lines about one connection's dropped messages.
REPORT_EVERY = 10.0


class Allowance:
    """Two token buckets: messages and bytes per second, each with a burst it may save up.

    :meth:`take` spends from both or from neither, so a refused message costs nothing."""

    __slots__ = ("rate", "burst", "byte_rate", "byte_burst", "messages", "bytes", "stamp",
                 "dropped", "reported")

    def __init__(self, rate: float, burst: float, byte_rate: float, byte_burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.byte_rate, self.byte_burst = byte_rate, byte_burst
        self.messages, self.bytes = burst, byte_burst
        self.stamp = time.monotonic()
        #: Messages refused since the last log line about them, and when that was.
        self.dropped = 0
        self.reported = -REPORT_EVERY

    def take(self, size: int) -> bool:
        """Spend one message of ``size`` bytes, or say it is over the allowance (False)."""
        now = time.monotonic()
        elapsed, self.stamp = now - self.stamp, now
        self.messages = min(self.burst, self.messages + elapsed * self.rate)
        self.bytes = min(self.byte_burst, self.bytes + elapsed * self.byte_rate)
        if self.messages < 1 or self.bytes < size:
            self.dropped += 1
            return False
        self.messages -= 1
        self.bytes -= size
        return True

    @property
    def full(self) -> bool:
        """Whether it has refilled completely (a new one would be no different)."""
        elapsed = time.monotonic() - self.stamp
        return (self.messages + elapsed * self.rate >= self.burst
                and self.bytes + elapsed * self.byte_rate >= self.byte_burst)

    def report(self, board_id: str, what: str) -> None:
        """Log the refused messages: one info line per connection every REPORT_EVERY seconds
        at most (a flood would otherwise flood the log), debug in between."""
        now = time.monotonic()
        if now - self.reported < REPORT_EVERY:
            log.debug("board %s: dropped %s over this connection's allowance", board_id, what)
            return
        log.info("board %s: dropped %d %s over this connection's allowance (%g a second, "
                 "%d bytes a second)", board_id, self.dropped, what, self.rate, self.byte_rate)
        self.dropped, self.reported = 0, now


def presence_allowance() -> Allowance:
    """Presence a connection may have forwarded. Our client sends a cursor at most every 40 ms
    and a facilitator's view every 100 ms (web/src/presence.js, facilitation/follow.js), each
    a state of a few hundred bytes: about 35 messages and 15 KiB a second at most. The burst
    takes the largest message that may pass at all (16 client ids of 8 KiB: presence.py)."""
    return Allowance(60, 120, 64 * 1024, 160 * 1024)


def answer_allowance() -> Allowance:
    """The board's presence one person may be sent, each time all of it (up to 512 KiB): when
    a connection opens, and as the answer to an awareness query. A stock client never sends a
    query on its WebSocket (y-websocket asks only across browser tabs), and a browser tab
    reconnecting to a board of forty people is sent about 12 KiB, so this only keeps a person
    from costing the server more than a second's presence allowance, however many connections
    they open."""
    return Allowance(10, 10, 256 * 1024, 1024 * 1024)


class RequestGate:
    """When the server takes a connection's SyncStep1: once nothing waits to be written to
    the connection (``backed_up`` says whether something does)."""

    __slots__ = ("backed_up", "step1_taken")

    def __init__(self, backed_up: Callable[[], bool]) -> None:
        self.backed_up = backed_up
        #: A SyncStep1 went through among the frames taken together now (see admits).
        self.step1_taken = False

    def admits(self, frame: bytes, together: bool) -> bool:
        """Whether the room may take ``frame`` now; False for a SyncStep1 that must wait until
        something waiting to be written to the connection was (the room answers a SyncStep1
        taken together with another, ``together``, only after the frames before it).
        """
        if not together:
            self.step1_taken = False
        kind, sub = yp.peek_type(frame)
        if kind == yp.MessageType.SYNC and sub == yp.SyncType.STEP1:
            if self.step1_taken or self.backed_up():
                return False
            self.step1_taken = True
        return True
