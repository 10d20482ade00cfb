"""Soak, join burst and keep-alive HTTP latency (issue 16), ours beside the peers.

* Soak: ``--clients`` (1,000) clients over ``--boards`` (100) boards, each client moving its own
  note once a second (random phase) for ``--minutes`` (5), while receiving the others' edits.
  Clients are spread over processes, whole boards per process, so a send time and its arrivals
  are read on one clock in one process. Reported: errors (failed connects, closed connections,
  edits that did not reach every other client of the board), the latency p50/p99/max from send
  to each other client's arrival, and the server's RSS at the end of the first minute and at the
  end ("memory flat" is growth under 5%). The clients are lean (rawsocket.py): with the
  ``websockets`` library the generator's own queueing was most of both servers' p99.
* Join burst: ``--burst`` (200) clients connect to one board holding 200 notes at the same
  moment (from several processes); each one's time from opening the TCP connection to having
  the server's SyncStep2. Reported: how many synced, p50/p99/max.
* Keep-alive HTTP: 200 sequential requests on one kept-alive connection (GET /healthz for ours,
  GET / for the peers, whatever they answer); p50/p99 in ms (issue 16: under 5 ms, TCP_NODELAY).

The load generator shares the machine's cores with the server; the machine's load average is
printed with the table. ``--minutes 1`` is the shorter option for trying.

    .venv/bin/python tests/benchmarks/soak.py [--minutes 5] [--servers partnerboard,node]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import websockets  # noqa: E402
from edits import note  # noqa: E402
from peers import SERVERS, Server, cpu_seconds, rss_kib  # noqa: E402
from pycrdt import Doc, Map  # noqa: E402
from rawsocket import Closed, RawClient, masked_frame, open_raw  # noqa: E402
from stats import percentile  # noqa: E402
from wire import MARKER, connect_synced, marker, roundtrip, sync_update  # noqa: E402

#: Marker numbers: client index within its board * SPAN + its edit count.
SPAN = 1_000_000


# -- soak -------------------------------------------------------------------------------------


class _Client:
    """One soak client: a lean connection (rawsocket.py) and its own note to move."""

    def __init__(self, board: int, index: int) -> None:
        self.board, self.index = board, index
        self.conn: RawClient | None = None
        self.doc = Doc()
        self.elements = self.doc.get("elements", type=Map)
        self.updates: list[bytes] = []
        self.doc.observe(lambda event: self.updates.append(event.update))
        self.k = 0
        self.note: Map | None = None

    def edit(self) -> tuple[int, bytes]:
        seq = self.index * SPAN + self.k
        with self.doc.transaction():
            if self.note is None:
                key = f"b{self.board}c{self.index}"
                self.elements[key] = note(f"soak {marker(seq)}", self.index * 170.0, 40.0)
                self.note = self.elements[key]
            else:
                self.note["x"] = float(self.k % 900)
                self.note["rev"] = marker(seq)
        self.k += 1
        return seq, masked_frame(0x2, sync_update(self.updates.pop()))


async def _soak_process(urls: list[list[str]], seconds: float, pipe: Connection) -> None:
    """Boards in this process: urls[board] = one URL per client of that board."""
    sent: list[dict[int, float]] = [{} for _ in urls]  # per board: seq -> send time
    latencies: list[float] = []
    arrivals = [0]
    errors: list[str] = []
    gate = asyncio.Semaphore(16)
    clients: list[_Client] = []

    def arrived(board: int, now: float, message: bytes) -> None:
        times = sent[board]
        for found in MARKER.findall(message):
            at = times.get(int(found))
            if at is not None:
                latencies.append((now - at) * 1000)
                arrivals[0] += 1

    def lost(client: _Client) -> None:
        if running and client.conn is not None:
            errors.append(f"closed: {client.conn.close_code} {client.conn.close_reason}")

    async def join(board: int, index: int, url: str) -> None:
        client = _Client(board, index)
        async with gate:
            try:
                client.conn = await open_raw(
                    url, "none", lambda now, message: arrived(board, now, message))
            except (OSError, TimeoutError) as error:
                errors.append(f"connect: {type(error).__name__}: {error}")
                return
        client.conn.closed.add_done_callback(lambda _: lost(client))
        clients.append(client)

    running = True
    await asyncio.gather(*(join(b, i, url) for b, board in enumerate(urls)
                           for i, url in enumerate(board)))

    async def write(client: _Client, until: float) -> None:
        await asyncio.sleep(random.random())
        next_at = time.monotonic()
        try:
            while next_at < until:
                seq, frame = client.edit()
                sent[client.board][seq] = time.monotonic()
                client.conn.write(frame)  # type: ignore[union-attr]
                next_at += 1.0
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        except Closed as closed:
            errors.append(f"send: {closed}")

    pipe.send(("ready", len(clients), errors[:3]))
    pipe.recv()  # go
    until = time.monotonic() + seconds
    await asyncio.gather(*(write(client, until) for client in clients))
    await asyncio.sleep(3)  # the last edits arrive
    running = False
    per_board = [sum(1 for c in clients if c.board == b) for b in range(len(urls))]
    expected = sum(len(sent[b]) * (per_board[b] - 1) for b in range(len(urls)))
    await asyncio.gather(*(c.conn.close() for c in clients if c.conn), return_exceptions=True)
    pipe.send(("done", latencies, arrivals[0], expected, errors, time.process_time()))


def _soak_main(urls: list[list[str]], seconds: float, pipe: Connection) -> None:
    asyncio.run(_soak_process(urls, seconds, pipe))


def start_clients(server: Server, clients: int, boards: int, seconds: float, processes: int
                  ) -> tuple[list[Connection], list[mp.Process], int, list[str]]:
    """Soak clients on new boards, whole boards per process, connected and waiting for "go"
    (then they edit for ``seconds``): their pipes and processes, how many connected, and
    the errors of those that did not."""
    per_board = clients // boards
    urls = [[url] * per_board for url in (server.board() for _ in range(boards))]
    context = mp.get_context("spawn")
    pipes, procs = [], []
    for part in range(processes):
        parent, child = context.Pipe()
        mine = urls[part::processes]
        proc = context.Process(target=_soak_main, args=(mine, seconds, child), daemon=True)
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    connected, errors = 0, []
    for pipe in pipes:
        if not pipe.poll(300):
            raise RuntimeError("soak clients did not connect in time")
        _, count, errs = pipe.recv()
        connected += count
        errors += errs
    return pipes, procs, connected, errors


def soak(server: Server, clients: int, boards: int, minutes: float,
         processes: int) -> dict[str, float | str]:
    pipes, procs, connected, errors = start_clients(server, clients, boards, minutes * 60,
                                                    processes)
    for pipe in pipes:
        pipe.send("go")
    started = time.monotonic()
    cpu0 = cpu_seconds(server.pid)
    samples: list[tuple[float, int]] = []
    while time.monotonic() - started < minutes * 60 + 1:
        samples.append((time.monotonic() - started, rss_kib(server.pid)))
        time.sleep(5)
    server_cpu = 100 * (cpu_seconds(server.pid) - cpu0) / (time.monotonic() - started)
    latencies: list[float] = []
    arrived = expected = 0
    for pipe in pipes:
        if not pipe.poll(120):
            raise RuntimeError("a soak process stopped answering")
        _, lat, got, want, errs, _cpu = pipe.recv()
        latencies += lat
        arrived += got
        expected += want
        errors += errs
    for proc in procs:
        proc.join(10)
    latencies.sort()
    # "After the first minute" (or the first fifth of a shorter soak): rooms are loaded by then.
    settled = min(60.0, minutes * 12)
    first = [kib for at, kib in samples if settled <= at <= settled + 15] or [samples[0][1]]
    last = [kib for at, kib in samples[-3:]]
    rss_first, rss_last = statistics.median(first), statistics.median(last)
    missing = max(0, expected - arrived)
    return {
        "soak.clients": connected, "soak.errors": len(errors) + missing,
        "soak.missing": missing, "soak.p50": percentile(latencies, 50),
        "soak.p99": percentile(latencies, 99), "soak.max": latencies[-1] if latencies else 0.0,
        "soak.rss_first": rss_first / 1024, "soak.rss_last": rss_last / 1024,
        "soak.growth": 100 * (rss_last - rss_first) / rss_first, "soak.server_cpu": server_cpu,
        "soak.first_errors": "; ".join(errors[:3]),
    }


# -- join burst -------------------------------------------------------------------------------


async def _burst_process(url: str, count: int, at: float, pipe: Connection) -> None:
    await asyncio.sleep(max(0.0, at - time.time()))

    async def one() -> float | None:
        started = time.monotonic()
        try:
            ws, _ = await connect_synced(url, "none", handshake_seconds=60)
        except (OSError, TimeoutError, websockets.WebSocketException):
            return None
        took = (time.monotonic() - started) * 1000
        with contextlib.suppress(Exception):
            await ws.close()
        return took

    times = await asyncio.gather(*(one() for _ in range(count)))
    pipe.send(times)


def _burst_main(url: str, count: int, at: float, pipe: Connection) -> None:
    asyncio.run(_burst_process(url, count, at, pipe))


async def _fill(url: str, notes: int) -> websockets.ClientConnection:
    """A board with ``notes`` notes, and the connection that filled it (kept open during the
    burst: pycrdt's stock server drops a room with its last client, then loses all but one of
    several clients that open it at the same moment)."""
    ws, _ = await connect_synced(url, "none")
    doc = Doc()
    elements = doc.get("elements", type=Map)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    for i in range(notes):
        elements[f"j{i}"] = note(f"note {i}", i % 40 * 30.0, i // 40 * 30.0)
        await ws.send(sync_update(updates.pop()))
    await roundtrip(ws)
    return ws


def burst(server: Server, clients: int, processes: int) -> dict[str, float | str]:
    url = server.board()
    loop = asyncio.new_event_loop()
    holder = loop.run_until_complete(_fill(url, 200))
    context = mp.get_context("spawn")
    at = time.time() + 3  # every process is up by then
    pipes, procs = [], []
    for part in range(processes):
        parent, child = context.Pipe()
        count = clients // processes + (1 if part < clients % processes else 0)
        proc = context.Process(target=_burst_main, args=(url, count, at, child), daemon=True)
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    times: list[float | None] = []
    for pipe in pipes:
        if not pipe.poll(120):
            raise RuntimeError("burst clients did not finish in time")
        times += pipe.recv()
    for proc in procs:
        proc.join(10)
    loop.run_until_complete(holder.close())
    loop.close()
    synced = sorted(t for t in times if t is not None)
    return {"burst.synced": len(synced), "burst.clients": clients,
            "burst.p50": percentile(synced, 50), "burst.p99": percentile(synced, 99),
            "burst.max": synced[-1] if synced else 0.0}


# -- keep-alive HTTP --------------------------------------------------------------------------


def keepalive(server: Server, requests: int = 200) -> dict[str, float | str]:
    host, port = server.url.removeprefix("http://").split(":")
    path = "/healthz" if server.name == "partnerboard" else "/"
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    times = []
    try:
        for _ in range(requests + 10):
            started = time.perf_counter()
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            times.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    times = sorted(times[10:])
    return {"http.p50": percentile(times, 50), "http.p99": percentile(times, 99)}


# -- the run ----------------------------------------------------------------------------------


ROWS = [
    ("soak: clients connected", "soak.clients", 0),
    ("soak: errors (failed, closed, edits not delivered)", "soak.errors", 0),
    ("soak: latency p50 (ms)", "soak.p50", 1),
    ("soak: latency p99 (ms)", "soak.p99", 1),
    ("soak: latency max (ms)", "soak.max", 1),
    ("soak: server RSS after 1 min (MiB)", "soak.rss_first", 1),
    ("soak: server RSS at the end (MiB)", "soak.rss_last", 1),
    ("soak: RSS growth (%, target < 5)", "soak.growth", 1),
    ("soak: server CPU (% of a core)", "soak.server_cpu", 0),
    ("join burst: clients synced", "burst.synced", 0),
    ("join burst: time to synced p50 (ms)", "burst.p50", 1),
    ("join burst: time to synced p99 (ms)", "burst.p99", 1),
    ("join burst: time to synced max (ms)", "burst.max", 1),
    ("keep-alive HTTP p50 (ms)", "http.p50", 2),
    ("keep-alive HTTP p99 (ms, target < 5)", "http.p99", 2),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default="partnerboard,node,pycrdt")
    parser.add_argument("--only", default="soak,burst,http")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--boards", type=int, default=100)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "soak.md")
    args = parser.parse_args(argv)
    names = [n for n in args.servers.split(",") if n]
    only = set(args.only.split(","))
    results: dict[str, dict[str, float | str]] = {n: {} for n in names}
    for name in names:
        SERVERS[name]().prepare()
    plan = [("http", lambda s: keepalive(s)),
            ("burst", lambda s: burst(s, args.burst, args.processes)),
            ("soak", lambda s: soak(s, args.clients, args.boards, args.minutes, args.processes))]
    for what, measure in plan:
        if what not in only:
            continue
        for name in names:
            server = SERVERS[name]()
            try:
                server.start()
                values = measure(server)
            except (RuntimeError, OSError, TimeoutError) as error:
                print(f"  {what:6} {server.label:22} FAILED: {error}", file=sys.stderr)
                continue
            finally:
                server.cleanup()
            results[name].update(values)
            shown = ", ".join(f"{k.split('.')[1]}={v:.1f}" if isinstance(v, float)
                              else f"{k.split('.')[1]}={v}" for k, v in values.items())
            print(f"  {what:6} {server.label:22} {shown}", file=sys.stderr, flush=True)
    labels = [SERVERS[n].label for n in names]
    lines = [f"Soak {args.clients} clients over {args.boards} boards, 1 edit/s each, "
             f"{args.minutes:g} min; join burst {args.burst} clients; load average at the end "
             f"{os.getloadavg()[0]:.1f} (the generator shares the 2 cores).", "",
             "| metric | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for label, key, digits in ROWS:
        cells = []
        for name in names:
            value = results[name].get(key)
            cells.append("-" if value is None else
                         f"{value:,.{digits}f}" if isinstance(value, float | int) else str(value))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for name in names:
        first = results[name].get("soak.first_errors")
        if first:
            lines.append(f"\n{SERVERS[name].label}, first errors: {first}")
    text = "\n".join(lines)
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# partnerboard soak\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
