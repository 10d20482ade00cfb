"""How deep an update nests, measured without recursion: the witness's screen.

The witness measures every update the server relays before its own pycrdt applies it, so content
the server should have refused (nested deeper than DESIGN.md section 5 allows) is reported as a
finding rather than crashing the fuzzer in the same native code that crashes the server.
"""

from __future__ import annotations

from wsfuzz.ycodec import (
    ANY,
    DOC,
    EMBED,
    FORMAT,
    GC,
    JSON,
    SKIP,
    Reader,
    count,
    read_content,
    read_id,
    skip_any_depth,
)

__all__ = ["any_depth", "update_depth"]


def any_depth(data: bytes) -> int:
    return skip_any_depth(Reader(data))


def update_depth(data: bytes) -> int:
    """The deepest Any value (or JSON/embed text, roughly) in an update; raises DecodeError.

    Y-type nesting (maps in maps) is measured by the caller from the document, not here.
    """
    reader = Reader(data)
    deepest = 0
    for _ in range(count(reader)):
        structs_count = count(reader)
        reader.uint()
        reader.uint()
        for _ in range(structs_count):
            info = reader.byte()
            ref = info & 0x1F
            if ref in (GC, SKIP):
                reader.uint()
                continue
            if info & 0x80:
                read_id(reader)
            if info & 0x40:
                read_id(reader)
            if not info & 0xC0:
                if reader.uint() == 1:
                    reader.string()
                else:
                    read_id(reader)
                if info & 0x20:
                    reader.string()
            if ref == ANY:
                for _ in range(count(reader)):
                    deepest = max(deepest, skip_any_depth(reader))
            elif ref == DOC:
                reader.string()
                deepest = max(deepest, skip_any_depth(reader))
            elif ref in (JSON, EMBED, FORMAT):
                texts = read_content(reader, ref)
                for text in texts if ref != EMBED else [texts]:
                    deepest = max(deepest, _json_depth(text))
            else:
                read_content(reader, ref)
    return deepest


def _json_depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest
