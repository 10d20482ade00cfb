"""Receiver processes: many idle-but-listening clients, spread over several processes.

One asyncio process saturates near 300 connections on the 2-core benchmark machine, so the
receivers of one measurement are split over processes of ``per_process`` connections each.
Receivers connect and sync through asyncio, then read every socket with one plain epoll loop
and parse frames themselves (rawsocket.py), so that what the fan-out measures is the server,
not the receivers' own queueing. A receiver records
``(sequence number, time.monotonic())`` for every marked Update message, on arrival:
CLOCK_MONOTONIC is system-wide on Linux, so the writer's send times in the parent process
compare directly. Arrivals stay in the receiver process until the parent asks for them.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import select
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

    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals
        self.last: dict[int, int] = {}
        self.connection: RawClient | None = None
        self.open = False

    def arrived(self, now: float, message: bytes) -> None:
        seqs, times, last = self.arrivals.seqs, self.arrivals.times, self.last
        for found in MARKER.findall(message):
            seq = int(found)
            seqs.append(seq)
            times.append(now)
            writer = seq // WRITER_SPAN
            if seq > last.get(writer, -1):
                last[writer] = seq

    def caught_up(self, finals: dict[int, int]) -> bool:
        return not self.open or all(self.last.get(w, -1) >= s for w, s in finals.items())


async def _connect(urls: list[str], compression: Compression, arrivals: Arrivals
                   ) -> tuple[list[_Receiver], list[str]]:
    receivers: list[_Receiver] = []
    errors: list[str] = []
    gate = asyncio.Semaphore(16)  # a burst of handshakes would overflow the listen backlog

    async def join(url: str) -> None:
        receiver = _Receiver(arrivals)
        async with gate:
            try:
                receiver.connection = await open_raw(url, compression, receiver.arrived)
            except (OSError, TimeoutError) as error:
                errors.append(f"{type(error).__name__}: {error}")
                return
        receiver.open = True
        receivers.append(receiver)

    await asyncio.gather(*(join(url) for url in urls))
    return receivers, errors


def _listen(receivers: list[_Receiver], arrivals: Arrivals, pipe: Connection) -> None:
    """Read every connection with one epoll loop, no event loop in between, and answer the
    parent's commands. Each read goes straight to the connection's frame parser, which notes
    the arrival time first."""
    by_fd: dict[int, _Receiver] = {}
    poller = select.epoll()
    for receiver in receivers:
        connection = receiver.connection
        assert connection is not None and connection.transport is not None
        connection.transport.pause_reading()  # from now on read here, not by asyncio
        fd = connection.transport.get_extra_info("socket").fileno()
        by_fd[fd] = receiver
        poller.register(fd, select.EPOLLIN)
    pipe_fd = pipe.fileno()
    poller.register(pipe_fd, select.EPOLLIN)
    waiting: tuple[dict[int, int], float] | None = None  # (finals, deadline) of a collect
    while True:
        timeout = max(0.0, waiting[1] - time.monotonic()) if waiting else None
        for fd, _event in poller.poll(timeout):
            if fd == pipe_fd:
                command = pipe.recv()
                if command[0] == "stop":
                    poller.close()
                    return
                _, finals, seconds = command
                waiting = (finals, time.monotonic() + seconds)
                continue
            receiver = by_fd[fd]
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                receiver.connection.data_received(data)  # type: ignore[union-attr]
            else:
                receiver.open = False
                poller.unregister(fd)
        if waiting and (time.monotonic() >= waiting[1]
                        or all(r.caught_up(waiting[0]) for r in receivers)):
            waiting = None
            arrivals.open_connections = sum(r.open for r in receivers)
            arrivals.cpu_seconds = time.process_time()
            pipe.send(("data", arrivals))  # pickled here, so the arrays can be emptied in place
            del arrivals.seqs[:]
            del arrivals.times[:]


def _main(urls: list[str], compression: Compression, pipe: Connection) -> None:
    arrivals = Arrivals()
    # The loop is kept (not closed) while listening: it owns the connections' transports.
    loop = asyncio.new_event_loop()
    receivers, errors = loop.run_until_complete(_connect(urls, compression, arrivals))
    pipe.send(("ready", len(receivers), errors[:3]))
    _listen(receivers, arrivals, pipe)
    loop.run_until_complete(_close([r.connection for r in receivers
                                    if r.open and r.connection is not None]))
    loop.close()


async def _close(connections: list[RawClient]) -> None:
    """Close handshakes, read by asyncio again."""
    for connection in connections:
        if connection.transport is not None:
            connection.transport.resume_reading()
    await asyncio.gather(*(connection.close() for connection in connections),
                         return_exceptions=True)


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
