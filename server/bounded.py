"""Keeping a table of per-key token buckets (per address, per person) bounded in memory.

A bucket that has refilled completely is no different from a new one, so it is forgotten
first. When every bucket is still in use (a flood from more keys than the table holds), the
half touched longest ago goes: their keys start again from a full bucket, which lets them
through once more, but the table never grows past its limit.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import TypeVar

__all__ = ["make_room"]

K = TypeVar("K")
V = TypeVar("V")


def make_room(buckets: MutableMapping[K, V], limit: int, is_full: Callable[[V], bool],
              touched: Callable[[V], float]) -> None:
    """Make room for one more key in ``buckets`` when it holds ``limit`` or more: forget the
    full buckets, and when that is not enough, the oldest half by ``touched``."""
    if len(buckets) < limit:
        return
    for key in [key for key, bucket in buckets.items() if is_full(bucket)]:
        del buckets[key]
    if len(buckets) >= limit:
        oldest = sorted(buckets, key=lambda key: touched(buckets[key]))
        for key in oldest[: max(1, len(buckets) - limit // 2)]:
            del buckets[key]
