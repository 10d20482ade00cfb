"""One node against two (DESIGN.md section 11): fan-out p99 and server CPU, same load.

Setups, each with fresh processes: one node on SQLite (the default), one node on PostgreSQL and
Redis, and two nodes on PostgreSQL and Redis with the receivers alternating between them (as a
round-robin balancer would place them) and the writer on the first. The PostgreSQL database is
created for the run and dropped after it; Redis is a redis-server of the run's own.

Run ``.venv/bin/python tests/benchmarks/scaleout.py [--n 100,500] [--rate 20]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from cluster import RedisServer  # noqa: E402
from peers import PartnerboardServer, cpu_seconds  # noqa: E402
from pgutil import create_database, drop_database  # noqa: E402
from receivers import ReceiverPool  # noqa: E402
from stats import latency  # noqa: E402
from writers import Writers  # noqa: E402


class Node(PartnerboardServer):
    def __init__(self, database_url: str, redis_url: str) -> None:
        super().__init__()
        self.database_url = database_url
        self.redis_url = redis_url

    def command(self) -> tuple[list[str], dict[str, str]]:
        argv, env = super().command()
        return [*argv, "--database-url", self.database_url, "--redis-url", self.redis_url], env


async def fan_out(nodes: list[PartnerboardServer], receivers: int, rate: float,
                  duration: float) -> dict[str, float]:
    url = nodes[0].board()
    bases = [node.ws_base() for node in nodes]
    urls = [url.replace(bases[0], bases[i % len(nodes)], 1) for i in range(receivers)]
    writers = await Writers(url, 1, "none").open()
    pool = ReceiverPool(urls, 125, "none")
    try:
        await asyncio.to_thread(pool.wait_ready)
        sent, finals = await writers.send(rate, 1.0)  # warm-up
        await asyncio.to_thread(pool.collect, finals, 10)
        cpu0 = sum(cpu_seconds(node.pid) for node in nodes)
        started = time.monotonic()
        sent, finals = await writers.send(rate, duration)
        elapsed = time.monotonic() - started
        cpu = sum(cpu_seconds(node.pid) for node in nodes) - cpu0
        answers = await asyncio.to_thread(pool.collect, finals, 20)
        measured = latency(sent, pool.connected, answers)
        return {"p50": measured.p50, "p99": measured.p99, "delivered": measured.ratio_delivered,
                "cpu": 100 * cpu / elapsed}
    finally:
        await writers.close()
        await asyncio.to_thread(pool.close)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", default="100,500", help="receiver counts, comma-separated")
    parser.add_argument("--rate", type=float, default=20, help="edits per second")
    parser.add_argument("--duration", type=float, default=10, help="measured seconds")
    args = parser.parse_args()
    counts = [int(n) for n in args.n.split(",") if n]
    redis = RedisServer(Path(PartnerboardServer().tmp) / "redis").start()
    rows = []
    try:
        for setup, size in (("SQLite, 1 node", 0), ("PostgreSQL+Redis, 1 node", 1),
                            ("PostgreSQL+Redis, 2 nodes", 2)):
            for n in counts:
                database = create_database() if size else ""
                nodes: list[PartnerboardServer] = (
                    [Node(database, redis.url) for _ in range(size)] if size
                    else [PartnerboardServer()]
                )
                try:
                    for node in nodes:
                        node.start(timeout=90)
                    result = asyncio.run(fan_out(nodes, n, args.rate, args.duration))
                finally:
                    for node in nodes:
                        node.cleanup()
                    if database:
                        drop_database(database)
                rows.append((setup, n, result))
                print(setup, n, result, flush=True)
    finally:
        redis.kill()
    print("\n| setup | receivers | p50 ms | p99 ms | delivered | server CPU % "
          "(all nodes) |\n|---|---|---|---|---|---|")
    for setup, n, r in rows:
        print(f"| {setup} | {n} | {r['p50']:.1f} | {r['p99']:.1f} | {r['delivered']:.3f} "
              f"| {r['cpu']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
