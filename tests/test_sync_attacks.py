"""Attacks on the sync endpoint by a link holder who does not use our browser client.

Each test sends what an adversarial participant would send (hand-made Yjs updates, updates
from a pycrdt client that skip the browser's rules) to a real server, and checks what every
other user would notice: the process stays up, other connections and boards carry on, and the
stored board is exactly as before.
"""

from __future__ import annotations

import asyncio
import functools

import pytest
from pycrdt import Doc, Map, Text
from yclient import YClient, connected
from yclient import wait_for as _wait_for
from yupdates import ANY_STRING, any_nested, deep_any_update, root_map_item, update

from partnerboard.server import yprotocol as yp

#: The machine running the suite may be busy: conditions get a generous deadline.
wait_for = functools.partial(_wait_for, limit=15)


def run(coroutine) -> None:  # noqa: ANN001
    asyncio.run(coroutine)


async def refused(url: str, frame: bytes) -> int | None:
    """Connect, send one frame, and return the close code the server answers with."""
    client = await YClient(url).connect()
    await asyncio.wait_for(client.synced.wait(), 5)
    await client.send_raw(frame)
    code = await client.wait_closed(10)
    await client.close()
    return code


@pytest.mark.parametrize("role", ["participant", "facilitator"])
def test_a_deeply_nested_value_is_refused_before_the_crdt_decoder_sees_it(own_server, role):
    server = own_server.start()
    board, other_board = server.create_board(), server.create_board()
    deep = deep_any_update(30_000)
    assert 55_000 < len(deep) < 65_000

    async def scenario() -> None:
        async with connected(server.board_ws(other_board)) as witness:
            for frame in (yp.sync_update(deep), yp.sync_step2(deep)):
                assert await refused(server.board_ws(board, role), frame) == 1002
            assert server.proc.poll() is None
            witness.add_note("still-here", "the other board carries on")
            async with connected(server.board_ws(other_board, "observer")) as reader:
                await wait_for(lambda: "still-here" in reader.elements, what="other board")
        async with connected(server.board_ws(board, "observer")) as fresh:
            assert "deep" not in fresh.elements

    run(scenario())
    log = server.log_path.read_text()
    assert f"board {board['id']}: closing a connection with 1002: update refused" in log
    assert "Traceback" not in log


def test_content_at_the_depth_limit_is_accepted_and_one_level_more_is_not(server):
    board = server.create_board()

    async def scenario() -> None:
        assert await refused(server.board_ws(board, "facilitator"),
                             yp.sync_update(deep_any_update(65, key="too-deep"))) == 1002
        async with connected(server.board_ws(board, "facilitator")) as facilitator:
            # In a setting: an element is a map (and its values nest at most 16 deep).
            setting = update(4_000_002, 0, root_map_item("meta", "ok", 8,
                                                         yp.var_uint(1) + any_nested(64)))
            await facilitator.send_raw(yp.sync_update(setting))
            async with connected(server.board_ws(board, "observer")) as reader:
                meta = reader.doc.get("meta", type=Map)
                await wait_for(lambda: "ok" in meta, what="64 levels accepted")
                assert "too-deep" not in reader.elements
            assert facilitator.close_code is None

    run(scenario())


def nested_maps(depth: int) -> Map:
    inner: Map = Map({"leaf": 1})
    for _ in range(depth - 1):
        inner = Map({"child": inner})
    return inner


def test_settings_smuggled_next_to_a_deep_element_leave_no_trace(own_server):
    """The first round's bypass: the guard's check failed half-way and its undo never ran."""
    server = own_server.start()
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as attacker:
            with attacker.doc.transaction():
                meta = attacker.doc.get("meta", type=Map)
                meta["title"] = "HACKED by participant"
                meta["step"] = 3
                attacker.doc.get("partners", type=Map)["evil"] = Map({"name": "Evil", "color": ""})
                attacker.elements["bomb"] = nested_maps(200)  # over 64; pycrdt itself recurses
            assert await attacker.wait_closed(10) == 1002
        async with connected(server.board_ws(board, "observer")) as fresh:
            meta = fresh.doc.get("meta", type=Map)
            assert (meta["title"], meta["step"]) == ("Test board", 0)
            assert "evil" not in fresh.doc.get("partners", type=Map)
            assert "bomb" not in fresh.elements

    run(scenario())
    # And on disk: after a restart (the room compacted at unload) the board is as it was.
    server.terminate()
    server.start()

    async def after_restart() -> None:
        async with connected(server.board_ws(board, "observer")) as fresh:
            assert fresh.doc.get("meta", type=Map)["title"] == "Test board"
            assert "evil" not in fresh.doc.get("partners", type=Map)

    run(after_restart())


def test_nesting_built_up_over_several_updates_is_undone(server):
    """Each update nests within the decoder's bound; the element rules refuse shared types."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as attacker, \
                connected(server.board_ws(board, "observer")) as watcher:
            attacker.add_note("n", "a note")
            await wait_for(lambda: "n" in watcher.elements, what="note")
            attacker.elements["n"]["extra"] = nested_maps(50)
            await attacker.flush()
            await wait_for(lambda: "extra" not in attacker.elements["n"], what="undone")
            assert "extra" not in watcher.elements["n"]
            assert attacker.close_code is None

    run(scenario())


GOOD = {"kind": "note", "x": 100, "y": 100, "w": 160, "h": 100, "author": "a", "org": "",
        "color": "#fff", "created": 1.0}


@pytest.mark.parametrize("bad", [
    {"status": "agreed"},
    {"status": "parked"},
    {"x": None},
    {"x": float("nan")},
    {"kind": 5},
    {"blob": b"bytes are not JSON"},
    {"sub": Map({"a": 1})},
    {"huge": "x" * 5_000},
    {"deep": [[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]},
    {"text": "a plain string, not a Y.Text"},
    {"author": None},
], ids=lambda bad: next(iter(bad)))
def test_a_participant_new_element_obeys_the_element_rules(server, bad):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as attacker, \
                connected(server.board_ws(board, "observer")) as watcher:
            with attacker.doc.transaction():
                attacker.elements["bad"] = Map({**GOOD, "text": Text("x"), **bad})
                attacker.elements["good"] = Map({**GOOD, "text": Text("fine")})
            await attacker.flush()
            await wait_for(lambda: "bad" not in attacker.elements, what="bad element undone")
            attacker.add_note("after", "later notes still work")
            await wait_for(lambda: "after" in watcher.elements, what="later edit")
            assert "bad" not in watcher.elements
            assert "good" not in watcher.elements  # the whole update was undone

    run(scenario())


@pytest.mark.parametrize("bad", ["a plain value", Text("a shared text"), 7],
                         ids=["string", "text", "number"])
def test_an_element_that_is_not_a_map_is_undone(server, bad):
    """Every reader takes an element for a map of keys (DESIGN §6): anything else under
    ``elements`` is undone, with the rest of its update."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as attacker, \
                connected(server.board_ws(board, "observer")) as watcher:
            with attacker.doc.transaction():
                attacker.elements["bad"] = bad
                attacker.elements["good"] = Map({**GOOD, "text": Text("fine")})
            await attacker.flush()
            await wait_for(lambda: "bad" not in attacker.elements, what="bad element undone")
            attacker.add_note("after", "later notes still work")
            await wait_for(lambda: "after" in watcher.elements, what="later edit")
            assert "bad" not in watcher.elements
            assert "good" not in watcher.elements

    run(scenario())


def test_a_participant_cannot_add_an_agreed_note_to_tilt_the_covenant(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator, \
                connected(server.board_ws(board, "participant")) as participant:
            facilitator.add_note("theirs", "another partner's value", x=120, y=120)
            await wait_for(lambda: "theirs" in participant.elements, what="note")
            participant.add_note("mine", "only mine counts", x=130, y=130, status="agreed")
            await participant.flush()
            await wait_for(lambda: "mine" not in participant.elements, what="undone")
            participant.add_note("plain", "a plain note", x=140, y=140)
            await wait_for(lambda: "plain" in facilitator.elements, what="plain note")
            assert "mine" not in facilitator.elements
            assert "status" not in facilitator.elements["theirs"]

    run(scenario())


def test_a_participant_cannot_remove_an_element_common_key(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as participant, \
                connected(server.board_ws(board, "observer")) as watcher:
            participant.add_note("n", "note")
            await wait_for(lambda: "n" in watcher.elements, what="note")
            del participant.elements["n"]["x"]
            await participant.flush()
            await wait_for(lambda: "x" in participant.elements["n"], what="key restored")
            assert "x" in watcher.elements["n"]

    run(scenario())


def test_the_facilitator_may_mark_a_well_formed_element(server):
    """The facilitator's keys (an agreed mark) are theirs to set, on a new element too."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator, \
                connected(server.board_ws(board, "observer")) as watcher:
            facilitator.elements["agreed"] = Map({**GOOD, "text": Text("x"), "status": "agreed"})
            await wait_for(lambda: "agreed" in watcher.elements, what="facilitator element")
            assert watcher.elements["agreed"]["status"] == "agreed"

    run(scenario())


@pytest.mark.parametrize("bad", [
    {"x": "12"},
    {"kind": None},
    {"blob": b"\x00bytes"},
    {"huge": "x" * 5_000},
    {"nested": Map({"inner": Text("a shared type")})},
    {"text": "a plain string, not a Y.Text"},
], ids=lambda bad: next(iter(bad)))
def test_a_facilitator_hand_made_malformed_element_is_undone(server, bad):
    """The facilitator's update, made with pycrdt rather than our client, is held to the same
    element shape (DESIGN §6): a malformed element would break the covenant and every reader,
    for everyone. The rest of the facilitator's update is undone with it; settings still work."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator, \
                connected(server.board_ws(board, "observer")) as watcher:
            with facilitator.doc.transaction():
                facilitator.elements["bad"] = Map({**GOOD, "text": Text("x"), **bad,
                                                   "status": "agreed"})
            await facilitator.flush()
            await wait_for(lambda: "bad" not in facilitator.elements, what="bad element undone")
            facilitator.doc.get("meta", type=Map)["title"] = "Still the facilitator's"
            await wait_for(lambda: watcher.doc.get("meta", type=Map).get("title")
                           == "Still the facilitator's", what="a later setting")
            assert "bad" not in watcher.elements
            assert facilitator.close_code is None

    run(scenario())


def test_not_even_the_facilitator_removes_the_board_canvas(server):
    """A board without meta.canvas can't be loaded again (found by the WebSocket fuzzer: the
    facilitator's update deleting it left the board answering 1011 after a restart)."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator:
            meta = facilitator.doc.get("meta", type=Map)
            del meta["canvas"]
            await facilitator.flush()
            await wait_for(lambda: "canvas" in meta, what="canvas restored")
        async with connected(server.board_ws(board, "observer")) as fresh:
            assert fresh.doc.get("meta", type=Map)["canvas"] == "partnership-map"

    run(scenario())


def test_pycrdt_document_for_reference_is_unchanged() -> None:
    """The hand-made update really is what pycrdt would crash on: a pycrdt doc reads a shallow
    one of the same shape (so the test above exercises the real format)."""
    doc = Doc()
    doc.apply_update(deep_any_update(3))
    assert doc.get("elements", type=Map)["deep"] == [[[None]]]



@pytest.mark.parametrize("kind", [Map, Text], ids=["map", "text"])
def test_a_participant_cannot_write_to_a_root_type_outside_the_board(server, kind):
    """A board is meta, partners and elements; an update that writes any other root type (a
    map entry, or text placed straight in a root) is refused, and nobody ever receives it."""
    board = server.create_board()
    attacker_doc = Doc()
    stash = attacker_doc.get("stash", type=kind)
    if kind is Map:
        stash["x"] = "hidden payload"
    else:
        stash.insert(0, "hidden payload")
    frame = yp.sync_update(attacker_doc.get_update())

    async def scenario() -> None:
        assert await refused(server.board_ws(board, "participant"), frame) == 1008
        async with connected(server.board_ws(board, "observer")) as fresh:
            assert "hidden payload" not in str(fresh.doc.get("stash", type=kind))

    run(scenario())
    assert "outside the board" in server.log_path.read_text()


@pytest.mark.parametrize("kind", [0, 10], ids=["gc", "skip"])
def test_a_struct_of_length_zero_under_another_client_id_is_refused(server, kind):
    """A GC struct of length 0 at clock 0 of someone else's client id writes no clock, so no
    client id check saw it, and pycrdt turned that client's first item into garbage: 14 bytes
    from a participant erased the facilitator's note, for good (found in an attack review)."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator:
            facilitator.add_note("n1", "keep me")
            await facilitator.flush()
            victim = facilitator.doc.client_id
            erase = (yp.var_uint(1) + yp.var_uint(1) + yp.var_uint(victim) + yp.var_uint(0)
                     + bytes([kind]) + yp.var_uint(0) + yp.var_uint(0))
            assert await refused(server.board_ws(board, "participant"),
                                 yp.sync_update(erase)) == 1002
        async with connected(server.board_ws(board, "observer")) as fresh:
            await wait_for(lambda: "n1" in fresh.elements, what="the note")
            assert str(fresh.elements["n1"]["text"]) == "keep me"

    run(scenario())


def _note_and_text(doc) -> tuple[int, int, int]:  # noqa: ANN001 - a pycrdt Doc
    """The facilitator's client id, the clock of its note (the map under ``elements``) and the
    clock of the note's text, read from its document's own encoding."""
    from partnerboard.server.yupdate import read_update

    summary = read_update(doc.get_update())
    client = doc.client_id
    note = min(clock for owner, clock in summary.types if owner == client)
    text = min(clock for owner, clock in summary.strings if owner == client)
    return client, note, text


@pytest.mark.parametrize("shape", ["right origin at a map value", "String as a map value"])
def test_an_item_placed_where_yjs_never_places_one_is_refused(server, shape):
    """yrs takes an item whose origin is a character of a text and whose right origin is a
    note (a map value), and deletes the rest of that text, which Yjs does not: the stored
    board and every client's differed, and a reload showed the facilitator's text empty. A
    map value in String content reads as one character in Yjs and as the string in yrs (both
    found in an attack review)."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator:
            facilitator.add_note("fnote", "facilitator text")
            await facilitator.flush()
            client, note, text = _note_and_text(facilitator.doc)
            value = yp.var_uint(1) + bytes([ANY_STRING]) + yp.var_bytes(b"#123456")
            if shape == "String as a map value":
                item = (bytes([4 | 0x20]) + yp.var_uint(0) + yp.var_uint(client)
                        + yp.var_uint(note) + yp.var_bytes(b"color") + yp.var_bytes(b"#abcdef"))
            else:
                item = (bytes([8 | 0x80 | 0x40]) + yp.var_uint(client) + yp.var_uint(text + 3)
                        + yp.var_uint(client) + yp.var_uint(note) + value)
            attack = update(2**53 - 2, 0, item)
            assert await refused(server.board_ws(board, "participant"),
                                 yp.sync_update(attack)) == 1002
            assert str(facilitator.elements["fnote"]["text"]) == "facilitator text"
        async with connected(server.board_ws(board, "observer")) as fresh:
            await wait_for(lambda: "fnote" in fresh.elements, what="the note")
            note_now = fresh.elements["fnote"]
            assert str(note_now["text"]) == "facilitator text"
            assert note_now.get("color") != "#abcdef"

    run(scenario())
