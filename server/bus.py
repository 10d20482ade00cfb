"""Fan-out between nodes over Redis Streams: one stream per board, as in y-redis.

y-redis keeps updates in Redis first and lets a worker persist them later; here PostgreSQL is
written first (the room appends before it broadcasts), so a stream only carries what is stored
already. That makes the rules simple:

* A node XADDs every update and presence change of a board after the store append, and XREADs
  the streams of the boards it has loaded, skipping its own entries.
* Streams are trimmed by age on every XADD (``MINID``, one minute): everything in them is
  persisted, so trimming loses nothing. The age is by Redis's clock (read with TIME), which
  also gives the ids: a node whose own clock runs ahead would otherwise trim everything.
* Whenever a node may have missed entries (its Redis connection broke, Redis was restarted or
  flushed, entries after its position were trimmed before it read them, it started reading a
  board) it catches up from the store, which holds every update;
  applying an update twice is harmless for a CRDT. Entries it failed to publish are announced
  with a "catch up" hint once Redis is back, so the other nodes read them from the store.
* Every node notes in Redis that it is alive; when another node stops, the others catch up
  from the store, for what it stored and could not publish any more (see Bus._beat).
* Presence is not stored: a node that starts reading a board asks the others for it (a "q"
  entry) and tells them its own clients', and each node with the board open answers with its
  own clients' presence. Before, the newcomer's clients saw nobody of another node until that
  person's client renewed its presence (every 15 s).
* Entries are sealed with a key kept in the store and chained per node (see bus_entries), so a
  node applies only entries a node of this deployment published, each once, and notices one
  missing; an entry it refuses, and a gap, make it catch up from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import Counter, deque
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from .bus_entries import Doubts, EntrySeal, Hearing, Publisher, Verdict, id_numbers

if TYPE_CHECKING:
    from .rooms import Rooms

__all__ = ["Bus", "stream_key"]

log = logging.getLogger("partnerboard.bus")

#: How long entries stay in a stream; a node cut off for longer catches up from the store.
KEEP_MS = 60_000
#: How long one XREAD blocks, so newly loaded boards join the read soon.
BLOCK_MS = 250
#: Entries waiting to be published before the oldest are dropped (and announced as a gap).
QUEUE_LIMIT = 20_000
#: Check for flushed streams, and say this node is alive, this often.
CHECK_SECONDS = 2.0
#: A random value the first node to find it missing sets: when it changes (or goes), Redis was
#: flushed or replaced, and every node catches up every open board from the store.
EPOCH_KEY = "partnerboard:epoch"
#: Slack on KEEP_MS for the clocks of the nodes that trim (see Bus._check_trimmed).
TRIM_SLACK_MS = 10_000
#: The hash where every node notes the time it last said so.
NODES_KEY = "partnerboard:nodes"
#: A node that has not said it is alive for this long is taken for dead.
DEAD_SECONDS = 6.0
#: Nodes silent for this long are removed from the hash (every node noticed long before).
FORGET_MS = 600_000
_ERRORS = (RedisError, OSError, asyncio.TimeoutError)
#: Errors of an unreachable store: logged without a traceback.
_STORE_ERRORS: tuple[type[Exception], ...] = (ConnectionError,)
with contextlib.suppress(ImportError):
    import psycopg

    _STORE_ERRORS = (ConnectionError, psycopg.OperationalError)


def stream_key(board_id: str) -> str:
    return f"partnerboard:board:{board_id}"


class Bus:
    """This node's connection to the others."""

    def __init__(self, url: str, key: bytes) -> None:
        """``key``: the deployment's bus key (the store's node secret ``bus_entries.KEY_NAME``)."""
        self.url = url
        self.node = secrets.token_hex(8).encode()
        self.seal = EntrySeal(key)
        self.publisher = Publisher(self.seal, self.node)
        self.redis = aioredis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=2, decode_responses=False
        )
        self.rooms: Rooms | None = None
        self.outbox: deque[tuple[str, bytes, bytes]] = deque()
        self.wake = asyncio.Event()
        #: board id -> last stream entry id read ("" until the node has caught up).
        self.positions: dict[str, bytes] = {}
        #: board id -> what was heard on its stream since the node began reading it.
        self.hearings: dict[str, Hearing] = {}
        self.doubts = Doubts()
        #: Boards whose entries we could not publish: announced once Redis is back.
        self.unsent: set[str] = set()
        self.connected = False
        self.resync = True
        #: False from a failed reader round (any error: Redis, the store) until one succeeds.
        self.reading = False
        self.reader_failures = 0
        #: Other nodes: their last heartbeat as read, and when (monotonic) it last changed.
        self.beats: dict[bytes, tuple[bytes, float]] = {}
        #: Nodes taken for dead (their boards were caught up), until they beat again.
        self.dead: set[bytes] = set()
        self.tasks: list[asyncio.Task[None]] = []
        #: Redis's epoch (EPOCH_KEY) as last read; None before the first check.
        self.epoch: bytes | None = None
        #: Redis's clock minus ours, in ms (None until read): stream ids, trimming and
        #: heartbeats are all by Redis's clock.
        self.clock_offset_ms: int | None = None
        # Figures for /metrics.
        self.published = 0
        self.received = 0
        self.errors = 0
        self.catch_ups = 0
        #: Entries not applied, by reason (Verdict name), and gaps found in a node's entries.
        self.rejected = Counter({verdict.name.lower(): 0 for verdict in Verdict
                                 if not verdict.taken})
        self.gaps = 0
        self.xadd_seconds = 0.0
        self.xadd_batches = 0

    # -- used by rooms (synchronous: never waits for Redis) -----------------------------------

    def publish(self, board_id: str, kind: str, data: bytes) -> None:
        if len(self.outbox) >= QUEUE_LIMIT:
            dropped, _kind, _data = self.outbox.popleft()
            self.unsent.add(dropped)
        self.outbox.append((board_id, kind.encode(), data))
        self.wake.set()

    def watch(self, board_id: str) -> None:
        self.positions.setdefault(board_id, b"")

    def unwatch(self, board_id: str) -> None:
        self.positions.pop(board_id, None)
        self.hearings.pop(board_id, None)
        self.doubts.forget(board_id)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, rooms: Rooms) -> None:
        self.rooms = rooms
        self.tasks = [
            asyncio.create_task(self._publisher(), name="bus-publisher"),
            asyncio.create_task(self._reader(), name="bus-reader"),
        ]
        for task in self.tasks:
            task.add_done_callback(_report_end)

    async def close(self) -> None:
        """Publish what is queued (the presence of clients just closed), then stop."""
        for task in self.tasks:
            task.cancel()
        if self.outbox:
            batch = list(self.outbox)
            self.outbox.clear()
            with contextlib.suppress(*_ERRORS):
                await asyncio.wait_for(self._send(batch), timeout=2)
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, *_ERRORS):
                await task
        with contextlib.suppress(*_ERRORS):
            await self.redis.aclose()

    @property
    def reader_ok(self) -> bool:
        """Whether this node hears the others: its reader runs and its last round succeeded."""
        reader = next((t for t in self.tasks if t.get_name() == "bus-reader"), None)
        return self.reading and reader is not None and not reader.done()

    async def ping(self) -> float:
        """Round-trip time to Redis in seconds; raises when it cannot be reached."""
        started = time.perf_counter()
        await asyncio.wait_for(self.redis.ping(), timeout=2)
        return time.perf_counter() - started

    # -- publishing ------------------------------------------------------------------------

    async def _publisher(self) -> None:
        backoff = 0.1
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.outbox or self.unsent:
                batch = [self.outbox.popleft() for _ in range(min(len(self.outbox), 500))]
                try:
                    await self._send(batch)
                    backoff = 0.1
                except _ERRORS as error:
                    self.errors += 1
                    self.unsent.update(board_id for board_id, _kind, _data in batch)
                    log.warning("Redis publish failed (%s); retrying", error)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)

    async def _read_clock(self) -> None:
        """Note how far Redis's clock is from ours."""
        seconds, micros = await self.redis.time()
        self.clock_offset_ms = seconds * 1000 + micros // 1000 - int(time.time() * 1000)

    async def _redis_now_ms(self) -> int:
        if self.clock_offset_ms is None:
            await self._read_clock()
        return int(time.time() * 1000) + (self.clock_offset_ms or 0)

    async def _send(self, batch: list[tuple[str, bytes, bytes]]) -> None:
        started = time.perf_counter()
        now_ms = await self._redis_now_ms()
        minid = f"{now_ms - KEEP_MS}-0"
        entry = self.publisher.fields
        async with self.redis.pipeline(transaction=False) as pipe:
            # Hints first: the gap they announce is older than anything in the batch.
            hints = list(self.unsent)
            for board_id in hints:
                pipe.xadd(stream_key(board_id), entry(board_id, b"s", b"", now_ms),
                          minid=minid, approximate=True)
            for board_id, kind, data in batch:
                pipe.xadd(stream_key(board_id), entry(board_id, kind, data, now_ms),
                          minid=minid, approximate=True)
            await pipe.execute()
        self.unsent.difference_update(hints)
        self.published += len(batch)
        self.xadd_batches += 1
        self.xadd_seconds += time.perf_counter() - started
        self.connected = True

    # -- reading ---------------------------------------------------------------------------

    async def _reader(self) -> None:
        backoff = 0.1
        checked = 0.0  # the first round checks (and says this node is alive) at once
        while True:
            try:
                if self.resync:
                    for board_id in self.positions:
                        self.positions[board_id] = b""
                    self.resync = False
                await self._start_new_boards()
                for board_id in self.doubts.due(time.monotonic()):
                    self._catch_up(board_id)
                if time.monotonic() - checked > CHECK_SECONDS:
                    await self._check_flushed()
                    await self._beat()
                    checked = time.monotonic()
                streams = {stream_key(b): p for b, p in self.positions.items() if p}
                if not streams:
                    self.reading = True
                    await asyncio.sleep(BLOCK_MS / 1000)
                    continue
                answer = await self.redis.xread(streams, count=1000, block=BLOCK_MS)
                self.connected = True
                for key, entries in answer or ():
                    self._dispatch(key.decode().rpartition(":")[2], entries)
                await self._check_trimmed(streams, answer or ())
                self.reading = True
                backoff = 0.1
            except _ERRORS as error:
                self.errors += 1
                if self.connected:
                    log.warning("Redis read failed (%s); catching up from the store "
                                "once it is back", error)
                self.connected = False
                self.reading = False
                self.resync = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
            except Exception as error:
                # Anything else (the store unreachable during a catch-up, a bug) must not end
                # the task: the node would never hear the other nodes again. Every open board
                # is caught up from the store again once a round succeeds.
                self.reader_failures += 1
                if self.reading or self.reader_failures == 1:
                    log.warning("bus reader failed (%s: %s); catching up every open board "
                                "from the store again in %.1f s", type(error).__name__, error,
                                backoff, exc_info=not isinstance(error, _STORE_ERRORS))
                self.reading = False
                self.resync = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def _check_trimmed(self, read_from: dict[str, bytes], answer: Any) -> None:
        """Catch up a board whose entries after our position were trimmed before we read them
        (this node lagged, or was paused, longer than KEEP_MS).

        Trimming removes a stream's oldest entries only, and only those older than KEEP_MS: so
        only a position that old can have lost what follows it, and it did not if the stream
        still begins at or before it after the read. (If the stream begins after it, the
        position itself may merely have been trimmed: one catch-up too many.)"""
        horizon = await self._redis_now_ms() - KEEP_MS + TRIM_SLACK_MS
        suspects = [key for key, _entries in answer
                    if id_numbers(read_from[key.decode()])[0] < horizon]
        if not suspects:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in suspects:
                pipe.xrange(key, count=1)
            firsts = await pipe.execute()
        for key, first in zip(suspects, firsts, strict=True):
            if first and id_numbers(first[0][0]) > id_numbers(read_from[key.decode()]):
                board_id = key.decode().rpartition(":")[2]
                log.warning("board %s: entries were trimmed before this node read them; "
                            "catching up from the store", board_id)
                self._catch_up(board_id)

    async def _last_ids(self, board_ids: list[str]) -> list[bytes]:
        """Where each board's stream ends. An empty stream's end is taken a second back by
        Redis's clock rather than at 0-0, so that the first entries read are not taken for a
        sign of trimming (see _check_trimmed); anything older skipped was published before
        the catch-up that follows, so it is in the store."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for board_id in board_ids:
                pipe.xrevrange(stream_key(board_id), count=1)
            answers = await pipe.execute()
        empty = f"{max(await self._redis_now_ms() - 1000, 0)}-0".encode()
        return [entries[0][0] if entries else empty for entries in answers]

    async def _start_new_boards(self) -> None:
        """Boards not read yet: note where their stream ends, then catch up from the store.

        In that order, anything published after the catch-up's read is in the stream past
        the noted position, and anything before it is in the store.
        """
        fresh = [board_id for board_id, position in self.positions.items() if not position]
        if not fresh:
            return
        ends = await self._last_ids(fresh)
        since_ms = await self._redis_now_ms()
        for board_id, last in zip(fresh, ends, strict=True):
            if board_id not in self.positions:
                continue
            self.positions[board_id] = last
            self.hearings[board_id] = Hearing(since_ms)
            self._catch_up(board_id)
            # Presence is not stored. Ask for the other nodes' (they answer after the noted
            # position), and tell ours to those that began reading before it: a node that
            # opened the board moments earlier may note its position only after our question.
            self.publish(board_id, "q", b"")
            room = self.rooms.loaded.get(board_id) if self.rooms is not None else None
            if room is not None:
                room.publish_presence()

    async def _beat(self) -> None:
        """Say this node is alive, and catch up every open board from the store when another
        node stopped saying so.

        A node publishes an update after storing it and sending it to its own clients; killed
        in between (a Redis hiccup holds its outbox), the update is stored and seen, but no
        other node hears of it, and the dead node cannot send the catch-up hint. Applying what
        the store holds twice is harmless, so a node that only paused costs a catch-up."""
        await self._read_clock()  # kept fresh here, every CHECK_SECONDS
        started = time.monotonic()
        now_ms = await self._redis_now_ms()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(NODES_KEY, self.node, now_ms)
            pipe.hgetall(NODES_KEY)
            _written, beats = await pipe.execute()
        self.publisher.forget(self.positions, now_ms - KEEP_MS)
        now = time.monotonic()
        # Our own write waited (Redis paused or slow): the others' did too, so nobody's
        # silence meanwhile counts.
        stalled = now - started > CHECK_SECONDS / 2
        gone = []
        for node, beat in beats.items():
            if node == self.node:
                continue
            seen = self.beats.get(node)
            if seen is None or seen[0] != beat or stalled:
                self.beats[node] = (beat, now)
                self.dead.discard(node)
            elif now - seen[1] > DEAD_SECONDS and node not in self.dead:
                self.dead.add(node)
                gone.append(node)
            if not beat.isdigit() or int(beat) < now_ms - FORGET_MS:
                await self.redis.hdel(NODES_KEY, node)
                self.beats.pop(node, None)
                self.dead.discard(node)
        for node in gone:
            log.warning("node %s stopped; catching up %d open boards from the store",
                        node.decode(errors="replace"), len(self.positions))
            for board_id in list(self.positions):
                self._catch_up(board_id)

    async def _check_flushed(self) -> None:
        """Read afresh (catch up from the store) what may have lost entries we had not read:

        * every board when Redis's epoch changed: it was flushed or replaced (the new stream's
          ids may well lie past our position, so the stream alone would not tell);
        * a board whose stream ends before our position (flushed, deleted or recreated).
        """
        watched = [b for b, p in self.positions.items() if p]
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(EPOCH_KEY, secrets.token_hex(8).encode(), nx=True)
            pipe.get(EPOCH_KEY)
            for board_id in watched:
                pipe.xrevrange(stream_key(board_id), count=1)
            _set, epoch, *ends = await pipe.execute()
        if epoch != self.epoch:
            if self.epoch is not None:
                log.warning("Redis was flushed or replaced; catching up %d open boards from "
                            "the store", len(self.positions))
                for board_id in self.positions:
                    self.positions[board_id] = b""
            self.epoch = epoch
            return
        for board_id, last in zip(watched, ends, strict=True):
            position = self.positions.get(board_id)
            if position and id_numbers(last[0][0] if last else b"0-0") < id_numbers(position):
                log.info("board %s: stream was reset; catching up from the store", board_id)
                self.positions[board_id] = b""

    def _catch_up(self, board_id: str) -> None:
        if self.rooms is not None:
            self.catch_ups += 1
            self.rooms.catch_up(board_id)

    def _doubt(self, board_id: str, entry_id: bytes, fields: dict[bytes, bytes],
               verdict: Verdict) -> None:
        """An entry not applied, or one after a gap: count it, say so (once a minute per
        board and kind of doubt at most: the stream may be full of them), and catch the
        board up from the store (every few seconds at most), which holds whatever the entry
        or the gap may have been. An entry heard before needs no catch-up (what it says was
        taken the first time); one that only perhaps follows a gap is not worth a warning."""
        now = time.monotonic()
        if verdict is Verdict.AFTER_A_GAP:
            self.gaps += 1
        elif not verdict.taken:
            self.rejected[verdict.name.lower()] += 1
        catch_up = verdict is not Verdict.REPLAYED
        if verdict is not Verdict.PERHAPS_AFTER_A_GAP and self.doubts.log_now(
                board_id, verdict, now):
            log.warning("board %s: stream entry %s (kind %r, node %r) %s%s (said at most once "
                        "a minute per board and kind; all are counted in the metrics "
                        "partnerboard_redis_rejected_entries_total and _gaps_total)",
                        board_id, entry_id.decode(),
                        fields.get(b"k", b"")[:8], fields.get(b"n", b"")[:32], verdict.value,
                        "; catching up from the store" if catch_up else "")
        if catch_up and self.doubts.catch_up_now(board_id, now):
            self._catch_up(board_id)

    def _dispatch(self, board_id: str, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        hearing = self.hearings.get(board_id)
        if hearing is None or self.rooms is None:
            return  # not read since it was (re)opened: its start catches it up
        room = self.rooms.loaded.get(board_id)
        behind = False
        for entry_id, fields in entries:
            self.positions[board_id] = entry_id
            if fields.get(b"n") == self.node or room is None:
                continue
            kind, data = fields.get(b"k"), fields.get(b"d", b"")
            try:
                verdict = hearing.judge(self.seal, board_id, entry_id, fields)
                if verdict is not Verdict.IN_ORDER:
                    self._doubt(board_id, entry_id, fields, verdict)
                if not verdict.taken:
                    continue
                self.received += 1
                if kind == b"u" and room.finalized:
                    # No node stores an update after finalizing: this one was stored before
                    # (its entry came late), and the store has it.
                    log.warning("board %s: a stream update not applied: the board is "
                                "finalized; catching up from the store", board_id)
                    self._catch_up(board_id)
                elif kind == b"u":
                    room.apply_remote(data)
                elif kind == b"a":
                    room.apply_remote_awareness(data)
                elif kind == b"f":
                    self.rooms.frozen_elsewhere(board_id)
                elif kind == b"r":
                    self.rooms.reload(board_id)
                elif kind == b"s":
                    self._catch_up(board_id)
                elif kind == b"q":
                    room.publish_presence()
            except Exception:  # one bad entry must not stop the node's fan-out
                log.exception("board %s: could not apply a stream entry", board_id)
                try:
                    self._catch_up(board_id)
                except Exception as error:  # the store unreachable: start the board again
                    log.warning("board %s: could not catch up from the store (%s); "
                                "retrying", board_id, error)
                    behind = True
        if behind and board_id in self.positions:
            # Read afresh next round: note the stream's end, then catch up from the store.
            self.positions[board_id] = b""


def _report_end(task: asyncio.Task[None]) -> None:
    """A bus task never ends but when the node stops: say so loudly if one does."""
    if not task.cancelled() and task.exception() is not None:
        log.error("%s ended: this node no longer hears or tells the other nodes",
                  task.get_name(), exc_info=task.exception())
