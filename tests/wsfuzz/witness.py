"""The witness: a well-behaved client that watches what the fuzzed board (and another board) end up
holding, and says what a client of the fuzz connections' role could not have caused.

It is a pycrdt client like tests/yclient.py, with one difference: every update the server relays
is first measured by the fuzzer's own decoder, and one nested deeper than the contract allows is
recorded and not applied, so content the server should have refused shows up as a finding
instead of crashing the fuzzer in the same native code that crashes the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from typing import Any

import websockets
from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText, handle_sync_message
from websockets.exceptions import ConnectionClosed
from wsfuzz.depth import update_depth
from wsfuzz.ycodec import DecodeError
from yclient import state_vector

from partnerboard.server import yprotocol as yp

__all__ = ["Witness", "plain", "shape_problem", "MAX_DEPTH", "MAX_PRESENCE"]

#: DESIGN.md section 5: content nested deeper than this never reaches the document.
MAX_DEPTH = 64
#: DESIGN.md section 5: a presence state larger than this is dropped.
MAX_PRESENCE = 8 * 1024


def _may_nest(payload: bytes) -> bool:
    """Cheap pre-check: nesting deeper than MAX_DEPTH needs more than MAX_DEPTH container
    tags (Any array 0x75 / object 0x76, or JSON brackets), so most updates skip the decoder."""
    return sum(payload.count(tag) for tag in (b"\x75", b"\x76", b"[", b"{")) > MAX_DEPTH


class TooDeep(Exception):
    pass


def _refuse(token: str) -> None:
    raise ValueError(token)


def _browser_parses(state: str) -> bool:
    """Whether a browser's JSON.parse reads this presence state (Python's json also takes
    NaN and Infinity, which JSON.parse throws on, breaking every other client's presence)."""
    try:
        json.loads(state, parse_constant=_refuse)
    except (ValueError, RecursionError):
        return False
    return True


#: DESIGN.md section 6: the keys every element has, with the types a reader relies on.
COMMON_KEYS: dict[str, tuple[type, ...]] = {
    "kind": (str,), "x": (int, float), "y": (int, float), "w": (int, float), "h": (int, float),
    "text": (Text,), "author": (str,), "org": (str,), "color": (str,), "created": (int, float),
}


def shape_problem(element: Any) -> str | None:
    """Why an element is not one a well-behaved client makes (DESIGN.md section 6), or None:
    every common key with its type, finite numbers, and plain JSON values elsewhere."""
    if not isinstance(element, Map):
        return f"is a {type(element).__name__}, not a map"
    keys = set(element.keys())
    for key, kinds in COMMON_KEYS.items():
        value = element.get(key)
        if key not in keys or isinstance(value, bool) or not isinstance(value, kinds):
            return f"{key!r} is {type(value).__name__ if key in keys else 'missing'}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{key!r} is {value}"
    stack = [element.get(key) for key in keys - COMMON_KEYS.keys()]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, float) and not math.isfinite(value):
            return "holds a number JSON cannot carry"
        elif not isinstance(value, str | int | float | bool) and value is not None:
            return f"holds a {type(value).__name__}"
    return None


def plain(value: Any, limit: int = 200) -> Any:
    """A document value as plain JSON-able data, without recursion (Y types, nested any
    values); raises :class:`TooDeep` past ``limit`` levels."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(value, root, 0, 0)]
    while stack:
        item, target, slot, depth = stack.pop()
        if depth > limit:
            raise TooDeep(f"more than {limit} levels")
        if isinstance(item, Text | XmlText):
            target[slot] = {"$text": str(item)}
        elif isinstance(item, Map | dict):
            out: dict[str, Any] = {}
            target[slot] = out
            for key in list(item.keys()):
                stack.append((item[key], out, str(key), depth + 1))
        elif isinstance(item, Array | list | tuple):
            items = list(item)
            out_list: list[Any] = [None] * len(items)
            target[slot] = out_list
            for index, child in enumerate(items):
                stack.append((child, out_list, index, depth + 1))
        elif isinstance(item, XmlElement | XmlFragment):
            target[slot] = {"$xml": str(item)}
        elif isinstance(item, float) and item != item:
            target[slot] = "NaN"
        elif isinstance(item, bytes):
            target[slot] = {"$bytes": item.hex()}
        elif isinstance(item, Doc):
            target[slot] = {"$doc": True}
        else:
            target[slot] = item
    return root[0]


class Witness:
    """One connection to a board that only ever does what its role may do."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name
        self.doc = Doc()
        self.ws: websockets.ClientConnection | None = None
        self.synced = asyncio.Event()
        #: SyncStep2 answers received, and an event set on each (see :meth:`catch_up`).
        self.step2_count = 0
        self.step2_arrived = asyncio.Event()
        self.updates_received = 0
        self.awareness: dict[int, str] = {}
        self.awareness_frames = 0
        self.presence_clock = 0
        self.awareness_arrived = asyncio.Event()
        self.largest_presence = 0
        #: Things the server relayed that it should not have (each a short text).
        self.relayed: list[str] = []
        self.close_code: int | None = None
        self.close_reason = ""
        self._reader: asyncio.Task[None] | None = None
        self._applying = False
        self._sub = self.doc.observe(self._on_change)
        self._sending: set[asyncio.Task[None]] = set()

    async def connect(self, limit: float = 60) -> Witness:
        self.ws = await websockets.connect(self.url, max_size=None, compression=None,
                                           ping_interval=None)
        self._reader = asyncio.create_task(self._read())
        step1 = bytes((0, 0)) + yp.var_bytes(self.doc.get_state())
        await self.ws.send(step1)
        synced = asyncio.ensure_future(self.synced.wait())
        await asyncio.wait({synced, self._reader}, timeout=limit,
                           return_when=asyncio.FIRST_COMPLETED)
        if not self.synced.is_set():
            synced.cancel()
            await self.close()
            raise ConnectionError(f"{self.name}: no sync within {limit} s "
                                  f"(connection closed with {self.close_code})")
        return self

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for frame in self.ws:
                if isinstance(frame, str) or not frame:
                    self.relayed.append("a text or empty frame")
                    continue
                try:
                    self._handle(frame)
                except Exception as error:  # noqa: BLE001 - a finding, not the fuzzer's end
                    self.relayed.append(f"a frame the witness could not take: {error!r:.200}")
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.close_reason = self.ws.close_reason or ""

    def _handle(self, frame: bytes) -> None:
        try:
            message = yp.parse_message(frame)
        except yp.ProtocolError as error:
            self.relayed.append(f"a frame our codec refuses: {error}")
            return
        if message.type is yp.MessageType.SYNC:
            if message.sync_type is not yp.SyncType.STEP1 and _may_nest(message.payload):
                try:
                    depth = update_depth(message.payload)
                except DecodeError as error:
                    depth, problem = 0, f"an update the fuzzer cannot decode: {error}"
                else:
                    problem = f"an update with a value nested {depth} deep"
                if depth > MAX_DEPTH or not depth and "decode" in problem:
                    self.relayed.append(problem)
                    if message.sync_type is yp.SyncType.STEP2:
                        self._answered()  # synced as far as it will go
                    return
            self._applying = True
            try:
                reply = handle_sync_message(frame[1:], self.doc)
            finally:
                self._applying = False
            if reply is not None:
                self._spawn(reply)
            if message.sync_type is yp.SyncType.STEP2:
                self._answered()
            elif message.sync_type is yp.SyncType.UPDATE:
                self.updates_received += 1
        elif message.type is yp.MessageType.AWARENESS:
            self.awareness_frames += 1
            self.awareness_arrived.set()
            for entry in yp.parse_awareness(message.payload):
                self.largest_presence = max(self.largest_presence, len(entry.state.encode(
                    "utf-8", "surrogatepass")))
                if not _browser_parses(entry.state):
                    self.relayed.append(f"a presence state JSON.parse refuses: {entry.state:.80}")
                if entry.state == "null":
                    self.awareness.pop(entry.client_id, None)
                else:
                    self.awareness[entry.client_id] = entry.state

    def _answered(self) -> None:
        self.synced.set()
        self.step2_count += 1
        self.step2_arrived.set()

    def _on_change(self, event: Any) -> None:
        if self._applying or self.ws is None:
            return
        if event.update != yp.EMPTY_UPDATE:
            self._spawn(yp.sync_update(event.update))

    def _spawn(self, frame: bytes) -> None:
        task = asyncio.get_running_loop().create_task(self._send(frame))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, frame: bytes) -> None:
        if self.ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(frame)

    async def flush(self) -> None:
        while self._sending:
            await asyncio.gather(*list(self._sending))

    async def catch_up(self, limit: float = 30) -> None:
        """Hold everything the server sent this connection before now: a SyncStep1 goes out
        and its answer comes back after every frame the server queued for it earlier (one
        queue per connection), such as its reversal of another connection's forbidden edit.
        An edit made after this builds on that reversal instead of racing it."""
        assert self.ws is not None
        wanted = self.step2_count + 1
        await self.ws.send(bytes((0, 0)) + yp.var_bytes(self.doc.get_state()))
        while self.step2_count < wanted:
            self.step2_arrived.clear()
            await asyncio.wait_for(self.step2_arrived.wait(), limit)

    async def set_presence(self, state: dict[str, Any]) -> str:
        text = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
        self.presence_clock += 1
        entry = yp.AwarenessEntry(self.doc.client_id, self.presence_clock, text)
        assert self.ws is not None
        await self.ws.send(yp.awareness_message(yp.encode_awareness([entry])))
        return text

    async def query_presence(self) -> None:
        assert self.ws is not None
        self.awareness_arrived.clear()
        await self.ws.send(bytes([yp.MessageType.QUERY_AWARENESS]))
        await asyncio.wait_for(self.awareness_arrived.wait(), 30)

    def next_clock(self) -> int:
        return state_vector(self.doc).get(self.doc.client_id, 0)

    def content(self) -> dict[str, Any]:
        """meta, partners and elements as plain data (TooDeep for absurd nesting)."""
        return {name: plain(self.doc.get(name, type=Map)) for name in
                ("meta", "partners", "elements")}

    async def close(self) -> None:
        await self.flush()
        if self.ws is not None:
            await self.ws.close()
            if self._reader is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._reader, 5)
