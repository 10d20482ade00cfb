"""The per-address and per-person bucket tables stay bounded, even when every bucket is in use.

A client with many addresses (an IPv6 prefix holds billions) makes one bucket per address; the
tables forget refilled buckets first, and when none has refilled, the least recently used half.
"""

from __future__ import annotations

from partnerboard.server import ratelimit, update_cost
from partnerboard.server.bounded import make_room
from partnerboard.server.ratelimit import RateLimiter
from partnerboard.server.update_cost import UpdateCosts


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_full_buckets_go_first_and_busy_ones_stay():
    buckets = {"busy": (0, 1.0), "full-1": (1, 2.0), "full-2": (1, 3.0)}
    make_room(buckets, 3, is_full=lambda b: b[0] == 1, touched=lambda b: b[1])
    assert buckets == {"busy": (0, 1.0)}


def test_when_all_are_busy_the_least_recently_used_half_goes():
    buckets = {f"k{i}": (0, float(i)) for i in range(10)}
    make_room(buckets, 10, is_full=lambda b: False, touched=lambda b: b[1])
    assert sorted(buckets) == ["k5", "k6", "k7", "k8", "k9"]
    make_room(buckets, 10, is_full=lambda b: False, touched=lambda b: b[1])
    assert len(buckets) == 5  # below the limit: nothing forgotten


def test_the_board_creation_limit_forgets_old_addresses_not_the_flooder(monkeypatch):
    monkeypatch.setattr(ratelimit, "MAX_KEYS", 100)
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)
    for address in range(1000):  # every address uses up its two creations
        clock.now += 0.001
        assert limiter.take(f"10.0.{address // 256}.{address % 256}") == 0.0
        limiter.take(f"10.0.{address // 256}.{address % 256}")
    assert len(limiter._buckets) <= 100
    # The last address is remembered: it still waits for its bucket to refill.
    assert limiter.take("10.0.3.231") > 0


def test_the_cpu_allowance_table_stays_bounded_when_every_address_is_in_debt(monkeypatch):
    monkeypatch.setattr(update_cost, "MAX_ADDRESSES", 100)
    clock = Clock()
    costs = UpdateCosts(share=0.1, clock=clock)
    for address in range(1000):
        clock.now += 0.001
        connection = costs.for_connection(f"2001:db8::{address:x}")
        assert connection is not None
        connection.charge(5.0)  # in debt: never full again within this test
    assert len(costs._addresses) <= 100
    assert connection.charge(1.0) > 0  # the newest is still held back
