"""The update reader in C reads exactly what its Python reference reads (reference_reader.py).

Both are given the same valid updates, the same updates cut, flipped and stretched, and the
same random bytes; they must return the same summary, or refuse with the same error and message.
Long numbers, counts that do not fit and deep nesting are among the mutations, as they are
where a reader written in C can go wrong.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map, Text
from reference_reader import read_update as reference
from test_yupdate import VALID
from yupdates import any_nested, deep_any_update, root_map_item, update

from partnerboard.server.yprotocol import var_bytes, var_uint
from partnerboard.server.yupdate import MAX_DEPTH, UpdateRejected, read_update


def outcome(read, data: bytes, max_string: int) -> tuple:  # noqa: ANN001 - either reader
    try:
        return ("read", read(data, max_string=max_string))
    except UpdateRejected as error:
        return (type(error).__name__, str(error))


def board_edits() -> list[bytes]:
    """What a board's clients send: a new note, a move, a text edit with an emoji, a removal."""
    doc = Doc()
    elements = doc.get("elements", type=Map)
    sent = []
    state = doc.get_state()
    elements["n1"] = Map({"kind": "note", "x": 1, "y": 2.5, "text": Text("hallo 😀 wereld")})
    sent.append(doc.get_update(state))
    for change in (lambda: elements["n1"].__setitem__("x", 40),
                   lambda: elements["n1"]["text"].insert(6, "🙂"),
                   lambda: elements.pop("n1")):
        state = doc.get_state()
        change()
        sent.append(doc.get_update(state))
    return sent


SEEDS = [*VALID, *board_edits(), deep_any_update(MAX_DEPTH), deep_any_update(MAX_DEPTH + 1),
         update(5, 0, root_map_item("elements", "j", 2, var_uint(1) + var_bytes(b'{"a":[1]}'))),
         update(9, 3, bytes([10]) + var_uint(4),
                root_map_item("elements", "k", 8, var_uint(2) + any_nested(2) * 2)),
         # A deleted range of length 0 at clock 0, and one further on (found in a review:
         # the C reader noted the first, the Python one did not).
         update(5, 0, root_map_item("elements", "d", 8, var_uint(1) + bytes([126])),
                deletes=var_uint(1) + var_uint(5) + var_uint(2) + var_uint(0) + var_uint(0)
                + var_uint(3) + var_uint(0)),
         update(6, 2, bytes([0]) + var_uint(2), bytes([0]) + var_uint(0))]
#: Bytes that make numbers long, counts large and tags of every kind.
TRICKY = [0x80, 0xFF, 0x7F, 0x01, 0x00, 0x08, 0x28, 0x77, 0x76, 0x75, 0x74, 0x0A, 0xC8]


def mutate(data: bytes, rng: random.Random) -> bytes:
    mutated = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, max(len(mutated) - 1, 0))
        action = rng.randrange(4)
        if action == 0 and mutated:
            mutated[at] = rng.randrange(256)
        elif action == 1:
            del mutated[at:]
        elif action == 2:
            mutated[at:at] = rng.randbytes(rng.randint(1, 8))
        else:
            mutated[at:at] = bytes([rng.choice(TRICKY)]) * rng.randint(1, 12)
    return bytes(mutated)


@pytest.mark.parametrize("seed", SEEDS, ids=range(len(SEEDS)))
def test_every_seed_reads_the_same(seed: bytes) -> None:
    assert outcome(read_update, seed, 1 << 20) == outcome(reference, seed, 1 << 20)


def test_twenty_thousand_mutated_updates_read_the_same() -> None:
    rng = random.Random(20261201)
    accepted = 0
    for _ in range(20_000):
        data = mutate(rng.choice(SEEDS), rng)
        max_string = rng.choice([1 << 20, 4096, 16])
        ours = outcome(read_update, data, max_string)
        assert ours == outcome(reference, data, max_string), data.hex()
        accepted += ours[0] == "read"
    assert accepted > 200, "the mutations should leave some updates readable"


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([1 << 20, 8]))
def test_random_bytes_read_the_same(data: bytes, max_string: int) -> None:
    assert outcome(read_update, data, max_string) == outcome(reference, data, max_string)


@pytest.mark.parametrize("number", [2**53 - 1, 2**53, 2**63, 2**64 - 1, 2**64, 2**69])
def test_long_numbers_are_read_or_refused_alike(number: int) -> None:
    """A client id on both sides of 53 bits, and numbers at and past 64 bits, where C's
    integers end and Python's do not."""
    as_client = update(number, 0, root_map_item("elements", "k", 8, var_uint(1) + bytes([126])))
    as_parent_kind = update(7, 0, bytes([8]) + var_uint(number) + var_uint(7) + var_uint(0)
                            + var_uint(1) + bytes([126]))
    for data in (as_client, as_parent_kind):
        assert outcome(read_update, data, 1 << 20) == outcome(reference, data, 1 << 20)
