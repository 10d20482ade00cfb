"""Fan-out latency and sustained throughput: one board, writers, receivers in other processes.

Both measurements run the same loop: receivers connect and sync, writers connect, a warm-up
round is sent and thrown away, then the measured round; the parent notes every send time,
the receivers every arrival (see receivers.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from machine import busy_seconds
from peers import Server, cpu_seconds
from rawsocket import Closed
from receivers import ReceiverPool
from stats import Latency, latency
from wire import Compression
from writers import Writers

__all__ = ["FanoutResult", "SustainedResult", "fanout", "sustained"]


@dataclass(frozen=True)
class FanoutResult:
    receivers: int
    connected: int
    latency: Latency
    server_cpu: float  # percent of one core, during the measured round
    generator_cpu: float  # percent of one core, writer and receivers together
    other_cpu: float  # percent of one core used by every other process on the machine


@dataclass
class SustainedResult:
    rate: float = 0.0  # edits/s sent in the best step every receiver kept up with
    #: Steps in which the server closed a writer (each ended that step as failed).
    writer_closed: list[str] = field(default_factory=list)
    steps: list[tuple[float, float, Latency, float]] = field(default_factory=list)
    # (offered edits/s, edits/s actually sent, latency, server CPU %)


class _Round:
    """Receivers and writers on one board, ready to send rounds of edits.

    With several nodes (one shared store) the board is made on the first; writers and
    receivers alternate between the nodes, as a round-robin balancer would place them.
    """

    def __init__(self, servers: Sequence[Server], receivers: int, writers: int,
                 per_process: int, compression: Compression) -> None:
        self.servers = servers
        url = servers[0].board()
        self.urls = [url.replace(servers[0].ws_base(), node.ws_base(), 1) for node in servers]
        self.writers = Writers(self.urls, writers, compression)
        self.receivers = receivers
        self.per_process = per_process
        self.compression = compression
        self.generator_cpu = 0.0

    async def __aenter__(self) -> _Round:
        # Writers first: pycrdt-websocket's WebsocketServer loses all but one of several
        # clients that open a new room at the same moment, so the room must exist already.
        await self.writers.open()
        # Consecutive receivers alternate nodes, so every receiver process reads from each.
        urls = [self.urls[index % len(self.urls)] for index in range(self.receivers)]
        self.pool = ReceiverPool(urls, self.per_process, self.compression)
        await asyncio.to_thread(self.pool.wait_ready)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.writers.close()
        await asyncio.to_thread(self.pool.close)

    async def run(self, rate: float, duration: float, drain_timeout: float
                  ) -> tuple[Latency, float, float, float, float]:
        """One round: latency, edits/s actually sent, and CPU % of the server (all nodes), the
        generator and every other process, over the sending time."""
        def server_cpu() -> float:
            return sum(cpu_seconds(node.pid) for node in self.servers)

        plan = self.writers.plan(rate, duration)  # before the clocks start
        cpu0, own0, busy0 = server_cpu(), time.process_time(), busy_seconds()
        t0 = time.monotonic()
        sent, finals = await self.writers.send(plan, rate)
        t1 = time.monotonic()
        cpu1, own1, busy1 = server_cpu(), time.process_time(), busy_seconds()
        answers = await asyncio.to_thread(self.pool.collect, finals, drain_timeout)
        # Receivers report their CPU time at collect, slightly after t1: close enough.
        generator = sum(a.cpu_seconds for a in answers)
        generator_delta = generator - self.generator_cpu + (own1 - own0)
        self.generator_cpu = generator
        elapsed = t1 - t0
        server = cpu1 - cpu0
        return (
            latency(sent, self.pool.connected, answers),
            len(sent) / elapsed,
            100 * server / elapsed,
            100 * generator_delta / elapsed,
            100 * max(0.0, busy1 - busy0 - server - generator_delta) / elapsed,
        )


def _nodes(server: Server | Sequence[Server]) -> Sequence[Server]:
    return [server] if isinstance(server, Server) else server


async def fanout(server: Server | Sequence[Server], receivers: int, *, rate: float,
                 duration: float, per_process: int, compression: Compression) -> FanoutResult:
    """One writer sending ``rate`` edits/s to ``receivers`` clients of one board."""
    async with _Round(_nodes(server), receivers, 1, per_process, compression) as round_:
        await round_.run(rate, 1.0, drain_timeout=10)  # warm-up, thrown away
        measured, _rate, server_cpu, generator_cpu, other_cpu = await round_.run(
            rate, duration, drain_timeout=10
        )
        expected = receivers * round(rate * duration)
        # Receivers that never connected count as not delivered.
        result = Latency(measured.p50, measured.p95, measured.p99, measured.max,
                         measured.delivered, expected)
        return FanoutResult(receivers, round_.pool.connected, result, server_cpu, generator_cpu,
                            other_cpu)


async def sustained(server: Server | Sequence[Server], *, receivers: int, writers: int,
                    first_rate: float,
                    step_seconds: float, p99_limit_ms: float, per_process: int,
                    compression: Compression) -> SustainedResult:
    """Offer rising edit rates until the receivers stop keeping up, then narrow it down.

    A step passes when every edit reached every receiver, the p99 latency stayed under
    ``p99_limit_ms`` (a queue that keeps growing shows up there first) and the writers sent
    at least 90% of the offered rate (else the generator, not the server, is the limit). The
    rate doubles until a step fails, then four bisection steps refine it (to a sixteenth of the
    last doubling: two steps left both servers at 6,400/s, a tie the run could not break).
    The result is the rate actually sent in the best passing step.

    A server may close a writer that cannot keep up with what it is sent (partnerboard does,
    with 1013, where the reference server buffers without bound): that step fails like one
    over the latency limit, and the next step starts on a fresh board with fresh clients.
    """
    result = SustainedResult()
    nodes = _nodes(server)
    round_: _Round | None = None

    async def passes(rate: float) -> bool:
        nonlocal round_
        if round_ is None:
            round_ = await _Round(nodes, receivers, writers, per_process, compression).__aenter__()
            await round_.run(first_rate, 1.0, drain_timeout=10)  # warm-up, thrown away
        try:
            measured, achieved, server_cpu, _gen, _other = await round_.run(
                rate, step_seconds, drain_timeout=max(5.0, p99_limit_ms / 1000 * 3)
            )
        except Closed as closed:
            result.writer_closed.append(f"a writer was disconnected at {rate:.0f}/s: {closed}")
            broken, round_ = round_, None
            await broken.__aexit__(None, None, None)
            return False
        result.steps.append((rate, achieved, measured, server_cpu))
        ok = (measured.ratio_delivered >= 0.999 and measured.p99 <= p99_limit_ms
              and achieved >= 0.9 * rate)
        if ok:
            result.rate = max(result.rate, achieved)
        return ok

    try:
        low, high = 0.0, first_rate
        while await passes(high):
            low, high = high, high * 2
            if high > 100_000:
                return result
        for _ in range(4):
            middle = (low + high) / 2
            if await passes(middle):
                low = middle
            else:
                high = middle
    finally:
        if round_ is not None:
            await round_.__aexit__(None, None, None)
    return result
