"""The update reader in Python, as the server ran it before server/update_reader.c.

The server's reader is C now (see that file for why). This walk is the reference it is
checked against: tests/test_update_reader.py runs both on the same valid, mutated and random
inputs and asks for the same summary or the same refusal. It reads exactly what the C reader
reads, rule for rule; where one of them changes, the other must too.
"""

from __future__ import annotations

from partnerboard.server.json_depth import MAX_DEPTH, json_depth_exceeds
from partnerboard.server.yupdate import (
    MAX_CLIENT,
    MAX_CLOCK,
    UpdateRejected,
    UpdateSummary,
    UpdateTooBig,
)

# lib0 "any" tags (readAnyLookupTable, counted down from 127).
_UNDEFINED, _NULL, _INT, _F32, _F64, _BIGINT, _FALSE, _TRUE = 127, 126, 125, 124, 123, 122, 121, 120
_STRING, _OBJECT, _ARRAY, _BYTES = 119, 118, 117, 116
_SCALAR_SIZES = {_UNDEFINED: 0, _NULL: 0, _F32: 4, _F64: 8, _BIGINT: 8, _FALSE: 0, _TRUE: 0}
_TYPE_CONTENT = 7
#: Type refs 0-2 are Y.Array, Y.Map and Y.Text; 3-6 are the XML types.
_TEXT_REF = 2
_FOREIGN_CONTENT = {5: "embed", 6: "format", 9: "sub-document"}


class _Reader:
    __slots__ = ("data", "pos", "end", "max_string", "long", "long_value")

    def __init__(self, data: bytes, max_string: int) -> None:
        self.data = data
        self.pos = 0
        self.end = len(data)
        self.max_string = max_string
        #: The last number read that took five bytes or more, as its bytes and its value: a
        #: client id takes seven or eight, and an update names the same few again and again
        #: (clocks, which take up to three, would push it out).
        self.long, self.long_value = b"\x80\x80\x80\x80\x01", 1 << 28

    def uint(self) -> int:
        pos = self.pos
        data = self.data
        try:
            byte = data[pos]
            if byte < 0x80:  # most numbers in an update are one byte
                self.pos = pos + 1
                return byte
            long = self.long
            if data.startswith(long, pos):  # a number is its bytes up to one below 0x80
                self.pos = pos + len(long)
                return self.long_value
            start = pos
            value, shift = byte & 0x7F, 7
            pos += 1
            while True:
                byte = data[pos]
                pos += 1
                value |= (byte & 0x7F) << shift
                if byte < 0x80:
                    if value >> 64:
                        raise UpdateRejected("number longer than 64 bits")
                    self.pos = pos
                    if pos - start >= 5 and value <= MAX_CLIENT:
                        # Only a number that would pass as a client id: ``client`` takes it
                        # from here unchecked (an update that named a larger one as a
                        # parent's kind, then as its writer, got it past the check).
                        self.long, self.long_value = data[start:pos], value
                    return value
                shift += 7
                if shift > 63:
                    raise UpdateRejected("number longer than 64 bits")
        except IndexError:
            raise UpdateRejected("update truncated inside a number") from None

    def count(self, each: int = 1) -> int:
        """A count of things that take at least ``each`` bytes: more than fit is malformed."""
        value = self.uint()
        if value * each > self.end - self.pos:
            raise UpdateRejected(f"count {value} larger than the rest of the update")
        return value

    def clock(self) -> int:
        pos = self.pos
        if pos < self.end and self.data[pos] < 0x80:  # as uint, one call less
            self.pos = pos + 1
            return self.data[pos]
        value = self.uint()
        if value > MAX_CLOCK:
            raise UpdateRejected(f"clock or length {value} out of range")
        return value

    def client(self) -> int:
        pos = self.pos
        long = self.long
        if self.data.startswith(long, pos):  # as uint, one call less
            self.pos = pos + len(long)
            return self.long_value
        value = self.uint()
        if value > MAX_CLIENT:
            raise UpdateRejected(f"client id {value} out of range")
        return value

    def int_(self) -> None:
        """A lib0 varInt (sign and six bits first), skipped."""
        for _ in range(10):
            if self.pos >= self.end:
                raise UpdateRejected("update truncated inside a number")
            byte = self.data[self.pos]
            self.pos += 1
            if byte < 0x80:
                return
        raise UpdateRejected("integer longer than 64 bits")

    def skip(self, size: int) -> None:
        if self.pos + size > self.end:
            raise UpdateRejected("update truncated")
        self.pos += size

    def raw(self) -> bytes:
        size = self.uint()
        if size > self.max_string:
            raise UpdateTooBig(f"a value of {size} bytes is over the limit of {self.max_string}")
        start = self.pos
        end = self.pos = start + size
        if end > self.end:
            raise UpdateRejected("a length runs past the end of the update")
        return self.data[start:end]

    def string(self) -> str:
        try:
            return self.raw().decode("utf-8")
        except UnicodeDecodeError:
            raise UpdateRejected("a string is not valid UTF-8") from None

    def json(self) -> str:
        text = self.string()
        if json_depth_exceeds(text):
            raise UpdateRejected(f"JSON content nested deeper than {MAX_DEPTH} levels")
        return text

    def any(self, depth: int) -> None:
        """One lib0 "any" value, skipped; containers nest at most MAX_DEPTH deep."""
        if self.pos >= self.end:
            raise UpdateRejected("update truncated inside a value")
        tag = self.data[self.pos]
        self.pos += 1
        size = _SCALAR_SIZES.get(tag)
        if size is not None:
            self.skip(size)
        elif tag == _STRING:
            self.string()
        elif tag == _INT:
            self.int_()
        elif tag == _OBJECT or tag == _ARRAY:
            if depth >= MAX_DEPTH:
                raise UpdateRejected(f"content nested deeper than {MAX_DEPTH} levels")
            for _ in range(self.count()):
                if tag == _OBJECT:
                    self.string()
                self.any(depth + 1)
        elif tag == _BYTES:
            self.raw()
        else:
            raise UpdateRejected(f"unknown value tag {tag}")


def _utf16_length(text: str) -> int:
    """Yjs counts string content in UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _inside_pairs(client: int, clock: int, text: str) -> list[tuple[int, int]]:
    """The positions between the halves of each character of ``text`` that takes two UTF-16
    code units, the string starting at ``clock``."""
    found = []
    for char in text:
        if ord(char) > 0xFFFF:
            found.append((client, clock + 1))
            clock += 2
        else:
            clock += 1
    return found


def read_update(data: bytes, *, max_string: int = 1 << 20) -> UpdateSummary:
    """Walk a v1 update completely; raise :class:`UpdateRejected` unless it parses exactly.

    ``max_string`` bounds any single string or binary value (1009 when over).
    """
    reader = _Reader(data, max_string)
    summary = UpdateSummary()
    refs = summary.refs
    root_keys = summary.root_keys
    # Types this update creates -> how deep they sit below the outermost one created here.
    type_depth: dict[tuple[int, int], int] = {}
    # Clients the items refer to other than their own (to know whether the update refers
    # from one of its clients to another: see UpdateSummary.may_wait).
    others: list[int] = []
    for _ in range(reader.count(3)):
        structs = reader.count()
        client = reader.client()
        clock = start = reader.clock()
        end = start
        for _ in range(structs):
            if reader.pos >= reader.end:
                raise UpdateRejected("update truncated inside a struct")
            info = reader.data[reader.pos]
            reader.pos += 1
            kind = info & 0x1F
            if kind == 0 or kind == 10:  # GC, Skip
                length = reader.clock()
                if length == 0:
                    raise UpdateRejected("a struct of length 0")
                if kind == 10:
                    summary.gaps.add(client)
                    if clock == start:
                        start = end = clock + length
                else:
                    end = clock + length
                clock += length
                if clock > MAX_CLOCK:
                    raise UpdateRejected("clock out of range")
                continue
            parent: tuple[int, int] | None = None
            origin = right = None
            if info & 0x80:
                origin = (reader.client(), reader.clock())
                refs.append(origin)
                summary.splits.append((origin[0], origin[1] + 1))
                if origin[0] != client:
                    others.append(origin[0])
                elif origin[1] >= clock:
                    summary.may_wait = True
            if info & 0x40:
                right = (reader.client(), reader.clock())
                refs.append(right)
                summary.splits.append(right)
                if right[0] != client:
                    others.append(right[0])
                elif right[1] >= clock:
                    summary.may_wait = True
            if not info & 0xC0:
                if reader.uint() == 1:
                    root = reader.string()
                    summary.roots.add(root)
                    if info & 0x20:
                        reader.string()
                        root_keys[root] = root_keys.get(root, 0) + 1
                else:
                    parent = (reader.client(), reader.clock())
                    refs.append(parent)
                    summary.parents.append(parent)
                    if parent[0] != client:
                        others.append(parent[0])
                    elif parent[1] >= clock:
                        summary.may_wait = True
                    if info & 0x20:
                        reader.string()
            length = 1
            if kind == 1:  # Deleted
                length = reader.clock()
                summary.dead.append((client, clock, clock + length))
            elif kind == 2:  # JSON
                length = reader.count()
                for _ in range(length):
                    reader.json()
            elif kind == 3:  # Binary
                reader.raw()
            elif kind == 4:  # String
                text = reader.string()
                length = _utf16_length(text)
                if length != len(text):
                    summary.inside_pairs.extend(_inside_pairs(client, clock, text))
            elif kind in _FOREIGN_CONTENT:
                raise UpdateRejected(f"{_FOREIGN_CONTENT[kind]} content has no place on a board")
            elif kind == _TYPE_CONTENT:
                type_ref = reader.uint()
                if type_ref > 6:
                    raise UpdateRejected(f"unknown type ref {type_ref}")
                if type_ref > _TEXT_REF:
                    raise UpdateRejected("XML types have no place on a board")
                depth = type_depth.get(parent, 0) + 1 if parent is not None else 1
                if depth > MAX_DEPTH:
                    raise UpdateRejected(f"types nested deeper than {MAX_DEPTH} levels")
                type_depth[(client, clock)] = depth
                summary.types.append((client, clock))
            elif kind == 8:  # Any
                length = reader.count()
                for _ in range(length):
                    reader.any(0)
            else:
                raise UpdateRejected(f"unknown content kind {kind}")
            if length == 0:
                raise UpdateRejected("an item of length 0")
            if not info & 0xC0 and info & 0x20:
                summary.keyed.append((client, clock, clock + length))
            if origin is not None:
                summary.placed.append((client, clock, clock + length, *origin))
            if right is not None:
                summary.rights.append((client, clock, *right))
            if kind == 4:
                summary.strings.append((client, clock))
            clock += length
            if clock > MAX_CLOCK:
                raise UpdateRejected("clock out of range")
            end = clock
            summary.items += 1
        if end > start:
            if client in summary.writes:
                # Never written by Yjs or yrs; pycrdt mishandles it (the undo of such an
                # update killed the process: found by the WebSocket fuzzer).
                raise UpdateRejected(f"client {client} is listed twice")
            summary.writes[client] = (start, end)
    writes = summary.writes
    if not summary.may_wait and len(writes) > 1:
        summary.may_wait = any(other in writes for other in others)
    deletes = summary.deletes
    for _ in range(reader.count(2)):
        client = reader.client()
        for _ in range(reader.count(2)):
            first = reader.clock()
            clock = first + reader.clock()
            if clock > MAX_CLOCK:
                raise UpdateRejected("deleted range out of range")
            summary.splits += ((client, first), (client, clock))
            if clock > deletes.get(client, 0):
                deletes[client] = clock
    if reader.pos != reader.end:
        raise UpdateRejected(f"{reader.end - reader.pos} unexpected bytes after the update")
    return summary

