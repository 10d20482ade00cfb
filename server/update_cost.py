"""How much of the event loop one connection's heavy messages may take: a CPU-time allowance.

A document update costs the server in proportion to what it carries, not to its bytes on the
wire: 1 MiB of characters typed backwards (75,000 items) takes 220 ms to read, check, apply
and store, where a usual update takes well under a millisecond. The connections' messages are
handled in turn, so while one such update is handled every other board on the process waits,
and a client can send them back to back (loopback delivers 1 MiB in about a millisecond). One
guest link was enough to keep a whole node at 100% of a core, every other board's edits
arriving a quarter of a second late.

So the CPU time a connection's messages take beyond :data:`FREE_SECONDS` per read (the
messages that arrived together are handled together) is charged to two token buckets, the
connection's and its client address's (several connections from one address share it). Usual
messages are never charged, however fast they come: that is load like any other, handled in
turn. The free part is the read's, not each message's: fifteen empty messages sent after a
heavy one lent it their share, and it was never charged. When a bucket is empty the
connection is not read until it has refilled: its messages wait in its socket, TCP holds the
sender back, and nothing is lost. A large paste now and then fits in the burst; a stream of
heavy updates gets ``share`` of a core per connection and :data:`ADDRESS_SHARES` times that
per address.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from .bounded import make_room

__all__ = ["CostAllowance", "UpdateCosts", "FREE_SECONDS"]

log = logging.getLogger("partnerboard.update_cost")

#: CPU seconds the messages read together may take before the rest is charged.
FREE_SECONDS = 0.01
#: CPU seconds a connection may save up, and its address (in units of the connection's).
BURST_SECONDS = 1.0
ADDRESS_SHARES = 2.5
#: Addresses kept at most (see bounded.make_room).
MAX_ADDRESSES = 10_000
#: Seconds between two log lines about one connection's waits.
REPORT_EVERY = 10.0


class CostAllowance:
    """A token bucket of CPU seconds that refills at ``rate`` per second up to ``burst``."""

    __slots__ = ("rate", "burst", "level", "stamp", "clock")

    def __init__(self, rate: float, burst: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.level = burst
        self.stamp = clock()

    def charge(self, seconds: float) -> float:
        """Spend ``seconds`` (the bucket may go below zero); return how long to wait until it
        is back at zero (0.0 when it is not below)."""
        now = self.clock()
        self.level = min(self.burst, self.level + (now - self.stamp) * self.rate) - seconds
        self.stamp = now
        return -self.level / self.rate if self.level < 0 else 0.0

    @property
    def full(self) -> bool:
        return self.level + (self.clock() - self.stamp) * self.rate >= self.burst


class UpdateCosts:
    """The allowances of one node: one per connection (made here) and one per address."""

    def __init__(self, share: float, clock: Callable[[], float] = time.monotonic) -> None:
        #: Share of one core; 0 means no limit.
        self.share = share
        self.clock = clock
        self._addresses: dict[str, CostAllowance] = {}

    def for_connection(self, address: str) -> ConnectionCost | None:
        """What one connection from ``address`` is charged to, or None without a limit."""
        if self.share <= 0:
            return None
        bucket = self._addresses.get(address)
        if bucket is None:
            make_room(self._addresses, MAX_ADDRESSES, lambda kept: kept.full,
                      lambda kept: kept.stamp)
            bucket = self._addresses[address] = CostAllowance(
                self.share * ADDRESS_SHARES, BURST_SECONDS * ADDRESS_SHARES, self.clock)
        own = CostAllowance(self.share, BURST_SECONDS, self.clock)
        return ConnectionCost(own, bucket)


class ConnectionCost:
    """Charges one connection's heavy messages to its own bucket and its address's."""

    __slots__ = ("own", "address", "reported", "waited")

    def __init__(self, own: CostAllowance, address: CostAllowance) -> None:
        self.own, self.address = own, address
        self.reported = -REPORT_EVERY
        #: Seconds this connection was held back since the last log line about it.
        self.waited = 0.0

    def charge(self, seconds: float) -> float:
        """Charge ``seconds`` of CPU taken by the messages read together; the seconds the
        connection must now wait before it is read again."""
        extra = seconds - FREE_SECONDS
        if extra <= 0:
            return 0.0
        wait = max(self.own.charge(extra), self.address.charge(extra))
        self.waited += wait
        return wait

    def report(self, board_id: str) -> None:
        """Log the waits, at most every REPORT_EVERY seconds per connection."""
        now = self.own.clock()
        if self.waited and now - self.reported >= REPORT_EVERY:
            log.warning("board %s: a connection's messages took more CPU time than it may use "
                        "(--update-cpu-share); it is held back %.1f s", board_id, self.waited)
            self.reported, self.waited = now, 0.0
