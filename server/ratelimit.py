"""A per-key rate limit (token bucket): how many boards one client address may create.

Creating a board costs a row, three token hashes and a stored document; without a limit one
client made thousands a minute. The bucket holds ``per_minute`` creations and refills steadily,
so a workshop that makes a few boards at once is never held up.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from .bounded import make_room

__all__ = ["RateLimiter"]

#: Buckets kept at most (see bounded.make_room).
MAX_KEYS = 10_000


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str) -> float:
        """Use one unit for ``key``: 0.0 when allowed, else the seconds until one is free."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        rate = self.per_minute / 60.0
        tokens, at = self._buckets.get(key, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - at) * rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate
        if key not in self._buckets:
            make_room(self._buckets, MAX_KEYS,
                      lambda kept: kept[0] + (now - kept[1]) * rate >= self.per_minute,
                      lambda kept: kept[1])
        self._buckets[key] = (tokens - 1.0, now)
        return 0.0

    @staticmethod
    def retry_after(seconds: float) -> str:
        """The Retry-After header value: whole seconds, at least 1."""
        return str(max(1, math.ceil(seconds)))
