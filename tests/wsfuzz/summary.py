"""The fuzz run's one-line summary (what `make fuzz` prints at the end)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wsfuzz.harness import FuzzRun

__all__ = ["summary_line"]


def summary_line(run: FuzzRun) -> str:
    stats = run.stats
    elapsed = max(time.monotonic() - stats.started, 1e-9)
    kinds = ", ".join(f"{name} {count}" for name, count in stats.inputs.most_common())
    closes = ", ".join(f"{code} {count}" for code, count in sorted(stats.closes.items()))
    return (f"inputs sent {stats.total} ({kinds}); connections {stats.connections}; "
            f"closes by code: {closes or 'none'}; process deaths {run.deaths}; "
            f"tracebacks {run.tracebacks}; witness changes {run.witness_changes}; "
            f"witness reconnects in facilitator rounds {run.witness_reconnects}; "
            f"findings {len(run.findings)}; {stats.total / elapsed:.0f} inputs/s "
            f"over {elapsed:.0f} s")
