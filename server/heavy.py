"""Work too heavy for the event loop: decoding whole boards, comparing, merging, rendering.

A board of a few thousand notes takes a second to decode and seconds to compare, and a Word
covenant of it longer; on the event loop that would stall every board's sync and every request.
So such work runs elsewhere, on plain data read first: a board's stored updates (bytes, equal
to its live document, since a room stores every update before sending it on) or a
:class:`BoardSnapshot`. A live pycrdt document is never handed to another thread or process,
because its room keeps changing it.

Decoding a large board runs in a worker *process*: pycrdt's decoder holds the interpreter lock
for as long as it works, so in a thread it would still stall the loop. A small board (most of
them) decodes in a few milliseconds, so it stays in a thread and no process is started for it.
Work that needs the plugin registry (building a covenant, rendering it) runs in a thread; it is
plain Python, which hands the lock back every few milliseconds. Two workers of each kind.
"""

from __future__ import annotations

import asyncio
import functools
import json
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from starlette.responses import Response

from partnerboard.plugins import BoardSnapshot, snapshot_from_doc

from .requests import HTTPProblem
from .room import decode_stored
from .rooms import Rooms

__all__ = [
    "Gate", "board_snapshot", "check_board", "in_process", "json_response", "on_updates", "run",
    "shutdown",
]

T = TypeVar("T")
WORKERS = 2
#: Stored bytes from which a board is decoded in a worker process rather than a thread.
PROCESS_BYTES = 128 * 1024

_threads = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="partnerboard-heavy")
_processes: ProcessPoolExecutor | None = None


def _process_pool() -> ProcessPoolExecutor:
    global _processes
    if _processes is None:
        # spawn, not fork: the server has threads, and a forked copy of them is unsafe.
        _processes = ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"))
    return _processes


async def _on(executor: Executor, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(function, *args, **kwargs))


async def run(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` in the heavy-work threads, awaited from the loop."""
    return await _on(_threads, function, *args, **kwargs)


async def in_process(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` in a worker process: a module-level function of plain
    (picklable) data, returning plain data."""
    return await _on(_process_pool(), function, *args, **kwargs)


async def on_updates(
    function: Callable[..., T], board_id: str, updates: list[bytes], *args: Any
) -> T:
    """``function(board_id, updates, *args)``: in a worker process when the updates are large
    enough for their decoding to stall the loop, else in a thread."""
    if sum(map(len, updates)) >= PROCESS_BYTES:
        return await in_process(function, board_id, updates, *args)
    return await run(function, board_id, updates, *args)


def shutdown() -> None:
    """Stop the worker processes (at server shutdown); a later call starts new ones."""
    global _processes
    if _processes is not None:
        _processes.shutdown(wait=True, cancel_futures=True)
        _processes = None


def snapshot_of_updates(board_id: str, updates: list[bytes]) -> BoardSnapshot:
    """A board's stored updates as plain data (BoardDamaged when they cannot be decoded)."""
    return snapshot_from_doc(decode_stored(board_id, updates), board_id)


def _check(board_id: str, updates: list[bytes]) -> None:
    decode_stored(board_id, updates)


def stored_updates(rooms: Rooms, board_id: str) -> list[bytes]:
    return rooms.store.load_document(board_id)[0]


async def board_snapshot(rooms: Rooms, board_id: str) -> BoardSnapshot:
    """The board as it is now, as plain data, decoded off the loop (BoardDamaged if it can't)."""
    return await on_updates(snapshot_of_updates, board_id, stored_updates(rooms, board_id))


async def check_board(rooms: Rooms, board_id: str) -> None:
    """Raise BoardDamaged when the board's stored data can't be read (a loaded room can)."""
    if board_id not in rooms.loaded:
        await on_updates(_check, board_id, stored_updates(rooms, board_id))


def _dumps(content: Any) -> bytes:
    # As Starlette's JSONResponse renders, but here, off the loop.
    return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")


async def json_response(content: Any, status_code: int = 200) -> Response:
    """A JSON answer whose (possibly large) body is serialized off the loop."""
    body = await run(_dumps, content)
    return Response(body, status_code=status_code, media_type="application/json")


class Gate:
    """At most ``limit`` requests of one kind in progress on this node, running or waiting
    for a worker; the next is answered 503 with Retry-After at once.

    The workers already bound the CPU (two threads), but not the queue: fifty downloads of a
    large board's picture would each hold its decoded board while they wait, for a minute,
    and the fiftieth would be answered long after its client gave up. Refusing at once, as
    the server answers a full node (503, see http_protocol), costs nothing and tells the
    client when to come back.
    """

    def __init__(self, limit: int, what: str, retry_after: int = 5) -> None:
        self.limit = limit
        self.what = what
        self.retry_after = retry_after
        self.busy = 0

    @contextmanager
    def entered(self) -> Iterator[None]:
        """Hold a place for the block; HTTPProblem 503 when every place is taken."""
        if self.busy >= self.limit:
            raise HTTPProblem(
                503, f"the server is busy drawing {self.what} ({self.limit} at once); try "
                     f"again in {self.retry_after} s",
                headers={"retry-after": str(self.retry_after)})
        self.busy += 1
        try:
            yield
        finally:
            self.busy -= 1
