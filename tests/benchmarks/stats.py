"""Latency statistics from send times and arrivals."""

from __future__ import annotations

import math
from dataclasses import dataclass

from receivers import Arrivals

__all__ = ["Latency", "latency", "percentile"]


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (``q`` in 0..100)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Latency:
    """Fan-out latency in milliseconds over every (edit, receiver) pair that arrived."""

    p50: float
    p95: float
    p99: float
    max: float
    delivered: int
    expected: int

    @property
    def ratio_delivered(self) -> float:
        return self.delivered / self.expected if self.expected else math.nan


def latency(sent: dict[int, float], receivers: int, answers: list[Arrivals]) -> Latency:
    values: list[float] = []
    for arrivals in answers:
        for seq, arrived in zip(arrivals.seqs, arrivals.times, strict=True):
            at = sent.get(seq)
            if at is not None:
                values.append((arrived - at) * 1000)
    values.sort()
    return Latency(
        p50=percentile(values, 50),
        p95=percentile(values, 95),
        p99=percentile(values, 99),
        max=values[-1] if values else math.nan,
        delivered=len(values),
        expected=receivers * len(sent),
    )
