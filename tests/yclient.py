"""A y-websocket client built on pycrdt, as a second, independent implementation of the
protocol next to the browser's Yjs provider."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable

import websockets
from pycrdt import Doc, Map, Text, create_sync_message, handle_sync_message
from websockets.exceptions import ConnectionClosed

from partnerboard.server import yprotocol as yp


class YClient:
    """One connection to a board: a pycrdt document kept in sync with the server."""

    def __init__(self, url: str, doc: Doc | None = None) -> None:
        self.url = url
        self.doc = doc or Doc()
        self.ws: websockets.ClientConnection | None = None
        self.synced = asyncio.Event()
        self.received_updates = 0
        self.awareness: dict[int, str] = {}
        #: Bytes of the awareness frames received.
        self.awareness_bytes = 0
        self.close_code: int | None = None
        self.auth_denied = False
        self._reader: asyncio.Task[None] | None = None
        self._sub = self.doc.observe(self._on_local_change)
        self._applying_remote = False
        self._sending: set[asyncio.Task[None]] = set()

    @property
    def elements(self) -> Map:
        return self.doc.get("elements", type=Map)

    async def connect(self) -> YClient:
        self.synced.clear()
        self.ws = await websockets.connect(self.url, max_size=None)
        self._reader = asyncio.create_task(self._read())
        await self._send(create_sync_message(self.doc))
        return self

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for frame in self.ws:
                message = yp.parse_message(frame)
                if message.type is yp.MessageType.SYNC:
                    self._applying_remote = True
                    try:
                        reply = handle_sync_message(frame[1:], self.doc)
                    finally:
                        self._applying_remote = False
                    if reply is not None:
                        await self.ws.send(reply)
                    if message.sync_type is yp.SyncType.STEP2:
                        self.synced.set()
                    else:
                        self.received_updates += 1
                elif message.type is yp.MessageType.AWARENESS:
                    self.awareness_bytes += len(frame)
                    for entry in yp.parse_awareness(message.payload):
                        if entry.state == "null":
                            self.awareness.pop(entry.client_id, None)
                        else:
                            self.awareness[entry.client_id] = entry.state
                elif message.type is yp.MessageType.AUTH:
                    self.auth_denied = True
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code

    def _on_local_change(self, event) -> None:  # noqa: ANN001 - pycrdt event type
        if self._applying_remote or self.ws is None:
            return
        update = event.update
        if update != yp.EMPTY_UPDATE:
            task = asyncio.get_running_loop().create_task(self._send(yp.sync_update(update)))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, frame: bytes) -> None:
        if self.ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(frame)

    async def send_raw(self, frame: bytes | str) -> None:
        assert self.ws is not None
        await self.ws.send(frame)

    async def set_presence(self, client_id: int, clock: int, state: dict) -> None:
        entry = yp.AwarenessEntry(client_id, clock, json.dumps(state))
        await self.send_raw(yp.awareness_message(yp.encode_awareness([entry])))

    def add_note(self, note_id: str, text: str, x: float = 0, y: float = 0, **extra) -> None:
        with self.doc.transaction():
            self.elements[note_id] = Map(
                {"kind": "note", "x": x, "y": y, "w": 160, "h": 100, "text": Text(text),
                 "author": "test", "org": "", "color": "#ffe066", "created": time.time() * 1000,
                 **extra}
            )

    async def wait_closed(self, limit: float = 5) -> int | None:
        assert self._reader is not None
        await asyncio.wait_for(asyncio.shield(self._reader), limit)
        return self.close_code

    async def flush(self) -> None:
        """Wait until every local change has been handed to the socket."""
        while self._sending:
            await asyncio.gather(*list(self._sending))

    async def close(self) -> None:
        await self.flush()
        if self.ws is not None:
            await self.ws.close()
            if self._reader is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._reader, 5)
            self.ws = None


async def wait_for(
    condition: Callable[[], bool], limit: float = 5.0, what: str | Callable[[], str] = ""
) -> None:
    """Wait until ``condition()`` holds, polling the event loop, under a deadline.

    ``what`` names the condition in the failure message; a callable can describe the state.
    """
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"timed out after {limit}s waiting for {described or condition}")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def connected(url: str, doc: Doc | None = None) -> AsyncIterator[YClient]:
    client = await YClient(url, doc).connect()
    try:
        await asyncio.wait_for(client.synced.wait(), 5)
        yield client
    finally:
        await client.close()


def state_vector(doc: Doc) -> dict[int, int]:
    """The document's state vector decoded (client id -> clock): its encoded bytes list the
    clients in no fixed order, so two equal states may encode differently."""
    return yp.decode_state_vector(doc.get_state())


def has_everything_of(reader: Doc, writer: Doc) -> bool:
    """True when ``reader`` holds every change ``writer`` has made or seen."""
    have = state_vector(reader)
    return all(have.get(client, 0) >= clock for client, clock in state_vector(writer).items())


def note_texts(doc: Doc) -> dict[str, str]:
    return {key: str(value["text"]) for key, value in doc.get("elements", type=Map).items()}
