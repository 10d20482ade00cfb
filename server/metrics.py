"""``GET /metrics`` in the Prometheus text format, and the few counters behind it.

Figures are per node (per process): a load balancer's scrape of every node adds them up. The
counters are plain module state, as Prometheus counters are process-wide by nature; reading
them costs nothing on the hot path, and timing a store call costs two clock reads.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

__all__ = ["REJECTED", "LIMITS", "MERGED", "TimedStore", "count_rejected", "count_limit",
           "count_merged", "routes"]

#: Frames or connections refused, by reason (close code name, "guard" for reverted edits).
REJECTED: Counter[str] = Counter()
#: Limits reached, by limit (a slow client's queue, frame size, ...).
LIMITS: Counter[str] = Counter()
#: Client updates that arrived together and were applied as one ("updates"), and how many
#: such merged updates there were ("runs"): see Room.handle_frames.
MERGED: Counter[str] = Counter()
_STARTED = time.time()


def count_rejected(reason: str) -> None:
    REJECTED[reason] += 1


def count_limit(limit: str) -> None:
    LIMITS[limit] += 1


def count_merged(updates: int) -> None:
    MERGED["updates"] += updates
    MERGED["runs"] += 1


class TimedStore:
    """Wraps a store: every call is timed per method (``partnerboard_store_seconds``)."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not callable(attribute) or name.startswith("_") or name == "board_transaction":
            return attribute
        # Kept on the instance: the next call (appends run per update) finds it directly.
        timed = self._timed(name, attribute)
        setattr(self, name, timed)
        return timed

    def _timed(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1

        return call


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


#: One sample: (name suffix such as "_sum" or "", labels such as '{method="x"}' or "", value).
Sample = tuple[str, str, float]


def _family(name: str, kind: str, help_: str, samples: Iterable[Sample]) -> list[str]:
    lines = [f"# HELP {name} {help_}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{suffix}{labels} {value:.9g}" for suffix, labels, value in samples]
    return lines


def _one(value: float) -> list[Sample]:
    return [("", "", value)]


def _labelled(key: str, counts: dict[str, int]) -> list[Sample]:
    return [("", f'{{{key}="{_escape(label)}"}}', value) for label, value in sorted(counts.items())]


def _summary(key: str, seconds: dict[str, float], calls: dict[str, int]) -> list[Sample]:
    samples: list[Sample] = []
    for label in sorted(calls):
        labels = f'{{{key}="{_escape(label)}"}}'
        samples += [("_sum", labels, seconds[label]), ("_count", labels, calls[label])]
    return samples


def render(state: Any) -> str:
    rooms = state.rooms.loaded
    store = state.store
    bus = getattr(state, "bus", None)
    out: list[str] = []
    out += _family("partnerboard_up_seconds", "gauge", "Seconds since this node started.",
                   _one(time.time() - _STARTED))
    out += _family("partnerboard_rooms", "gauge", "Boards loaded on this node.", _one(len(rooms)))
    out += _family("partnerboard_connections", "gauge", "WebSocket connections on this node.",
                   _one(sum(len(room.peers) for room in rooms.values())))
    timed = isinstance(store, TimedStore)
    out += _family("partnerboard_updates_total", "counter",
                   "Document updates this node stored (rate() gives updates per second).",
                   _one(store.calls.get("append_update", 0) if timed else 0))
    if timed:
        out += _family("partnerboard_store_seconds", "summary",
                       "Time spent in store calls, by method.",
                       _summary("method", store.seconds, store.calls))
    out += _family("partnerboard_rejected_total", "counter",
                   "Frames and connections refused, by reason.", _labelled("reason", REJECTED))
    out += _family("partnerboard_limits_total", "counter", "Limits reached, by limit.",
                   _labelled("limit", LIMITS))
    out += _family("partnerboard_merged_updates_total", "counter",
                   "Client updates that arrived together and were applied as one.",
                   _one(MERGED["updates"]))
    out += _family("partnerboard_merged_runs_total", "counter",
                   "Updates applied in place of several that arrived together.",
                   _one(MERGED["runs"]))
    if bus is not None:
        out += _family("partnerboard_redis_connected", "gauge",
                       "1 while the node reads and publishes on Redis.",
                       _one(1 if bus.connected else 0))
        out += _family("partnerboard_redis_reader_ok", "gauge",
                       "1 while the node's reader of other nodes' entries runs and its last "
                       "round succeeded (0: retrying, e.g. the store failed during a catch-up).",
                       _one(1 if bus.reader_ok else 0))
        out += _family("partnerboard_redis_publish_seconds", "summary",
                       "Time of one pipelined XADD batch.",
                       [("_sum", "", bus.xadd_seconds), ("_count", "", bus.xadd_batches)])
        for name, value, help_ in (
            ("published", bus.published, "Stream entries published."),
            ("received", bus.received, "Stream entries from other nodes applied."),
            ("errors", bus.errors, "Failed Redis commands."),
            ("catch_ups", bus.catch_ups, "Boards caught up from the store after a gap."),
            ("reader_failures", bus.reader_failures,
             "Reader rounds that failed on something else than Redis (retried)."),
        ):
            out += _family(f"partnerboard_redis_{name}_total", "counter", help_, _one(value))
        out += _family("partnerboard_redis_rejected_entries_total", "counter",
                       "Stream entries from Redis not applied, by reason: unsealed (not sealed "
                       "by a node of this deployment), stale (an old entry added again), "
                       "replayed (heard before).", _labelled("reason", bus.rejected))
        out += _family("partnerboard_redis_gaps_total", "counter",
                       "Times another node's entries were missing from a stream (deleted, or "
                       "never published): the board was caught up from the store.",
                       _one(bus.gaps))
    return "\n".join(out) + "\n"


async def metrics(request: Request) -> PlainTextResponse:
    return PlainTextResponse(render(request.app.state),
                             media_type="text/plain; version=0.0.4; charset=utf-8")


routes = [Route("/metrics", metrics)]
