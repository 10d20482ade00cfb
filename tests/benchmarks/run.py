"""partnerboard's benchmark (issue 2): our server beside y-websocket's Node server and pycrdt's
stock room, all started here on loopback, measured in one run (DESIGN.md section 12).

Measures fan-out latency from one writer to N receivers, sustained edits/s, the cold load of a
5,000-note board and the memory of an idle loaded room; prints a table with the ratios to the
peers and writes it to tests/benchmarks/out/results.md. Every server gets a fresh process for
every measurement. The load generator runs on the same machine and shares its cores with the
server under test; the table reports its CPU use beside the server's.

Run ``make bench`` or ``.venv/bin/python tests/benchmarks/run.py --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from coldload import cold_load
from fanout import fanout, sustained
from machine import wait_quiet
from memory import memory
from peers import SERVERS, Server
from report import Results, render, rows_for

HERE = Path(__file__).resolve().parent
Measure = Callable[[Server], Awaitable[dict[str, float | str]]]


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="run.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true",
                        help="N=10,100, shorter rounds, one round (about 3 minutes)")
    parser.add_argument("--n", type=_ints, default=None,
                        help="receiver counts for fan-out, comma-separated (default 100,300,500)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds per figure, the table gives each figure's median "
                             "(default 3, quick 1)")
    parser.add_argument("--servers", default="partnerboard,node,pycrdt",
                        help="which servers, comma-separated")
    parser.add_argument("--only", default="fanout,sustained,cold,memory",
                        help="which measurements, comma-separated")
    parser.add_argument("--rate", type=float, default=20, help="fan-out edits per second")
    parser.add_argument("--duration", type=float, default=None,
                        help="measured seconds per fan-out round (default 10, quick 4)")
    parser.add_argument("--per-process", type=int, default=125,
                        help="receiver connections per client process")
    parser.add_argument("--compression", choices=["deflate", "none"], default="deflate",
                        help="clients offer permessage-deflate as browsers do, or not")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "results.md",
                        help="where to write the Markdown table")
    args = parser.parse_args(argv)
    args.n = args.n or ([10, 100] if args.quick else [100, 300, 500])
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.duration = args.duration or (4.0 if args.quick else 10.0)
    args.servers = [name for name in args.servers.split(",") if name]
    unknown = set(args.servers) - set(SERVERS)
    if unknown:
        parser.error(f"unknown server {', '.join(unknown)}: choose from {', '.join(SERVERS)}")
    args.only = set(args.only.split(","))
    return args


def measurements(args: argparse.Namespace) -> list[tuple[str, Measure]]:
    """(name, coroutine per server) in the order they run."""
    plan: list[tuple[str, Measure]] = []
    compression = args.compression

    def fan(n: int) -> Measure:
        async def measure(server: Server) -> dict[str, float | str]:
            r = await fanout(server, n, rate=args.rate, duration=args.duration,
                             per_process=args.per_process, compression=compression)
            lat = r.latency
            return {f"fanout{n}.{k}": v for k, v in {
                "p50": lat.p50, "p95": lat.p95, "p99": lat.p99, "max": lat.max,
                "delivered": lat.ratio_delivered, "server_cpu": r.server_cpu,
                "generator_cpu": r.generator_cpu, "other_cpu": r.other_cpu,
            }.items()}
        return measure

    async def sustain(server: Server) -> dict[str, float | str]:
        # Two receiver processes, so the generator can use both cores.
        r = await sustained(server, receivers=10, writers=4, first_rate=200,
                            step_seconds=1.5 if args.quick else 3.0, p99_limit_ms=500,
                            per_process=5, compression=compression)
        steps = "; ".join(
            f"{offered:.0f}->{sent:.0f}/s p99 {lat.p99:.0f}ms {lat.ratio_delivered:.1%} "
            f"cpu {cpu:.0f}%" for offered, sent, lat, cpu in r.steps
        ) + "".join(f"; {closed}" for closed in r.writer_closed)
        print(f"    steps: {steps}", file=sys.stderr)
        return {"sustained.rate": r.rate, "sustained.steps": steps}

    async def cold(server: Server) -> dict[str, float | str]:
        r = await cold_load(server, notes=5000, repeats=3 if args.quick else 7,
                            compression=compression)
        return {"cold.median": r.median_ms, "cold.range": f"{r.min_ms:.1f}..{r.max_ms:.1f}",
                "cold.kib": r.document_bytes / 1024,
                "cold.from_store": r.from_store_ms if r.from_store_ms is not None else math.nan}

    async def mem(server: Server) -> dict[str, float | str]:
        r = await memory(server, rooms=100, notes=20, compression=compression)
        return {"memory.per_room": r.per_room_kib, "memory.baseline": r.baseline_kib,
                "memory.left_per_room": r.left_per_room_kib}

    if "fanout" in args.only:
        plan += [(f"fan-out N={n}", fan(n)) for n in args.n]
    if "sustained" in args.only:
        plan.append(("sustained edits/s", sustain))
    if "cold" in args.only:
        plan.append(("cold load", cold))
    if "memory" in args.only:
        plan.append(("memory", mem))
    return plan


def _summary(values: dict[str, float | str]) -> str:
    return ", ".join(
        f"{k.split('.', 1)[1]}={v:.1f}" if isinstance(v, float) else f"{k.split('.', 1)[1]}={v}"
        for k, v in values.items() if not k.endswith(".steps")
    )


def median_of_rounds(rounds: list[dict[str, float | str]]) -> dict[str, float | str]:
    """Each figure's median over the rounds that measured it; text (the sustained steps) is
    kept per round."""
    keys = dict.fromkeys(key for values in rounds for key in values)
    merged: dict[str, float | str] = {}
    for key in keys:
        seen = [values[key] for values in rounds if key in values]
        if all(isinstance(value, float | int) for value in seen):
            merged[key] = float(statistics.median(seen))
            if len(seen) > 1:
                merged[key + ".rounds"] = " / ".join(f"{value:.1f}" for value in seen)
        else:
            merged[key] = " // ".join(str(value) for value in seen)
    return merged


async def run(args: argparse.Namespace) -> Results:
    rounds: dict[str, list[dict[str, float | str]]] = {name: [] for name in args.servers}
    for name in args.servers:
        SERVERS[name]().prepare()
    for round_number in range(args.rounds):
        if args.rounds > 1:
            print(f"round {round_number + 1} of {args.rounds}", file=sys.stderr, flush=True)
        for name in args.servers:
            rounds[name].append({})
        await _one_round(args, rounds)
    return {name: median_of_rounds(values) for name, values in rounds.items()}


async def _one_round(args: argparse.Namespace,
                     rounds: dict[str, list[dict[str, float | str]]]) -> None:
    for title, measure in measurements(args):
        # Servers take turns within each measurement, so drift on the machine hits them alike.
        for name in args.servers:
            server = SERVERS[name]()
            started = time.monotonic()
            try:
                server.start()
                other = await asyncio.to_thread(wait_quiet, [server.pid])
                if other >= 15:
                    print(f"  warning: other processes use {other:.0f}% of a core; figures of "
                          f"{server.label} are disturbed", file=sys.stderr)
                values = await measure(server)
            except (RuntimeError, OSError, TimeoutError) as error:
                # A peer that falls over is a finding, not a reason to lose the whole run.
                print(f"  {title:<18} {server.label:<26} FAILED: {error}", file=sys.stderr)
                continue
            finally:
                server.cleanup()
            rounds[name][-1].update(values)
            print(f"  {title:<18} {server.label:<26} {_summary(values)} "
                  f"({time.monotonic() - started:.0f}s)", file=sys.stderr, flush=True)


def _context(args: argparse.Namespace, seconds: float) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE).stdout.strip()
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    return (
        f"partnerboard {commit}, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores "
        f"({cpu}), Python {platform.python_version()}, run took {seconds:.0f}s.\n\n"
        f"The load generator (one writer process, receivers in processes of "
        f"{args.per_process} connections) runs on the same {os.cpu_count()} cores as the "
        f"server under test; before each measurement the run waits (up to 60 s) until other "
        f"processes use under 15% of a core, and each fan-out round reports their CPU use. "
        f"{args.rounds} round(s): every server is measured once per round, each figure is "
        f"the median of the rounds (a judged figure lists its rounds in brackets). "
        f"Fan-out: one writer, {args.rate:.0f} edits/s (a new note or a "
        f"moved note), {args.duration:.0f} s measured after 1 s of warm-up; latency is the "
        f"writer's send to each receiver's arrival (CLOCK_MONOTONIC). Clients "
        f"{'offer permessage-deflate, as browsers do' if args.compression == 'deflate' else 'do not offer compression'}"  # noqa: E501
        f". Sustained: highest offered rate (doubling from 200/s, then four bisections, "
        f"{1.5 if args.quick else 3:.1f} s steps) at which all 10 receivers got every edit "
        f"with p99 under 500 ms. Cold load: connect to SyncStep2 received. Memory: VmRSS with "
        f"100 rooms of 20 notes loaded and idle (one idle client each) minus VmRSS before.\n"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    results = asyncio.run(run(args))
    table = render(results, rows_for(args.n), args.servers)
    text = _context(args, time.monotonic() - started) + "\n" + table + "\n"
    steps = [f"- {SERVERS[name].label}: {results[name]['sustained.steps']}"
             for name in args.servers if "sustained.steps" in results[name]]
    if steps:
        text += ("\nSustained steps (offered->sent edits/s, p99, delivered, server CPU):\n\n"
                 + "\n".join(steps) + "\n")
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# partnerboard benchmark\n\n" + text)
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
