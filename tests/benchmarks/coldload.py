"""Cold load: a fresh client's full sync of a board holding 5,000 notes.

The clock runs from opening the connection to receiving the server's SyncStep2 (the whole
document); applying it to the client's own document is the same work for every server and is
left out. A seeding client stays connected, so every server answers from a loaded room (the
pycrdt room drops a room with its last client). partnerboard can also load a board from
SQLite: that figure is measured separately, after letting the room unload.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

from edits import note
from peers import PartnerboardServer, Server
from pycrdt import Doc, Map
from wire import Compression, connect_synced, roundtrip, sync_update

__all__ = ["ColdLoad", "cold_load"]

BATCH = 100  # notes per update while seeding, so no frame comes near a 1 MiB limit


@dataclass(frozen=True)
class ColdLoad:
    median_ms: float
    min_ms: float
    max_ms: float
    document_bytes: int
    from_store_ms: float | None = None  # partnerboard only: room loaded from SQLite first


async def _timed_load(url: str, compression: Compression) -> tuple[float, bytes]:
    start = time.monotonic()
    ws, state = await connect_synced(url, compression)
    elapsed = (time.monotonic() - start) * 1000
    await ws.close()
    return elapsed, state


def _count_notes(state: bytes) -> int:
    doc = Doc()
    doc.apply_update(state)
    elements = doc.get("elements", type=Map)
    # By key, not by a value the server may stamp (the author of a participant's note).
    return sum(1 for key in elements.keys() if key.startswith("seed"))


async def cold_load(server: Server, *, notes: int, repeats: int,
                    compression: Compression) -> ColdLoad:
    url = server.board()
    seeder, _state = await connect_synced(url, compression)
    doc = Doc()
    elements = doc.get("elements", type=Map)
    updates: list[bytes] = []
    subscription = doc.observe(lambda event: updates.append(event.update))
    for start in range(0, notes, BATCH):
        with doc.transaction():
            for i in range(start, min(notes, start + BATCH)):
                elements[f"seed{i}"] = note(f"note {i}: an idea for the partnership", i % 70 * 20,
                                            i // 70 * 20)
        await seeder.send(sync_update(updates.pop()))
    doc.unobserve(subscription)
    await roundtrip(seeder)
    # The first full load doubles as the check that the server holds every note.
    _elapsed, state = await _timed_load(url, compression)
    if (found := _count_notes(state)) != notes:
        raise RuntimeError(f"{server.label}: a fresh client saw {found} of {notes} notes")
    times = [(await _timed_load(url, compression))[0] for _ in range(repeats)]
    from_store = None
    if isinstance(server, PartnerboardServer):
        await seeder.close()
        stored = []
        for _ in range(max(3, repeats // 2)):
            # No event tells a client that the room unloaded: wait out --room-idle-seconds 1.
            await asyncio.sleep(1.6)
            stored.append((await _timed_load(url, compression))[0])
        from_store = statistics.median(stored)
    else:
        await seeder.close()
    return ColdLoad(statistics.median(times), min(times), max(times), len(state), from_store)
