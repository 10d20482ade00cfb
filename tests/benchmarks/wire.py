"""Just enough of the y-websocket protocol for a load generator.

Receivers never decode a Yjs update: every benchmark edit carries a marker ``#NNNNNNNNN#`` in
a string value (a note's text or a ``rev`` key), and Yjs writes strings into an update
verbatim as UTF-8 — in the client's update and in the update a server re-encodes from its
own document alike. A regular expression over the frame therefore finds the edit's sequence
number for a few microseconds of CPU, which keeps the generator, sharing the cores with the
server, from becoming the bottleneck.
"""

from __future__ import annotations

import asyncio
import re
from typing import Literal

import websockets

# The codec is the server's own (strict and tested); the benchmark only adds the marker trick.
from partnerboard.server.yprotocol import EMPTY_UPDATE, sync_step1, sync_step2, sync_update

__all__ = [
    "Compression",
    "MARKER",
    "connect_synced",
    "roundtrip",
    "marker",
    "is_update",
    "sync_step1",
    "sync_step2",
    "sync_update",
]

Compression = Literal["deflate", "none"]

MARKER = re.compile(rb"#(\d{9})#")
SYNC, STEP1, STEP2, UPDATE = 0, 0, 1, 2
EMPTY_STATE_VECTOR = b"\x00"


def marker(seq: int) -> str:
    return f"#{seq:09d}#"


def is_update(frame: bytes) -> bool:
    return len(frame) > 2 and frame[0] == SYNC and frame[1] == UPDATE


def _payload(frame: bytes) -> bytes:
    """The var-length payload after the two type bytes of a sync message."""
    value, shift, pos = 0, 0, 2
    while True:
        byte = frame[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return frame[pos : pos + value]
        shift += 7


async def connect_synced(
    url: str, compression: Compression, handshake_seconds: float = 30
) -> tuple[websockets.ClientConnection, bytes]:
    """Open a connection and do the sync handshake; return it and the server's SyncStep2 payload.

    The client answers the server's SyncStep1 with an empty SyncStep2 like a fresh Yjs
    provider, so every server treats it as a synced peer. ``compression="deflate"`` offers
    permessage-deflate as browsers do; a server may decline it (Node's ``ws`` does by default).
    """
    ws = await websockets.connect(
        url,
        max_size=None,
        compression="deflate" if compression == "deflate" else None,
        open_timeout=handshake_seconds,
        ping_interval=None,
        max_queue=None,
    )
    await ws.send(sync_step1(EMPTY_STATE_VECTOR))
    async with asyncio.timeout(handshake_seconds):
        while True:
            frame = await ws.recv()
            if not isinstance(frame, bytes) or len(frame) < 2 or frame[0] != SYNC:
                continue
            if frame[1] == STEP1:
                await ws.send(sync_step2(EMPTY_UPDATE))
            elif frame[1] == STEP2:
                return ws, _payload(frame)


async def roundtrip(ws: websockets.ClientConnection) -> None:
    """Wait until the server has handled everything this client sent before.

    Servers handle one connection's messages in order, so the answer to a SyncStep1 comes
    after every update sent ahead of it was applied (and, where the server has one, stored).
    """
    await ws.send(sync_step1(EMPTY_STATE_VECTOR))
    async for frame in ws:
        if isinstance(frame, bytes) and frame[:2] == bytes((SYNC, STEP2)):
            return
