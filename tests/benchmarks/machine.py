"""The machine's other load: the benchmark shares its cores with whatever else runs.

Two cores leave no room for a neighbour: a test suite running at the same time moves
latencies by an order of magnitude. Before each measurement the run waits (under a deadline)
for the machine to be quiet, and each fan-out round reports how much CPU processes other than
the server and the generator used.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from peers import cpu_seconds

__all__ = ["busy_seconds", "wait_quiet"]

_TICK = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat, everything but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / _TICK


def wait_quiet(own_pids: list[int], limit: float = 15.0, deadline: float = 60.0) -> float:
    """Wait until other processes use under ``limit`` % of one core over a second.

    ``own_pids`` (the idle server) are not counted. Returns the last measured other load; after
    ``deadline`` seconds it gives up and the caller reports the load beside the figures.
    """
    give_up = time.monotonic() + deadline
    while True:
        own0, busy0, t0 = sum(map(cpu_seconds, own_pids)), busy_seconds(), time.monotonic()
        time.sleep(1.0)
        own1, busy1, t1 = sum(map(cpu_seconds, own_pids)), busy_seconds(), time.monotonic()
        other = 100 * ((busy1 - busy0) - (own1 - own0)) / (t1 - t0)
        if other < limit or time.monotonic() > give_up:
            return other
