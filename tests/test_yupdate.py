"""The bounded Yjs update reader: it reads everything pycrdt writes, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText
from yclient import state_vector
from yupdates import any_nested, deep_any_update, root_map_item, update

from partnerboard.server.yprotocol import var_bytes, var_uint
from partnerboard.server.yupdate import (
    MAX_DEPTH,
    UpdateRejected,
    UpdateTooBig,
    json_depth_exceeds,
    read_update,
)


def rich_document() -> Doc:
    """A document using every content kind pycrdt writes that a board may hold."""
    doc = Doc()
    elements = doc.get("elements", type=Map)
    array = doc.get("array", type=Array)
    text = doc.get("text", type=Text)
    with doc.transaction():
        elements["n1"] = Map({
            "kind": "note", "x": 1.5, "y": -3, "text": Text("héllo 😀"), "bytes": b"\x00\xff",
            "list": [1, {"a": None, "b": [True, False]}], "big": 2**40, "neg": -5,
        })
        array.extend([1, "x", [1, 2], {"k": "v"}, None, True, 1.25])
        text += "abc"
        text.insert(1, "ZZ")
        del elements["n1"]["bytes"]
    return doc


@pytest.mark.parametrize("kind", ["format", "embed", "sub-document", "xml"])
def test_content_a_board_never_holds_is_refused(kind: str) -> None:
    """DESIGN.md section 6: maps, texts and plain values. pycrdt mishandles a format placed as a
    map entry (a panic while building observer events, then a segfault: found by the fuzzer)."""
    doc = Doc()
    text = doc.get("text", type=Text)
    text += "abc"
    before = doc.get_state()
    if kind == "format":
        text.format(0, 1, {"bold": True})
    elif kind == "embed":
        text.insert_embed(1, {"image": "x.png"})
    elif kind == "sub-document":
        doc.get("array", type=Array).append(Doc())
    else:
        doc.get("xml", type=XmlFragment).children.append(XmlElement("p", {}, [XmlText("x")]))
    with pytest.raises(UpdateRejected, match="no place on a board"):
        read_update(doc.get_update(before))


def test_every_content_kind_pycrdt_writes_is_read_with_its_clock_range() -> None:
    doc = rich_document()
    summary = read_update(doc.get_update())
    assert {client: end for client, (_, end) in summary.writes.items()} == state_vector(doc)
    assert summary.root_keys == {"elements": 1}
    assert summary.deletes  # the removed key
    # An incremental update: its range starts where the other side's state ends.
    before, known = doc.get_state(), state_vector(doc)
    doc.get("elements", type=Map)["n1"]["text"] += " more 😀"
    del doc.get("array", type=Array)[0]
    summary = read_update(doc.get_update(before))
    client = doc.client_id
    assert summary.writes == {client: (known[client], state_vector(doc)[client])}


def test_nesting_is_bounded_at_64_levels() -> None:
    read_update(deep_any_update(MAX_DEPTH))
    for depth in (MAX_DEPTH + 1, 30_000):
        with pytest.raises(UpdateRejected, match="deeper than 64"):
            read_update(deep_any_update(depth))


def test_json_content_and_types_are_bounded_too() -> None:
    deep_json = "[" * 65 + "]" * 65
    content = var_uint(1) + var_bytes(deep_json.encode())
    with pytest.raises(UpdateRejected, match="JSON"):
        read_update(update(7, 0, root_map_item("elements", "j", 2, content)))
    doc = Doc()
    inner = Map({"leaf": 1})
    for _ in range(MAX_DEPTH + 5):
        inner = Map({"c": inner})
    doc.get("elements", type=Map)["deep"] = inner
    with pytest.raises(UpdateRejected, match="types nested"):
        read_update(doc.get_update())


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert not json_depth_exceeds('"' + "[" * 100 + '"')
    assert not json_depth_exceeds('["\\"' + "[" * 100 + '"]')
    assert json_depth_exceeds("[" * 65 + "]" * 65)
    assert not json_depth_exceeds("[" * 64 + "]" * 64)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "truncated"),
    (update(1, 0, root_map_item("elements", "k", 8, var_uint(1) + bytes([126]))) + b"\x00",
     "unexpected bytes"),
    (update(1, 0, root_map_item("elements", "k", 11, b"")), "unknown content kind"),
    (update(1, 0, root_map_item("elements", "k", 8, var_uint(1) + bytes([99]))), "value tag"),
    (update(1, 0, root_map_item("elements", "k", 4, var_bytes(b"\xff\xfe"))), "UTF-8"),
    (update(1, 2**33, root_map_item("elements", "k", 8, var_uint(1) + bytes([126]))), "clock"),
    (update(2**60, 0, root_map_item("elements", "k", 8, var_uint(1) + bytes([126]))), "client"),
    (var_uint(1000) + b"\x00", "count"),
    (update(1, 0, root_map_item("elements", "k", 8, var_uint(10**6))), "count"),
    (update(1, 0, root_map_item("elements", "k", 1, var_uint(0))), "length 0"),
    (update(1, 0, bytes([0]) + var_uint(0)), "length 0"),  # GC
    (update(1, 0, bytes([10]) + var_uint(0)), "length 0"),  # Skip
    (b"\x00" + var_uint(1) + var_uint(5) + var_uint(1) + var_uint(2**32) + var_uint(1),
     "out of range"),
])
def test_malformed_updates_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(UpdateRejected, match=message):
        read_update(data)


def test_a_client_id_over_53_bits_is_refused_wherever_its_bytes_came_before() -> None:
    """Browsers read client ids as JavaScript numbers: one over 2**53 is a different id there
    than on the server. The reader remembers the last long number it read, and a number read
    where any value passes (an item's parent kind, normally 0 or 1) let the same bytes pass as
    a writer's id later."""
    huge = var_uint(2**60)
    any_undefined = var_uint(1) + bytes([127])
    named_first = (var_uint(2) + var_uint(1) + var_uint(7) + var_uint(0)
                   + bytes([8]) + huge + huge + var_uint(0) + any_undefined
                   + var_uint(1) + huge + var_uint(0)
                   + root_map_item("elements", "k", 8, any_undefined) + var_uint(0))
    with pytest.raises(UpdateRejected, match="client id"):
        read_update(named_first)


def test_a_value_over_the_size_limit_is_too_big() -> None:
    content = var_bytes(b"x" * 5_000)
    with pytest.raises(UpdateTooBig) as refused:
        read_update(update(1, 0, root_map_item("elements", "k", 4, content)), max_string=4_096)
    assert refused.value.code == 1009


def test_a_hole_and_foreign_references_are_reported() -> None:
    doc = Doc()
    doc.get("text", type=Text).insert(0, "ab")
    first = doc.get_update()
    state = doc.get_state()
    doc.get("text", type=Text).insert(2, "cd")
    second = read_update(doc.get_update(state))
    client = doc.client_id
    assert second.writes == {client: (2, 4)}
    assert (client, 1) in second.refs  # placed after the first insert
    assert read_update(first).writes == {client: (0, 2)}


VALID = [rich_document().get_update(), deep_any_update(10),
         update(3, 0, root_map_item("elements", "a", 8, var_uint(2) + any_nested(3) * 2))]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(VALID), st.data())
def test_mutated_updates_are_read_or_refused_never_crash(valid: bytes, data: st.DataObject) -> None:
    mutated = bytearray(valid)
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        at = data.draw(st.integers(0, max(len(mutated) - 1, 0)))
        if action == "flip" and mutated:
            mutated[at] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del mutated[at:]
        else:
            mutated[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    try:
        read_update(bytes(mutated))
    except UpdateRejected:
        return
    # What the reader accepts, pycrdt reads without crashing the process.
    try:
        Doc().apply_update(bytes(mutated))
    except BaseException as error:  # noqa: BLE001 - pycrdt's PanicException is a BaseException
        if isinstance(error, KeyboardInterrupt):
            raise


edit = st.tuples(st.integers(0, 2), st.sampled_from(["note", "type", "move", "delete"]),
                 st.integers(0, 50))


@settings(max_examples=60, deadline=None)
@given(edits=st.lists(edit, min_size=1, max_size=30))
def test_an_update_that_cannot_wait_is_integrated_whole(edits: list) -> None:
    """The room reads the document's clocks after an update only when ``may_wait`` says part
    of it could be held back (client_ids). Three clients edit the same notes; every update
    sends is applied to a server copy in turns: none of them may wait (the fast path is the
    common one), and the server's clocks are then where each update's writes end."""
    clients = [Doc() for _ in range(3)]
    server = Doc()
    for step, (who, kind, pick) in enumerate(edits):
        doc = clients[who]
        doc.apply_update(server.get_update(doc.get_state()))  # what the others sent
        before = doc.get_state()
        elements = doc.get("elements", type=Map)
        keys = sorted(elements.keys())
        if kind == "note" or not keys:
            elements[f"n{step}"] = Map({"x": 1.0, "text": Text("ab")})
        else:
            key = keys[pick % len(keys)]
            if kind == "type":
                text = elements[key]["text"]
                text.insert(pick % (len(text) + 1), f"w{step}")
            elif kind == "move":
                elements[key]["x"] = float(step)
            else:
                del elements[key]
        sent = doc.get_update(before)
        summary = read_update(sent)
        clocks = state_vector(server)
        server.apply_update(sent)
        assert not summary.may_wait
        for client, (_start, end) in summary.writes.items():
            clocks[client] = max(clocks.get(client, 0), end)
        assert state_vector(server) == clocks
