"""One node against two (DESIGN.md section 11): fan-out p99, edits/s and server CPU, same load.

Setups, each with fresh processes: one node on SQLite (the default), one node on PostgreSQL and
Redis, and two nodes on PostgreSQL and Redis with writers and receivers alternating between them
(as a round-robin balancer places them); the board is made on the first. The PostgreSQL database
is created for each setup and dropped after it; Redis is a redis-server of the run's own.

Fan-out: one writer, ``--rate`` edits/s, N receivers (``fanout.fanout``). Edits/s: four writers
and the same N receivers, the rate raised until some receiver falls behind (``fanout.sustained``:
every edit delivered, p99 under 500 ms). The load generator shares the machine's cores with the
nodes, PostgreSQL and Redis: the figures compare setups on one machine, they are no capacity.

Run ``.venv/bin/python tests/benchmarks/scaleout.py [--n 500] [--rate 20]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from cluster import RedisServer  # noqa: E402
from fanout import fanout, sustained  # noqa: E402
from machine import wait_quiet  # noqa: E402
from peers import PartnerboardServer, Server  # noqa: E402
from pgutil import create_database, drop_database  # noqa: E402

#: Receivers per process: one asyncio process saturates near 300 connections here.
PER_PROCESS = 125
SETUPS = (("SQLite, 1 node", 0), ("PostgreSQL+Redis, 1 node", 1),
          ("PostgreSQL+Redis, 2 nodes", 2))


class Node(PartnerboardServer):
    def __init__(self, database_url: str, redis_url: str) -> None:
        super().__init__()
        self.database_url = database_url
        self.redis_url = redis_url

    def command(self) -> tuple[list[str], dict[str, str]]:
        argv, env = super().command()
        return [*argv, "--database-url", self.database_url, "--redis-url", self.redis_url], env


async def measure(nodes: list[Server], receivers: int, rate: float,
                  duration: float) -> dict[str, float]:
    fan = await fanout(nodes, receivers, rate=rate, duration=duration,
                       per_process=PER_PROCESS, compression="none")
    edits = await sustained(nodes, receivers=receivers, writers=4, first_rate=25,
                            step_seconds=3.0, p99_limit_ms=500, per_process=PER_PROCESS,
                            compression="none")
    steps = "; ".join(f"{offered:.0f}->{sent:.0f}/s p99 {lat.p99:.0f}ms "
                      f"{lat.ratio_delivered:.1%} cpu {cpu:.0f}%"
                      for offered, sent, lat, cpu in edits.steps)
    closed = "".join(f"; {message}" for message in edits.writer_closed)
    print(f"    edits/s steps: {steps}{closed}", file=sys.stderr, flush=True)
    return {"p50": fan.latency.p50, "p99": fan.latency.p99,
            "delivered": fan.latency.ratio_delivered, "cpu": fan.server_cpu,
            "other": fan.other_cpu, "edits": edits.rate}


def run_setup(size: int, redis_url: str, receivers: int, rate: float,
              duration: float) -> dict[str, float]:
    """Start the setup's nodes, measure, stop them (and drop the database)."""
    database = create_database() if size else ""
    nodes: list[Server] = ([Node(database, redis_url) for _ in range(size)] if size
                           else [PartnerboardServer()])
    try:
        for node in nodes:
            node.start(timeout=90)
        wait_quiet([node.pid for node in nodes])
        return asyncio.run(measure(nodes, receivers, rate, duration))
    finally:
        for node in nodes:
            node.cleanup()
        if database:
            drop_database(database)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", default="500", help="receiver counts, comma-separated")
    parser.add_argument("--rate", type=float, default=20, help="fan-out edits per second")
    parser.add_argument("--duration", type=float, default=10, help="measured fan-out seconds")
    args = parser.parse_args()
    counts = [int(n) for n in args.n.split(",") if n]
    redis = RedisServer(Path(PartnerboardServer().tmp) / "redis").start()
    rows = []
    load_before = os.getloadavg()
    started = time.monotonic()
    try:
        for n in counts:
            for setup, size in SETUPS:
                result = run_setup(size, redis.url, n, args.rate, args.duration)
                rows.append((setup, n, result))
                print(setup, n, {k: round(v, 2) for k, v in result.items()}, flush=True)
    finally:
        redis.kill()
    load_after = os.getloadavg()
    print(f"\nLoad average (1/5/15 min) before: {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f}, after: {load_after[0]:.2f} {load_after[1]:.2f} "
          f"{load_after[2]:.2f}; {time.monotonic() - started:.0f} s.")
    print(f"Fan-out: one writer, {args.rate:.0f} edits/s for {args.duration:.0f} s. Edits/s: "
          "four writers, the highest rate every receiver kept up with (p99 under 500 ms).\n")
    print("| setup | receivers | fan-out p50 ms | fan-out p99 ms | delivered | server CPU % "
          "(all nodes) | other CPU % (PostgreSQL, Redis, rest) | edits/s | p99 vs SQLite "
          "| edits/s vs SQLite |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for setup, n, r in rows:
        base = next(b for s, m, b in rows if m == n and s == SETUPS[0][0])
        print(f"| {setup} | {n} | {r['p50']:.1f} | {r['p99']:.1f} | {r['delivered']:.3f} "
              f"| {r['cpu']:.0f} | {r['other']:.0f} | {r['edits']:.0f} "
              f"| {r['p99'] / base['p99']:.2f}× | {r['edits'] / max(base['edits'], 1):.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
