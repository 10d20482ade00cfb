"""A strict codec for the y-websocket wire protocol (y-protocols sync, awareness, auth).

Strict on purpose: a frame that does not parse exactly (trailing bytes, a length running past
the end, an unknown message type) raises :class:`ProtocolError`, so the connection that sent
it is closed before anything reaches the document or the other clients.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import IntEnum

from .yupdate import MAX_DEPTH, json_depth_exceeds

__all__ = [
    "MessageType",
    "SyncType",
    "ProtocolError",
    "UnknownMessage",
    "Message",
    "parse_message",
    "peek_type",
    "decode_state_vector",
    "sync_step1",
    "sync_step2",
    "sync_update",
    "awareness_message",
    "auth_denied",
    "AwarenessEntry",
    "awareness_count",
    "parse_awareness",
    "awareness_state",
    "encode_awareness",
]

EMPTY_UPDATE = b"\x00\x00"


class MessageType(IntEnum):
    SYNC = 0
    AWARENESS = 1
    AUTH = 2
    QUERY_AWARENESS = 3


class SyncType(IntEnum):
    STEP1 = 0
    STEP2 = 1
    UPDATE = 2


class ProtocolError(ValueError):
    """The frame is malformed (close code 1002)."""


class UnknownMessage(ProtocolError):
    """The frame's message type is not one this server speaks (close code 1003)."""


@dataclass(frozen=True)
class Message:
    type: MessageType
    sync_type: SyncType | None = None
    payload: bytes = b""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def var_uint(self) -> int:
        value, shift = 0, 0
        while True:
            if self.pos >= len(self.data):
                raise ProtocolError("truncated variable-length integer")
            byte = self.data[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
            if shift > 63:
                raise ProtocolError("variable-length integer longer than 64 bits")

    def var_bytes(self) -> bytes:
        length = self.var_uint()
        end = self.pos + length
        if end > len(self.data):
            raise ProtocolError(f"length {length} runs past the end of the frame")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def var_string(self) -> str:
        try:
            return self.var_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError("string is not valid UTF-8") from error

    def end(self) -> None:
        if self.pos != len(self.data):
            raise ProtocolError(f"{len(self.data) - self.pos} unexpected bytes after the message")


def decode_state_vector(data: bytes) -> dict[int, int]:
    """A state vector (client id -> clock), e.g. pycrdt's ``get_state()`` bytes."""
    reader = _Reader(data)
    vector = {reader.var_uint(): reader.var_uint() for _ in range(reader.var_uint())}
    reader.end()
    return vector


def var_uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def var_bytes(data: bytes) -> bytes:
    return var_uint(len(data)) + data


def parse_message(frame: bytes) -> Message:
    """Parse one binary frame into a :class:`Message`, or raise :class:`ProtocolError`."""
    reader = _Reader(frame)
    kind = reader.var_uint()
    if kind == MessageType.SYNC:
        sub = reader.var_uint()
        if sub not in (0, 1, 2):
            raise ProtocolError(f"unknown sync message type {sub}")
        payload = reader.var_bytes()
        reader.end()
        return Message(MessageType.SYNC, SyncType(sub), payload)
    if kind == MessageType.AWARENESS:
        payload = reader.var_bytes()
        reader.end()
        return Message(MessageType.AWARENESS, None, payload)
    if kind == MessageType.AUTH:
        return Message(MessageType.AUTH, None, frame[reader.pos :])
    if kind == MessageType.QUERY_AWARENESS:
        reader.end()
        return Message(MessageType.QUERY_AWARENESS)
    raise UnknownMessage(f"unknown message type {kind}")


def peek_type(frame: bytes) -> tuple[int, int]:
    """A frame's message type and, for a sync message, its sub-type (else -1), read as
    :func:`parse_message` reads them (a type may be spelled in more than one byte); (-1, -1)
    when they do not parse: parse_message then says what is wrong."""
    if len(frame) >= 2 and frame[0] < 0x80 and frame[1] < 0x80:  # every stock client's
        return frame[0], frame[1] if frame[0] == MessageType.SYNC else -1
    reader = _Reader(frame)
    try:
        kind = reader.var_uint()
        return kind, reader.var_uint() if kind == MessageType.SYNC else -1
    except ProtocolError:
        return -1, -1


def _sync(sub: SyncType, payload: bytes) -> bytes:
    return bytes((MessageType.SYNC, sub)) + var_bytes(payload)


def sync_step1(state_vector: bytes) -> bytes:
    return _sync(SyncType.STEP1, state_vector)


def sync_step2(update: bytes) -> bytes:
    return _sync(SyncType.STEP2, update)


def sync_update(update: bytes) -> bytes:
    return _sync(SyncType.UPDATE, update)


def awareness_message(update: bytes) -> bytes:
    return bytes((MessageType.AWARENESS,)) + var_bytes(update)


def auth_denied(reason: str = "permission denied") -> bytes:
    """y-protocols auth message: type 2, sub-type 0 (permission denied), then the reason."""
    return bytes((MessageType.AUTH, 0)) + var_bytes(reason.encode())


@dataclass(frozen=True)
class AwarenessEntry:
    client_id: int
    clock: int
    state: str  # JSON text; "null" means the client has gone


def _not_json(token: str) -> None:
    """NaN and Infinity: Python's json reads them, a browser's JSON.parse throws on them (and
    every other client's presence would stop updating)."""
    raise ValueError(f"{token} is not JSON")


def _finite(text: str) -> float:
    """A JSON number as a float, unless it is too large for one: Python reads 1e999 as
    infinity, which the server could not write back as JSON (see presence_identity)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large a number")
    return value


_STRICT_JSON = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite)
#: The largest integer a browser's lib0 reads in a presence message.
MAX_SAFE_INTEGER = 2**53 - 1


def awareness_count(update: bytes) -> int:
    """How many entries an awareness update says it holds (its first number), read before
    any of them."""
    return _Reader(update).var_uint()


def parse_awareness(update: bytes, *, check_states: bool = True) -> list[AwarenessEntry]:
    """Parse an awareness update. Client ids and clocks must be numbers a browser reads (lib0
    refuses one past 2^53, and with it the whole message: a newcomer's list of everyone).
    With ``check_states`` every state must be JSON text (:func:`awareness_state`); without,
    the caller checks the states it keeps (the others are never forwarded)."""
    reader = _Reader(update)
    entries = []
    for _ in range(reader.var_uint()):
        client_id = reader.var_uint()
        clock = reader.var_uint()
        if client_id > MAX_SAFE_INTEGER or clock > MAX_SAFE_INTEGER:
            raise ProtocolError("an awareness client id or clock past 2^53 (browsers cannot "
                                "read it)")
        entry = AwarenessEntry(client_id, clock, reader.var_string())
        if check_states:
            awareness_state(entry)
        entries.append(entry)
    reader.end()
    return entries


def awareness_state(entry: AwarenessEntry) -> object:
    """The JSON value of an entry's state; ProtocolError when it is not JSON (NaN and the
    infinities are not: a browser's JSON.parse throws on them) or nests too deep."""
    if json_depth_exceeds(entry.state):
        raise ProtocolError(
            f"awareness state of client {entry.client_id} nested deeper than {MAX_DEPTH} levels"
        )
    try:
        return _STRICT_JSON.decode(entry.state)
    except ValueError as error:
        raise ProtocolError(f"awareness state of client {entry.client_id} is not JSON") from error


def encode_awareness(entries: list[AwarenessEntry]) -> bytes:
    out = [var_uint(len(entries))]
    for entry in entries:
        out.append(var_uint(entry.client_id))
        out.append(var_uint(entry.clock))
        out.append(var_bytes(entry.state.encode()))
    return b"".join(out)
