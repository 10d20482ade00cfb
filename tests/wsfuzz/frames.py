"""The fuzzer's inputs: whole WebSocket frames of every y-protocol message kind.

One :class:`InputSource` per fuzz connection. It holds the connection's own Yjs client ids and
their next clocks, so a seed arrives where a real client's next change would (and is applied,
reaching the guard), while a few inputs deliberately jump clocks, reuse another client's id or
break the framing. Every input is a pure function of the source's random generator and what it
was told about the board, so a run is repeatable from its seed (up to timing between
connections).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass

from wsfuzz.mutate import Mutator, deep_any_bytes
from wsfuzz.seeds import SeedPool
from wsfuzz.ycodec import Writer

from partnerboard.server import yprotocol as yp

__all__ = ["Input", "InputSource", "KINDS"]

MiB = 1024 * 1024


@dataclass(frozen=True)
class Input:
    kind: str  # "family/detail", e.g. "mutated/deepen-any"
    frame: bytes | str

    @property
    def family(self) -> str:
        return self.kind.split("/", 1)[0]

    def describe(self, limit: int = 4096) -> str:
        data = self.frame.encode() if isinstance(self.frame, str) else self.frame
        text = "text frame" if isinstance(self.frame, str) else "binary frame"
        shown = data[:limit].hex()
        more = f"... ({len(data)} bytes in all)" if len(data) > limit else ""
        return f"{self.kind}: {text} of {len(data)} bytes: {shown}{more}"


#: (family, weight); the families are what the summary counts by.
KINDS: tuple[tuple[str, float], ...] = (
    ("seed", 14), ("mutated", 30), ("bytes", 10), ("step2", 4), ("step1", 4),
    ("awareness", 12), ("query-awareness", 2), ("auth", 2), ("framing", 8), ("text", 1),
    ("oversized", 0.1),
)


class InputSource:
    def __init__(
        self,
        rng: random.Random,
        pool: SeedPool,
        forged: Callable[[], tuple[int, int]],
        *,
        families: tuple[str, ...] | None = None,
        max_bytes: int = MiB,
    ) -> None:
        """``forged()`` names a client to impersonate (the witness) and its next clock;
        ``families`` limits the inputs to some kinds (None: all)."""
        self.rng = rng
        self.pool = pool
        self.mutator = Mutator(rng, forged)
        self.forged = forged
        self.max_bytes = max_bytes
        kinds = [(name, w) for name, w in KINDS if families is None or name in families]
        self.families = [name for name, _ in kinds]
        self.weights = [w for _, w in kinds]
        self.next_clock: dict[int, int] = {}
        self.own_ids = [rng.randrange(1, 2**32) for _ in range(3)]
        self.awareness_ids = [rng.randrange(1, 2**32) for _ in range(2)]
        self.awareness_clock = 0

    def reset_clocks(self, state: dict[int, int]) -> None:
        """After a reconnect: continue each own client where the server has it."""
        for client in self.own_ids:
            self.next_clock[client] = state.get(client, 0)

    def next(self) -> Input:
        family = self.rng.choices(self.families, self.weights)[0]
        return getattr(self, "_" + family.replace("-", "_"))()

    # -- document updates ---------------------------------------------------------------------

    def _seed_update(self, small: bool = False) -> tuple[str, bytes]:
        client = self.rng.choice(self.own_ids)
        start = self.next_clock.get(client, 0)
        kind, update, length = self.pool.take(client, start, small)
        self.next_clock[client] = start + length
        return kind, update

    def _seed(self) -> Input:
        kind, update = self._seed_update()
        return Input("seed/" + kind, yp.sync_update(update))

    def _mutated(self) -> Input:
        _, update = self._seed_update(small=True)
        name, mutated = self.mutator.structured_mutation(update)
        return Input("mutated/" + name, self._sync(mutated))

    def _bytes(self) -> Input:
        _, update = self._seed_update(small=self.rng.random() < 0.95)
        return Input("bytes/update", self._sync(self.mutator.byte_mutation(update)))

    def _step2(self) -> Input:
        _, update = self._seed_update(small=True)
        if self.rng.random() < 0.6:
            _, update = self.mutator.structured_mutation(update)
        return Input("step2/unsolicited", yp.sync_step2(update))

    def _sync(self, update: bytes) -> bytes:
        sub = self.rng.choices([yp.SyncType.UPDATE, yp.SyncType.STEP2], [9, 1])[0]
        return bytes((0, sub)) + yp.var_bytes(update)

    def _step1(self) -> Input:
        writer = Writer()
        entries = self.rng.choice([0, 1, 3, 50])
        writer.uint(entries + self.rng.choice([0, 0, 0, 1, -1 if entries else 0, 2**20]))
        for _ in range(entries):
            writer.uint(self.rng.choice([self.forged()[0], self.rng.randrange(2**53), 2**64 + 3]))
            writer.uint(self.rng.choice([0, 1, 2**32, 2**53, 2**64 - 1]))
        data = bytes(writer.out)
        if self.rng.random() < 0.3:
            data = self.mutator.byte_mutation(data)
        return Input("step1/state-vector", yp.sync_step1(data))

    # -- presence and the other message kinds ---------------------------------------------------

    def _awareness(self) -> Input:
        name, state = self._awareness_state()
        count = self.rng.choices([1, 2, 10, 400], [90, 5, 4, 1])[0]
        if len(state) * count > self.max_bytes // 2:
            count = 1
        writer = Writer()
        writer.uint(count)
        for _ in range(count):
            self.awareness_clock += 1
            witness = self.forged()[0]
            writer.uint(self.rng.choices(
                [self.rng.choice(self.awareness_ids), witness, self.rng.randrange(2**53),
                 0, 2**64 - 1], [70, 12, 8, 5, 5])[0])
            writer.uint(self.rng.choice([self.awareness_clock, 0, 2**32, 2**53 + 1]))
            writer.buf(state)
        payload = bytes(writer.out)
        if self.rng.random() < 0.1:
            payload, name = self.mutator.byte_mutation(payload), name + "+bytes"
        return Input("awareness/" + name, yp.awareness_message(payload))

    def _awareness_state(self) -> tuple[str, bytes]:
        rng = self.rng
        choice = rng.randrange(14)
        user = {"name": "fuzz", "org": "Gemeente", "color": "#f00"}
        if choice == 0:
            return "null", b"null"
        if choice == 1:
            depth = rng.choice([10, 63, 64, 65, 100, 2000, 20_000, 200_000])
            return f"deep-{depth}", b"[" * depth + b"]" * depth
        if choice == 2:
            depth = rng.choice([64, 65, 2000])
            return f"deep-object-{depth}", b'{"a":' * depth + b"1" + b"}" * depth
        if choice == 3:
            size = rng.choice([8191, 8192, 8193, 100_000, 900_000])
            return f"size-{size}", json.dumps({"user": user, "pad": "x" * size}).encode()
        if choice == 4:
            return "nan", b'{"user": {"name": NaN, "org": Infinity}, "x": -Infinity}'
        if choice == 5:
            return "bad-utf8", b'{"user": {"name": "\xff\xfe"}}'
        if choice == 6:
            return "lone-surrogate", b'{"user": {"name": "x\\ud800", "org": "\\udfff"}}'
        if choice == 7:
            return "huge-number", b'{"user": {"org": 1e999}, "n": 123456789012345678901234567890}'
        if choice == 8:
            return "odd-types", json.dumps(rng.choice(
                [[], 1, "s", {"user": "x"}, {"user": {"org": ["list"]}}, {"user": None}])).encode()
        if choice == 9:
            return "not-json", rng.choice([b"", b"{", b"undefined", b"{'a':1}", b"\x00"])
        if choice == 10:
            return "control-chars", json.dumps({"user": {"name": "a\x00\n\x1b", "org": "\ufffe"}
                                                 }).encode()
        if choice == 11:
            return "duplicate-keys", b'{"user": {"org": "A"}, "user": {"org": "B"}}'
        return "normal", json.dumps({"user": user, "cursor": {"x": rng.random()}}).encode()

    def _query_awareness(self) -> Input:
        return Input("query-awareness/", bytes([3]) + (b"" if self.rng.random() < 0.7 else b"\0"))

    def _auth(self) -> Input:
        body = self.rng.choice([b"", b"\x00", b"\x01\x05hello", self.rng.randbytes(20)])
        return Input("auth/", bytes([2]) + body)

    def _framing(self) -> Input:
        rng = self.rng
        choice = rng.randrange(9)
        if choice == 0:
            return Input("framing/random", rng.randbytes(rng.choice([1, 3, 16, 200])))
        if choice == 1:
            return Input("framing/empty", b"")
        if choice == 2:
            kind = rng.choice([4, 5, 127, 128, 255, 2**32, 2**63])
            return Input("framing/unknown-type", yp.var_uint(kind) + rng.randbytes(4))
        if choice == 3:
            return Input("framing/unknown-sync-type",
                         bytes([0]) + yp.var_uint(rng.choice([3, 4, 127, 2**40])) + b"\x02\x00\x00")
        if choice == 4:  # a length field longer or shorter than what follows
            body = b"\x00\x00"
            length = rng.choice([0, 1, 3, 2**31, 2**64 - 1])
            return Input("framing/wrong-length", bytes([0, 2]) + yp.var_uint(length) + body)
        if choice == 5:
            return Input("framing/trailing", yp.sync_update(b"\x00\x00") + rng.randbytes(3))
        if choice == 6:
            return Input("framing/varint-overlong", b"\x80" * rng.choice([9, 10, 11, 40]) + b"\x00")
        if choice == 7:
            return Input("framing/deep-any-raw", yp.sync_update(
                b"\x01\x01" + yp.var_uint(rng.randrange(1, 2**32)) + b"\x00\x08\x01\x08elements"
                b"\x00\x01" + deep_any_bytes(rng.choice([65, 1000, 30_000])) + b"\x00"))
        return Input("framing/sync-in-awareness", yp.awareness_message(yp.sync_update(b"\0\0")))

    def _text(self) -> Input:
        return Input("text/", self.rng.choice(["hello", "\x00", "{}", "x" * 5000]))

    def _oversized(self) -> Input:
        size = self.max_bytes + self.rng.choice([1, 10, 1000])
        return Input("oversized/", bytes([0, 2]) + yp.var_uint(size) + bytes(size))
