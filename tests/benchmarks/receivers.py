"""Receiver processes: many idle-but-listening clients, spread over several processes.

One asyncio process saturates near 300 connections on the 2-core benchmark machine, so the
receivers of one measurement are split over processes of ``per_process`` connections each.
Receivers read frames off the socket themselves (rawsocket.py), so that what the fan-out
measures is the server, not the receivers' own queueing. A receiver records
``(sequence number, time.monotonic())`` for every marked Update message, on arrival:
CLOCK_MONOTONIC is system-wide on Linux, so the writer's send times in the parent process
compare directly. Arrivals stay in the receiver process until the parent asks for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import time
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from edits import WRITER_SPAN
from rawsocket import RawClient, open_raw
from wire import MARKER, Compression

__all__ = ["ReceiverPool", "Arrivals"]


@dataclass
class Arrivals:
    """What the receivers saw since the last collect."""

    seqs: array = field(default_factory=lambda: array("q"))
    times: array = field(default_factory=lambda: array("d"))
    open_connections: int = 0
    cpu_seconds: float = 0.0


class _Receiver:
    """Notes the arrival of every marked edit on one connection."""

    def __init__(self, arrivals: Arrivals, progress: asyncio.Event) -> None:
        self.arrivals = arrivals
        self.progress = progress
        self.last: dict[int, int] = {}
        self.connection: RawClient | None = None

    def arrived(self, now: float, message: bytes) -> None:
        seqs, times, last = self.arrivals.seqs, self.arrivals.times, self.last
        for found in MARKER.findall(message):
            seq = int(found)
            seqs.append(seq)
            times.append(now)
            writer = seq // WRITER_SPAN
            if seq > last.get(writer, -1):
                last[writer] = seq
        self.progress.set()

    @property
    def open(self) -> bool:
        return self.connection is not None and not self.connection.closed.done()

    def caught_up(self, finals: dict[int, int]) -> bool:
        return not self.open or all(self.last.get(w, -1) >= s for w, s in finals.items())


async def _serve(urls: list[str], compression: Compression, pipe: Connection) -> None:
    arrivals = Arrivals()
    progress = asyncio.Event()
    receivers: list[_Receiver] = []
    errors: list[str] = []
    gate = asyncio.Semaphore(16)  # a burst of handshakes would overflow the listen backlog

    async def join(url: str) -> None:
        receiver = _Receiver(arrivals, progress)
        async with gate:
            try:
                receiver.connection = await open_raw(url, compression, receiver.arrived)
            except (OSError, TimeoutError) as error:
                errors.append(f"{type(error).__name__}: {error}")
                return
        receivers.append(receiver)
        receiver.connection.closed.add_done_callback(lambda _: progress.set())

    await asyncio.gather(*(join(url) for url in urls))
    pipe.send(("ready", len(receivers), errors[:3]))
    commands: asyncio.Queue[tuple] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    loop.add_reader(pipe.fileno(), lambda: commands.put_nowait(pipe.recv()))
    while True:
        command = await commands.get()
        if command[0] == "stop":
            break
        _, finals, timeout = command
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not all(r.caught_up(finals) for r in receivers):
                    progress.clear()
                    await progress.wait()
        arrivals.open_connections = sum(r.open for r in receivers)
        arrivals.cpu_seconds = time.process_time()
        pipe.send(("data", arrivals))  # pickled here, so the arrays can be emptied in place
        del arrivals.seqs[:]
        del arrivals.times[:]
    loop.remove_reader(pipe.fileno())
    await asyncio.gather(*(r.connection.close() for r in receivers if r.connection),
                         return_exceptions=True)


def _main(urls: list[str], compression: Compression, pipe: Connection) -> None:
    asyncio.run(_serve(urls, compression, pipe))


class ReceiverPool:
    """``len(urls)`` receivers in processes of at most ``per_process`` connections."""

    def __init__(self, urls: list[str], per_process: int, compression: Compression) -> None:
        context = mp.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes: list[mp.process.BaseProcess] = []
        for start in range(0, len(urls), per_process):
            parent, child = context.Pipe()
            process = context.Process(
                target=_main, args=(urls[start : start + per_process], compression, child),
                daemon=True,
            )
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)
        self.connected = 0
        self.errors: list[str] = []

    def wait_ready(self, timeout: float = 120) -> int:
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise RuntimeError("receivers did not connect in time")
            _, count, errors = pipe.recv()
            self.connected += count
            self.errors += errors
        return self.connected

    def collect(self, finals: dict[int, int], timeout: float) -> list[Arrivals]:
        """Arrivals since the last collect, once every receiver saw ``finals`` (or timeout)."""
        for pipe in self.pipes:
            pipe.send(("collect", finals, timeout))
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(timeout + 30):
                raise RuntimeError("a receiver process stopped answering")
            answers.append(pipe.recv()[1])
        return answers

    def close(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(("stop",))
            except (BrokenPipeError, OSError):
                pass
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.kill()
