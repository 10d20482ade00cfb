"""Resident memory per idle loaded room, and what is left once nobody has the boards open.

RSS (VmRSS) of the server with ``rooms`` boards loaded and idle, minus its RSS before any was
loaded, divided by ``rooms``. A room counts as loaded while a client holds it open (the pycrdt
room drops a room with its last client, partnerboard unloads it after an idle delay), so each
room has one idle connection and the figure includes that connection's cost, on every server.
"Idle" means nobody edited for ``idle_wait`` seconds (default 22: partnerboard keeps only the
stored snapshot of a board nobody edits for 15 s, checked every 5 s); every server waits as long.
Then the clients leave, and after ``left_wait`` seconds (partnerboard's benchmark server unloads
a room 1 s after its last client) the RSS above the baseline is measured again.
"""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass

import websockets
from edits import note
from peers import Server, rss_kib
from pycrdt import Doc, Map
from wire import Compression, connect_synced, roundtrip, sync_update

__all__ = ["Memory", "memory"]


@dataclass(frozen=True)
class Memory:
    baseline_kib: int
    loaded_kib: int
    rooms: int
    left_kib: int = 0

    @property
    def per_room_kib(self) -> float:
        return (self.loaded_kib - self.baseline_kib) / self.rooms

    @property
    def left_per_room_kib(self) -> float:
        """What each room still holds after its last client left."""
        return (self.left_kib - self.baseline_kib) / self.rooms


async def _fill(url: str, notes: int, compression: Compression) -> websockets.ClientConnection:
    """Open a board, add ``notes`` notes one update each, and wait until the server has them."""
    ws, _state = await connect_synced(url, compression)
    doc = Doc()
    elements = doc.get("elements", type=Map)
    updates: list[bytes] = []
    subscription = doc.observe(lambda event: updates.append(event.update))
    for i in range(notes):
        elements[f"m{i}"] = note(f"note {i}", i * 10, i * 10)
        await ws.send(sync_update(updates.pop()))
    doc.unobserve(subscription)
    await roundtrip(ws)
    return ws


async def _steady_rss(pid: int, wait: float = 2) -> int:
    await asyncio.sleep(wait)  # let the server finish what the last messages started
    samples = []
    for _ in range(5):
        samples.append(rss_kib(pid))
        await asyncio.sleep(0.2)
    return int(statistics.median(samples))


async def memory(server: Server, *, rooms: int, notes: int, compression: Compression,
                 idle_wait: float = 22, left_wait: float = 4) -> Memory:
    urls = [server.board() for _ in range(rooms + 1)]  # partnerboard: created, not loaded
    # One room loaded and closed first, so imports and first-use caches are in the baseline.
    warm = await _fill(urls.pop(), notes, compression)
    await warm.close()
    baseline = await _steady_rss(server.pid, left_wait)
    clients = [await _fill(url, notes, compression) for url in urls]
    loaded = await _steady_rss(server.pid, idle_wait)
    await asyncio.gather(*(ws.close() for ws in clients), return_exceptions=True)
    left = await _steady_rss(server.pid, left_wait)
    return Memory(baseline, loaded, rooms, left)
