"""The results table: our figures, the peers' figures from the same run, ratios and targets."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Row", "Results", "rows_for", "render"]

OURS, NODE, PYCRDT = "partnerboard", "node", "pycrdt"
HEADERS = {OURS: "partnerboard", NODE: "y-websocket 1.5.4 (Node)", PYCRDT: "pycrdt room"}

#: results[server][metric key] = value (NaN when not measured)
Results = dict[str, dict[str, float | str]]
Target = Callable[[float, float, float], bool]  # (ours, node, pycrdt) -> met?


@dataclass(frozen=True)
class Row:
    label: str
    key: str
    digits: int = 1
    target: str = ""
    check: Target | None = None


def _p99_target(ours: float, node: float, pycrdt: float) -> bool:
    # Issue 16: clearly faster than the reference server.
    return ours <= 0.7 * node and ours <= 0.3 * pycrdt


def rows_for(ns: list[int]) -> list[Row]:
    rows: list[Row] = []
    for n in ns:
        rows += [
            Row(f"fan-out N={n} p50 (ms)", f"fanout{n}.p50"),
            Row(f"fan-out N={n} p95 (ms)", f"fanout{n}.p95"),
            Row(f"fan-out N={n} p99 (ms)", f"fanout{n}.p99",
                target="<= 0.7x Node and <= 0.3x pycrdt", check=_p99_target),
            Row(f"fan-out N={n} max (ms)", f"fanout{n}.max"),
            Row(f"fan-out N={n} delivered/expected", f"fanout{n}.delivered", digits=4),
            Row(f"fan-out N={n} server CPU (% of a core)", f"fanout{n}.server_cpu", digits=0,
                target="<= Node" if n >= 500 else "",
                check=(lambda ours, node, _p: ours <= node) if n >= 500 else None),
            Row(f"fan-out N={n} generator CPU (% of a core)", f"fanout{n}.generator_cpu",
                digits=0),
            Row(f"fan-out N={n} other processes' CPU (% of a core)", f"fanout{n}.other_cpu",
                digits=0),
        ]
    rows += [
        Row("sustained edits/s (4 writers, 10 receivers)", "sustained.rate", digits=0,
            target=">= Node (ours stores each first)", check=lambda ours, node, _p: ours >= node),
        Row("cold load, 5,000 notes, median (ms)", "cold.median", target="<= Node",
            check=lambda ours, node, _p: ours <= node),
        Row("cold load, min..max (ms)", "cold.range"),
        Row("cold load from SQLite, median (ms)", "cold.from_store"),
        Row("5,000-note document (KiB)", "cold.kib", digits=0),
        Row("memory per idle loaded room (KiB)", "memory.per_room", digits=0,
            target="<= 50 KiB", check=lambda ours, _n, _p: ours <= 50),
        Row("memory per room after its clients left (KiB)", "memory.left_per_room", digits=0),
    ]
    return rows


def _fmt(value: float | str, digits: int) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def _ratio(ours: float, other: float) -> str:
    if any(isinstance(v, str) or v is None or math.isnan(v) for v in (ours, other)) or not other:
        return "-"
    return f"{ours / other:.2f}x"


def render(results: Results, rows: list[Row], servers: list[str]) -> str:
    """A Markdown table (readable as plain text too); a judged figure that was measured in
    several rounds is their median, each round in brackets."""
    columns = [HEADERS[s] for s in servers] + ["ours/Node", "ours/pycrdt", "target", "met"]
    lines = ["| metric | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for row in rows:
        values = {s: results.get(s, {}).get(row.key, math.nan) for s in servers}
        ours = values.get(OURS, math.nan)
        node = results.get(NODE, {}).get(row.key, math.nan)
        pycrdt = results.get(PYCRDT, {}).get(row.key, math.nan)
        met = ""
        if row.check is not None and not any(
            isinstance(v, str) or math.isnan(v) for v in (ours, node, pycrdt)
        ):
            met = "yes" if row.check(ours, node, pycrdt) else "**no**"
        cells = [_fmt(values[s], row.digits) for s in servers]
        if row.target:  # the figures the issue judges: each round beside the median
            cells = [cell + (f" ({results[s][row.key + '.rounds']})"
                             if row.key + ".rounds" in results.get(s, {}) else "")
                     for cell, s in zip(cells, servers, strict=True)]
        cells += [_ratio(ours, node), _ratio(ours, pycrdt), row.target, met]
        lines.append(f"| {row.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
