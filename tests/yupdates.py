"""Hand-made Yjs v1 updates, byte by byte, for attacks no well-behaved client would send."""

from __future__ import annotations

from partnerboard.server.yprotocol import var_bytes, var_uint

ANY_ARRAY, ANY_NULL, ANY_STRING = 117, 126, 119


def any_nested(depth: int) -> bytes:
    """A lib0 "any" value: an array in an array ... ``depth`` deep, holding null."""
    return bytes([ANY_ARRAY, 1]) * depth + bytes([ANY_NULL])


def root_map_item(root: str, key: str, content_kind: int, content: bytes) -> bytes:
    """One Item placed directly under ``root`` (a root map) at ``key``: no origins."""
    return (bytes([content_kind | 0x20]) + var_uint(1) + var_bytes(root.encode())
            + var_bytes(key.encode()) + content)


def update(client: int, clock: int, *structs: bytes, deletes: bytes = b"\x00") -> bytes:
    """A v1 update with one client's structs, starting at ``clock``, and a delete set."""
    return (var_uint(1) + var_uint(len(structs)) + var_uint(client) + var_uint(clock)
            + b"".join(structs) + deletes)


def deep_any_update(depth: int, client: int = 4_000_001, key: str = "deep") -> bytes:
    """The update that overflowed pycrdt's stack: one Any value nested ``depth`` deep, about
    two bytes per level (30,000 levels is about 60 KB)."""
    content = var_uint(1) + any_nested(depth)
    return update(client, 0, root_map_item("elements", key, 8, content))
