"""The fuzzer's own Yjs codec (tests/wsfuzz): it must read and write exactly what pycrdt does,
or the structured mutations would test the codec instead of the server."""

from __future__ import annotations

import random

from pycrdt import Array, Doc, Map, Text
from wsfuzz.depth import any_depth, update_depth
from wsfuzz.mutate import deep_any_bytes
from wsfuzz.seeds import Board, SeedMaker
from wsfuzz.ycodec import decode_update, encode_update


def _board() -> Board:
    doc = Doc()
    with doc.transaction():
        doc.get("meta", type=Map)["title"] = "T"
        doc.get("partners", type=Map)["p1"] = Map({"name": "Gemeente", "color": "#f00"})
        doc.get("elements", type=Map)["n1"] = Map({"kind": "note", "text": Text("hi"), "x": 1})
    return Board(doc.get_update(), ("n1",), ("p1",))


def test_codec_round_trips_every_kind_of_seed_byte_for_byte():
    maker = SeedMaker(_board(), random.Random(3))
    for _ in range(150):
        update = maker.make(4242).update
        assert encode_update(decode_update(update)) == update


def test_moving_a_seed_to_another_client_gives_the_same_document():
    board = _board()
    update = SeedMaker(board, random.Random(5)).make(4242).update
    moved = encode_update(decode_update(update), (4242, 99, 0))
    original, copy = Doc(), Doc()
    for doc, change in ((original, update), (copy, moved)):
        doc.apply_update(board.base_update)
        doc.apply_update(change)
    assert original.get("elements", type=Map).to_py() == copy.get("elements", type=Map).to_py()
    assert 99 in {client for client, _, _ in decode_update(moved).clients}


def test_depth_is_measured_without_recursion():
    assert any_depth(deep_any_bytes(100_000)) == 100_000
    assert any_depth(deep_any_bytes(64, "object")) == 64
    doc = Doc()
    doc.get("elements", type=Map)["a"] = Map({"v": [[1, {"k": [2]}]], "l": Array([1])})
    assert update_depth(doc.get_update()) == 4
