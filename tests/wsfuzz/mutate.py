"""Mutators: bend a valid update in one structured way, or break its bytes.

Structured mutations decode the update (ycodec), change one thing a hostile client controls (a
client id, a clock, a parent, a key, a content kind, a length, how deep an Any value nests, how
deep Y types nest, the delete set) and encode it again, so the result still parses far enough to
reach pycrdt and the guard. Byte mutations (bit flips, truncation, varints blown up, spliced
slices) cover the decoder's own edges.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from wsfuzz.ycodec import (
    ANY,
    DELETED,
    DOC,
    JSON,
    STRING,
    TYPE,
    AnyValue,
    Chain,
    DecodeError,
    Gap,
    Item,
    Update,
    decode_update,
    encode_any,
    encode_update,
)

__all__ = ["Mutator", "deep_any_bytes"]

MAX_CLIENT = 2**53 - 1
ODD_KEYS = ["status", "meta", "", "__proto__", "constructor", "text", "kind", "x" * 5000,
            "\x00", "\ud800", "elements", "partners", "\uffff"]


def deep_any_bytes(depth: int, kind: str = "array") -> bytes:
    """An Any value nested ``depth`` arrays (or objects) deep, built as bytes: 2-4 bytes a level,
    so 30,000 levels take about 60 KB, the size that crashed the server."""
    level = b"\x75\x01" if kind == "array" else b"\x76\x01\x01k"
    return level * depth + b"\x77\x01x"


class Mutator:
    def __init__(self, rng: random.Random, forged: Callable[[], tuple[int, int]]) -> None:
        """``forged()`` gives a client id to impersonate and its next clock (the witness's)."""
        self.rng = rng
        self.forged = forged
        self.structured: list[tuple[str, int, Callable[[Update], None]]] = [
            ("forge-client", 10, self._forge_client),
            ("forge-witness", 6, self._forge_witness),
            ("shift-clock", 6, self._shift_clock),
            ("reparent", 8, self._reparent),
            ("rekey", 8, self._rekey),
            ("swap-content", 10, self._swap_content),
            ("deepen-any", 12, self._deepen_any),
            ("deep-types", 6, self._deep_types),
            ("lengths", 8, self._lengths),
            ("delete-set", 8, self._delete_set),
            ("reorder", 4, self._reorder),
            ("info-bits", 4, self._info_bits),
            ("odd-strings", 6, self._odd_strings),
        ]
        self.weights = [weight for _, weight, _ in self.structured]

    # -- entry points -------------------------------------------------------------------------

    def structured_mutation(self, update: bytes) -> tuple[str, bytes]:
        try:
            decoded = decode_update(update)
        except DecodeError:
            return "bytes", self.byte_mutation(update)
        name, _, change = self.rng.choices(self.structured, self.weights)[0]
        change(decoded)
        if self.rng.random() < 0.2:  # sometimes two at once
            self.rng.choices(self.structured, self.weights)[0][2](decoded)
        return name, _encode(decoded)

    def byte_mutation(self, data: bytes) -> bytes:
        out = bytearray(data)
        for _ in range(self.rng.choice([1, 1, 1, 2, 4])):
            choice = self.rng.randrange(8)
            if not out:
                out += bytes([self.rng.randrange(256)])
            position = self.rng.randrange(len(out))
            if choice == 0:
                out[position] ^= 1 << self.rng.randrange(8)
            elif choice == 1:
                out[position] = self.rng.choice([0, 0x7F, 0x80, 0xFF, 0x75, 0x76, 0x77])
            elif choice == 2:
                del out[self.rng.randrange(len(out)) :]
            elif choice == 3:  # a varint blown up to 10 bytes
                out[position : position + 1] = b"\xff" * self.rng.randint(4, 10) + b"\x01"
            elif choice == 4:
                out[position:position] = self.rng.randbytes(self.rng.randint(1, 8))
            elif choice == 5:
                end = min(len(out), position + self.rng.randint(1, 64))
                out[position:position] = out[position:end] * self.rng.randint(1, 20)
            elif choice == 6:
                del out[position : position + self.rng.randint(1, 16)]
            else:  # a length-like byte made huge or zero
                out[position] = self.rng.choice([0x00, 0x7F]) | (out[position] & 0x80)
        return bytes(out)

    # -- structured mutations -----------------------------------------------------------------

    def _items(self, update: Update) -> list[Item]:
        return [s for _, _, structs in update.clients for s in structs if isinstance(s, Item)]

    def _forge_client(self, update: Update) -> None:
        client = self.rng.choice([0, 1, 2, MAX_CLIENT, 2**32, 2**64 - 1, 2**70,
                                  self.rng.randrange(1, 64)])
        update.clients = [(client, first, structs) for _, first, structs in update.clients]
        for _, _, structs in update.clients:
            for struct_ in structs:
                struct_.client = client

    def _forge_witness(self, update: Update) -> None:
        client, clock = self.forged()
        if not update.clients:
            return
        _, first, structs = update.clients[0]
        offset = clock + self.rng.choice([0, 0, 0, 1, -1]) - first
        own = update.clients[0][0]
        for struct_ in structs:
            struct_.clock = max(0, struct_.clock + offset)
            if isinstance(struct_, Item):
                struct_.origin = _remap(struct_.origin, own, client, offset)
                struct_.right_origin = _remap(struct_.right_origin, own, client, offset)
                if isinstance(struct_.parent, tuple):
                    struct_.parent = _remap(struct_.parent, own, client, offset)
        update.clients[0] = (client, max(0, first + offset), structs)

    def _shift_clock(self, update: Update) -> None:
        if update.clients:
            index = self.rng.randrange(len(update.clients))
            client, first, structs = update.clients[index]
            first = self.rng.choice([0, first + 1, first + 1000, 2**32, 2**53, 2**64 + 5])
            update.clients[index] = (client, first, structs)

    def _reparent(self, update: Update) -> None:
        items = self._items(update)
        if not items:
            return
        item = self.rng.choice(items)
        item.origin = item.right_origin = None
        item.parent = self.rng.choice([
            "meta", "partners", "elements", "", "x" * 300, "\x00",
            (self.rng.randrange(1, 64), self.rng.randrange(10)),
            (item.client, item.clock), (item.client, max(0, item.clock - 1)),
            (*self.forged()[:1], self.rng.randrange(5)),
        ])
        if self.rng.random() < 0.3:
            item.parent_sub = None  # a list item inside what the board reads as a map

    def _rekey(self, update: Update) -> None:
        items = [i for i in self._items(update) if i.parent_sub is not None] or self._items(update)
        if items:
            item = self.rng.choice(items)
            item.origin = item.right_origin = None
            item.parent = item.parent or "elements"
            item.parent_sub = self.rng.choice(ODD_KEYS)

    def _swap_content(self, update: Update) -> None:
        items = self._items(update)
        if not items:
            return
        item = self.rng.choice(items)
        new = self.rng.choice([DELETED, JSON, 3, STRING, 5, 6, TYPE, ANY, DOC])
        item.content_ref = new
        item.content = {
            DELETED: self.rng.choice([1, 5, 2**31]),
            JSON: [self.rng.choice(['{"a":1}', "undefined", "[[[[1]]]]", "nope", "1e999"])],
            3: self.rng.randbytes(self.rng.randint(0, 30)),
            STRING: self.rng.choice(["", "x", "😀", "\ud800"]),
            5: self.rng.choice(['{"image":"x"}', "not json", "[" * 100]),
            6: (self.rng.choice(["bold", ""]), self.rng.choice(["true", "null", "{"])),
            TYPE: (self.rng.randrange(9), self.rng.choice(["p", "", None])),
            ANY: [encode_any(self.rng.choice([None, 1, "s", [1, {}], b"b"]))],
            DOC: (self.rng.choice(["guid", ""]), encode_any({"gc": True})),
        }[new]
        if self.rng.random() < 0.15:  # the info byte claims a kind the bytes are not
            item.info_override = (self.rng.randrange(1, 12)) | (0x20 if item.parent_sub else 0)

    def _deepen_any(self, update: Update) -> None:
        depth = self.rng.choice([10, 60, 63, 64, 65, 66, 100, 200, 1000, 5000, 10_000, 20_000,
                                 30_000, 100_000, 400_000])
        raw = deep_any_bytes(depth, self.rng.choice(["array", "object"]))
        items = self._items(update)
        anys = [i for i in items if i.content_ref == ANY]
        item = self.rng.choice(anys or items) if items else None
        if item is None:
            return
        item.content_ref = ANY
        item.content = [AnyValue(-1, raw)]
        if self.rng.random() < 0.2:
            item.content_ref, item.content = DOC, ("sub", AnyValue(-1, raw))

    def _deep_types(self, update: Update) -> None:
        """A chain of Y maps/arrays, each inside the one before, under a new element: one more
        client in the update, written straight as bytes (30,000 items as objects are slow)."""
        depth = self.rng.choices([63, 64, 65, 100, 1000, 3000, 10_000, 30_000],
                                 [4, 4, 4, 4, 2, 1, 1, 1])[0]
        client = self.rng.randrange(1, 2**32)
        key = f"fz-deep-{self.rng.randrange(10**6)}"
        update.clients.append((client, 0, [Chain(client, 0, depth, key)]))

    def _lengths(self, update: Update) -> None:
        structs = [s for _, _, group in update.clients for s in group]
        if not structs:
            return
        struct_ = self.rng.choice(structs)
        huge = self.rng.choice([0, 2**31, 2**32 + 1, 2**53, 2**63])
        if isinstance(struct_, Gap):
            struct_.length = huge
        else:
            struct_.content_ref, struct_.content = DELETED, huge

    def _delete_set(self, update: Update) -> None:
        client, clock = self.forged()
        choice = self.rng.randrange(4)
        if choice == 0:  # delete the witness's own items
            update.deletes.append((client, [(0, max(1, clock))]))
        elif choice == 1:
            update.deletes.append((self.rng.randrange(1, 64), [(0, 2**53)]))
        elif choice == 2:  # many small ranges
            update.deletes.append((self.rng.randrange(1, 2**32),
                                   [(i * 2, 1) for i in range(self.rng.choice([10, 5000]))]))
        else:  # ranges out of order and overlapping
            update.deletes.append((client, [(5, 10), (0, 7), (2**40, 2**40), (3, 0)]))

    def _reorder(self, update: Update) -> None:
        if update.clients:
            structs = update.clients[self.rng.randrange(len(update.clients))][2]
            if len(structs) > 1:
                self.rng.shuffle(structs)
            elif structs:
                structs.append(structs[0])
        if self.rng.random() < 0.5:
            update.clients = update.clients * 2

    def _info_bits(self, update: Update) -> None:
        items = self._items(update)
        if items:
            item = self.rng.choice(items)
            item.info_override = self.rng.randrange(256)

    def _odd_strings(self, update: Update) -> None:
        for item in self._items(update):
            if item.content_ref == STRING:
                item.content = self.rng.choice(["\ud800", "\x00" * 10, "\uffff", "a\udfffb"])
            elif item.content_ref == ANY:
                item.content = [encode_any(self.rng.choice(
                    ["\ud800x", "\x00", "\ufffe", float("nan"), 2**70 // 3, b"\x00" * 5]))
                    for _ in item.content]


def _remap(ident: tuple[int, int] | None, own: int, client: int, offset: int
           ) -> tuple[int, int] | None:
    if ident is None or ident[0] != own:
        return ident
    return (client, max(0, ident[1] + offset))


def _encode(update: Update) -> bytes:
    return encode_update(update)
