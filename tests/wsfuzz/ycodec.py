"""A Yjs update (v1) codec for the fuzzer: decode an update into editable structs, encode it back.

The fuzzer needs updates that are *almost* valid, because random bytes die in the first varint and
never reach the parts of the server that matter (the CRDT decoder, the guard, presence). So it
takes real updates made with pycrdt, decodes them here, changes one field (a client id, a clock,
a parent, a content kind, an Any value nested deeper) and encodes the result. The codec is also
the witness's safety screen: it measures how deep a relayed update nests before the witness's own
pycrdt sees it, so a bad update the server passes on is reported instead of crashing the fuzzer.

Format reference: Yjs ``updates.js`` / ``encoding.js`` and lib0 ``encoding.js`` (``writeAny``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DecodeError", "Reader", "Writer", "Item", "Gap", "Chain", "Update", "AnyValue",
    "struct_length", "decode_update", "encode_update", "encode_any", "skip_any_depth",
    "read_content", "read_id", "count",
]

# Content refs (the low five bits of an item's info byte).
GC, DELETED, JSON, BINARY, STRING, EMBED, FORMAT, TYPE, ANY, DOC, SKIP = range(11)
# Y type refs inside ContentType.
Y_ARRAY, Y_MAP, Y_TEXT, Y_XML_ELEMENT, Y_XML_FRAGMENT, Y_XML_HOOK, Y_XML_TEXT = range(7)


class DecodeError(ValueError):
    """The bytes are not a well-formed update (the fuzzer keeps such inputs as byte mutations)."""


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise DecodeError("unexpected end")
        self.pos += 1
        return self.data[self.pos - 1]

    def uint(self) -> int:
        value, shift = 0, 0
        while True:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
            if shift > 70:
                raise DecodeError("varint too long")

    def sint(self) -> int:
        byte = self.byte()
        value, negative, shift = byte & 0x3F, bool(byte & 0x40), 6
        while byte & 0x80:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            shift += 7
            if shift > 70:
                raise DecodeError("varint too long")
        return -value if negative else value

    def raw(self, length: int) -> bytes:
        if self.pos + length > len(self.data):
            raise DecodeError("length past the end")
        self.pos += length
        return self.data[self.pos - length : self.pos]

    def buf(self) -> bytes:
        return self.raw(self.uint())

    def string(self) -> str:
        try:
            return self.buf().decode("utf-8")
        except UnicodeDecodeError as error:
            raise DecodeError("bad utf-8") from error


class Writer:
    def __init__(self) -> None:
        self.out = bytearray()

    def byte(self, value: int) -> None:
        self.out.append(value & 0xFF)

    def uint(self, value: int) -> None:
        while value > 0x7F:
            self.out.append(0x80 | (value & 0x7F))
            value >>= 7
        self.out.append(value)

    def sint(self, value: int) -> None:
        negative, value = value < 0, abs(value)
        self.out.append((0x80 if value > 0x3F else 0) | (0x40 if negative else 0) | (value & 0x3F))
        value >>= 6
        while value > 0:
            self.out.append((0x80 if value > 0x7F else 0) | (value & 0x7F))
            value >>= 7

    def buf(self, data: bytes) -> None:
        self.uint(len(data))
        self.out += data

    def string(self, text: str) -> None:
        self.buf(text.encode("utf-8", "surrogatepass"))


@dataclass
class AnyValue:
    """A lib0 Any value with its tag kept, so a number re-encodes exactly as it came."""

    tag: int
    value: Any  # list[AnyValue] for arrays, list[tuple[str, AnyValue]] for objects


def _raw_any(reader: Reader) -> AnyValue:
    """An Any value kept as its bytes: decoding it into a tree costs more than the fuzzer
    gains, since mutations replace values rather than edit them."""
    start = reader.pos
    skip_any_depth(reader)
    return AnyValue(-1, reader.data[start : reader.pos])


def count(reader: Reader) -> int:
    count = reader.uint()
    if count > len(reader.data):
        raise DecodeError("count larger than the update")
    return count


def write_any(writer: Writer, value: AnyValue) -> None:
    if value.tag == -1:  # ready-made bytes (a value too deep to hold as a tree)
        writer.out += value.value
        return
    writer.byte(value.tag)
    tag, inner = value.tag, value.value
    if tag == 125:
        writer.sint(inner)
    elif tag == 124:
        writer.out += struct.pack(">f", inner)
    elif tag == 123:
        writer.out += struct.pack(">d", inner)
    elif tag == 122:
        writer.out += struct.pack(">q", inner)
    elif tag == 119:
        writer.string(inner)
    elif tag == 118:
        writer.uint(len(inner))
        for key, item in inner:
            writer.string(key)
            write_any(writer, item)
    elif tag == 117:
        writer.uint(len(inner))
        for item in inner:
            write_any(writer, item)
    elif tag == 116:
        writer.buf(inner)


def encode_any(value: Any) -> AnyValue:
    """A plain Python value as an AnyValue (dict, list, str, int, float, bool, None, bytes)."""
    if value is None:
        return AnyValue(126, None)
    if value is True:
        return AnyValue(120, None)
    if value is False:
        return AnyValue(121, None)
    if isinstance(value, int):
        return AnyValue(125, value) if abs(value) <= 0x7FFFFFFF else AnyValue(123, float(value))
    if isinstance(value, float):
        return AnyValue(123, value)
    if isinstance(value, str):
        return AnyValue(119, value)
    if isinstance(value, bytes):
        return AnyValue(116, value)
    if isinstance(value, dict):
        return AnyValue(118, [(str(k), encode_any(v)) for k, v in value.items()])
    return AnyValue(117, [encode_any(v) for v in value])


@dataclass
class Item:
    client: int
    clock: int
    content_ref: int
    content: Any
    origin: tuple[int, int] | None = None
    right_origin: tuple[int, int] | None = None
    parent: str | tuple[int, int] | None = None  # a root type's name or an item's id
    parent_sub: str | None = None
    #: yrs keeps the "has a parent key" bit when the origin makes the key implicit.
    sub_bit: bool = False
    #: Info-byte bits to force (a mutation may set flags that do not match the fields).
    info_override: int | None = None

    def length(self) -> int:
        ref, content = self.content_ref, self.content
        if ref == DELETED:
            return int(content)
        if ref in (JSON, ANY):
            return len(content)
        if ref == STRING:
            return len(content.encode("utf-16-le", "surrogatepass")) // 2
        return 1


@dataclass
class Gap:
    """A GC or Skip struct: a run of clocks with no content."""

    client: int
    clock: int
    ref: int  # GC or SKIP
    length: int


@dataclass
class Chain:
    """``depth`` Y types each inside the one before (maps and arrays by turns) under a new key
    of the root map ``elements``, then a string: Y-type nesting, which no Any-depth bound sees."""

    client: int
    clock: int
    depth: int
    key: str

    def length(self) -> int:
        return self.depth + 1

    def write(self, writer: Writer) -> None:
        client = Writer()
        client.uint(self.client)
        client_bytes = bytes(client.out)
        writer.byte(0x27)  # a map, keyed, in a root type
        writer.uint(1)
        writer.string("elements")
        writer.string(self.key)
        writer.uint(Y_MAP)
        out = writer.out
        for level in range(1, self.depth + 1):
            parent_is_map = level % 2 == 1
            out.append(0x27 if parent_is_map else 0x07)
            out.append(0)  # parent given by id
            out += client_bytes
            writer.uint(self.clock + level - 1)
            if parent_is_map:
                out += b"\x01k"
            out.append(Y_ARRAY if parent_is_map else Y_MAP)
        parent_is_map = (self.depth + 1) % 2 == 1
        out.append(0x24 if parent_is_map else 0x04)
        out.append(0)
        out += client_bytes
        writer.uint(self.clock + self.depth)
        if parent_is_map:
            out += b"\x01k"
        writer.string("leaf")


@dataclass
class Update:
    #: client id -> (first clock, structs in clock order); kept in the order the bytes had.
    clients: list[tuple[int, int, list[Item | Gap]]] = field(default_factory=list)
    #: client id -> [(clock, length)]
    deletes: list[tuple[int, list[tuple[int, int]]]] = field(default_factory=list)


def read_id(reader: Reader) -> tuple[int, int]:
    return reader.uint(), reader.uint()


def read_content(reader: Reader, ref: int) -> Any:
    if ref == DELETED:
        return reader.uint()
    if ref == JSON:
        return [reader.string() for _ in range(count(reader))]
    if ref == BINARY:
        return reader.buf()
    if ref in (STRING, EMBED):
        return reader.string()
    if ref == FORMAT:
        return (reader.string(), reader.string())
    if ref == TYPE:
        type_ref = reader.uint()
        name = reader.string() if type_ref in (Y_XML_ELEMENT, Y_XML_HOOK) else None
        return (type_ref, name)
    if ref == ANY:
        return [_raw_any(reader) for _ in range(count(reader))]
    if ref == DOC:
        return (reader.string(), _raw_any(reader))
    raise DecodeError(f"unknown content ref {ref}")


def struct_length(struct_: Item | Gap | Chain) -> int:
    return struct_.length if isinstance(struct_, Gap) else struct_.length()


def decode_update(data: bytes) -> Update:
    reader = Reader(data)
    update = Update()
    for _ in range(count(reader)):
        structs_count = count(reader)
        client, clock = reader.uint(), reader.uint()
        first, structs = clock, []
        for _ in range(structs_count):
            info = reader.byte()
            ref = info & 0x1F
            if ref in (GC, SKIP):
                length = reader.uint()
                structs.append(Gap(client, clock, ref, length))
                clock += length
                continue
            origin = read_id(reader) if info & 0x80 else None
            right = read_id(reader) if info & 0x40 else None
            parent: str | tuple[int, int] | None = None
            sub = None
            if not info & 0xC0:
                parent = reader.string() if reader.uint() == 1 else read_id(reader)
                sub = reader.string() if info & 0x20 else None
            item = Item(client, clock, ref, read_content(reader, ref), origin, right, parent, sub,
                        sub_bit=bool(info & 0x20))
            structs.append(item)
            clock += item.length()
        update.clients.append((client, first, structs))
    for _ in range(count(reader)):
        client = reader.uint()
        update.deletes.append((client, [(reader.uint(), reader.uint())
                                        for _ in range(count(reader))]))
    if reader.pos != len(data):
        raise DecodeError("trailing bytes")
    return update


def _write_content(writer: Writer, ref: int, content: Any) -> None:
    if ref == DELETED:
        writer.uint(content)
    elif ref == JSON:
        writer.uint(len(content))
        for text in content:
            writer.string(text)
    elif ref == BINARY:
        writer.buf(content)
    elif ref in (STRING, EMBED):
        writer.string(content)
    elif ref == FORMAT:
        writer.string(content[0])
        writer.string(content[1])
    elif ref == TYPE:
        writer.uint(content[0])
        if content[0] in (Y_XML_ELEMENT, Y_XML_HOOK):
            writer.string(content[1] or "p")
    elif ref == ANY:
        writer.uint(len(content))
        for value in content:
            write_any(writer, value)
    elif ref == DOC:
        writer.string(content[0])
        write_any(writer, content[1])


def encode_update(update: Update, remap: tuple[int, int, int] | None = None) -> bytes:
    """Encode; ``remap=(client, new_client, offset)`` moves that client's ids (its structs, the
    origins and parents naming them, its deletes) to ``new_client`` at ``clock + offset``."""
    old, new, offset = remap or (-1, -1, 0)

    def ident(value: tuple[int, int]) -> tuple[int, int]:
        return (new, value[1] + offset) if value[0] == old else value

    writer = Writer()
    writer.uint(len(update.clients))
    for client, first, structs in update.clients:
        writer.uint(sum(s.depth + 1 if isinstance(s, Chain) else 1 for s in structs))
        if client == old:
            client, first = new, first + offset
        writer.uint(client)
        writer.uint(first)
        for struct_ in structs:
            if isinstance(struct_, Gap):
                writer.byte(struct_.ref)
                writer.uint(struct_.length)
                continue
            if isinstance(struct_, Chain):
                struct_.write(writer)
                continue
            info = (struct_.content_ref & 0x1F) | (0x80 if struct_.origin else 0) | (
                0x40 if struct_.right_origin else 0)
            if struct_.parent_sub is not None or (struct_.sub_bit and info & 0xC0):
                info |= 0x20
            if struct_.info_override is not None:
                info = struct_.info_override
            writer.byte(info)
            if info & 0x80:
                origin = ident(struct_.origin or (0, 0))
                writer.uint(origin[0])
                writer.uint(origin[1])
            if info & 0x40:
                right = ident(struct_.right_origin or (0, 0))
                writer.uint(right[0])
                writer.uint(right[1])
            if not info & 0xC0:
                parent = struct_.parent if struct_.parent is not None else "elements"
                if isinstance(parent, str):
                    writer.uint(1)
                    writer.string(parent)
                else:
                    parent = ident(parent)
                    writer.uint(0)
                    writer.uint(parent[0])
                    writer.uint(parent[1])
                if info & 0x20:
                    writer.string(struct_.parent_sub or "")
            _write_content(writer, struct_.content_ref, struct_.content)
    writer.uint(len(update.deletes))
    for client, ranges in update.deletes:
        moved = client == old
        writer.uint(new if moved else client)
        writer.uint(len(ranges))
        for clock, length in ranges:
            writer.uint(clock + offset if moved else clock)
            writer.uint(length)
    return bytes(writer.out)


def skip_any_depth(reader: Reader) -> int:
    """Skip one Any value and return how many arrays/objects deep it nests, with an explicit
    stack (no recursion), so a value nested 100,000 deep is measured, not followed."""
    deepest = 0
    stack: list[list[int]] = []  # [is_object, values still to read] per open container
    while True:
        tag = reader.byte()
        if tag in (117, 118):
            deepest = max(deepest, len(stack) + 1)
            values = count(reader)
            if values:
                stack.append([tag == 118, values])
        elif tag == 125:
            reader.sint()
        elif tag in (124, 123, 122):
            reader.raw(4 if tag == 124 else 8)
        elif tag in (119, 116):
            reader.buf()
        elif tag not in (127, 126, 121, 120):
            raise DecodeError(f"unknown any tag {tag}")
        while stack and stack[-1][1] == 0:
            stack.pop()
        if not stack:
            return deepest
        stack[-1][1] -= 1
        if stack[-1][0]:
            reader.string()  # an object's key comes before each value
