"""The guard fails closed: when checking an update fails in any way, the update leaves no trace.

The room runs in-process over an in-memory transport and a real store (SQLite, or PostgreSQL
when the suite runs on it); the failure is injected into the guard's check (the first round's
RecursionError came from there).
"""

from __future__ import annotations

import asyncio

import pytest
from memory_transport import MemoryTransport, serve_frames
from pycrdt import Doc, Map, Text
from wsfuzz.ycodec import (
    ANY,
    DELETED,
    STRING,
    Item,
    Update,
    decode_update,
    encode_any,
    encode_update,
)
from yclient import YClient, connected
from yupdates import root_map_item, update

from partnerboard.canvases.partnership_map.spec import SPEC
from partnerboard.server import yprotocol as yp
from partnerboard.server.boards import Boards
from partnerboard.server.doc_index import DocIndex
from partnerboard.server.guard import UpdateGuard
from partnerboard.server.room import Room, load_document
from partnerboard.server.store import Store
from partnerboard.server.tokens import Role
from partnerboard.server.yprotocol import var_uint
from partnerboard.server.yupdate import UpdateRejected


def test_an_update_the_guard_cannot_check_is_not_kept(store: Store, monkeypatch) -> None:
    board = Boards(store).create(SPEC, "Title", "en", ["Gemeente", "Zorg"]).record
    room = Room(board.id, store, spec=SPEC, compact_every=1_000)
    before = room.doc.get_update()
    stored_before = store.load_document(board.id)

    attacker = Doc()
    attacker.apply_update(before)
    with attacker.transaction():
        attacker.get("meta", type=Map)["title"] = "HACKED by participant"
        attacker.get("partners", type=Map)["evil"] = Map({"name": "Evil", "color": ""})
        attacker.get("elements", type=Map)["n"] = Map({"kind": "note", "text": Text("x")})
    update = attacker.get_update(room.doc.get_state())

    def observer_fails(watch: object, events: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    # Where the first round's RecursionError came from: the guard's reading of the changes.
    monkeypatch.setattr(UpdateGuard, "_record", staticmethod(observer_fails))

    async def scenario() -> tuple[int, str] | None:
        transport = MemoryTransport()
        serving = asyncio.create_task(room.serve(transport, Role.PARTICIPANT))
        transport.incoming.put_nowait(yp.sync_update(update))
        transport.incoming.put_nowait(None)
        await asyncio.wait_for(serving, 5)
        return transport.closed

    assert asyncio.run(scenario()) == (1002, "update rejected")
    meta = room.doc.get("meta", type=Map)
    assert meta["title"] == "Title"
    assert "evil" not in room.doc.get("partners", type=Map)
    assert "n" not in room.doc.get("elements", type=Map)
    # Nothing was stored, and compaction (which writes the in-memory document) adds nothing.
    assert store.load_document(board.id) == stored_before
    room.compact()
    doc = load_document(store, board.id)[0]
    assert doc.get("meta", type=Map)["title"] == "Title"
    assert "evil" not in doc.get("partners", type=Map)


def test_the_room_works_normally_after_a_failed_check(store: Store, monkeypatch) -> None:
    board = Boards(store).create(SPEC, "Title", "en", ["Gemeente"]).record
    room = Room(board.id, store, spec=SPEC)
    calls = {"n": 0}
    original = UpdateGuard.apply

    def fails_once(self: UpdateGuard, update: bytes, **options: object):  # noqa: ANN202
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("check failed")
        return original(self, update, **options)

    monkeypatch.setattr(UpdateGuard, "apply", fails_once)

    def note_update(note_id: str) -> bytes:
        writer = Doc()
        writer.apply_update(room.doc.get_update())
        state = writer.get_state()
        writer.get("elements", type=Map)[note_id] = Map({
            "kind": "note", "x": 0, "y": 0, "w": 1, "h": 1, "text": Text("t"), "author": "",
            "org": "", "color": "", "created": 0})
        return writer.get_update(state)

    async def send(update: bytes) -> tuple[int, str] | None:
        transport = MemoryTransport()
        serving = asyncio.create_task(room.serve(transport, Role.PARTICIPANT))
        transport.incoming.put_nowait(yp.sync_update(update))
        transport.incoming.put_nowait(None)
        await asyncio.wait_for(serving, 5)
        return transport.closed

    assert asyncio.run(send(note_update("first"))) == (1002, "update rejected")
    assert "first" not in room.doc.get("elements", type=Map)
    assert asyncio.run(send(note_update("second"))) is None
    assert "second" in room.doc.get("elements", type=Map)
    assert "second" in load_document(store, board.id)[0].get("elements", type=Map)


def test_undoing_an_update_that_lists_its_client_twice_does_not_kill_the_server(own_server):
    """Found by the WebSocket fuzzer: a participant's update listing its client's structs twice,
    following a note's ``kind`` value and deleting that value, is undone by the guard; pycrdt
    built the undo's observer events from freed memory and the whole process died
    (segfault). The guard now undoes with no observer subscribed."""
    server = own_server.start()
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator:
            facilitator.add_note("n", "a note", x=10, y=10)
            await facilitator.flush()
            kind = next(item for _, _, structs in
                        decode_update(facilitator.doc.get_update()).clients
                        for item in structs
                        if isinstance(item, Item) and item.parent_sub == "kind")
            client = 3_338_721_357
            structs = [Item(client, clock, ANY, [encode_any(-0.0)],
                            origin=(kind.client, kind.clock), sub_bit=True)
                       for clock in (54, 55)]
            hostile = encode_update(Update(
                clients=[(client, 54, structs), (client, 54, list(structs))],
                deletes=[(kind.client, [(kind.clock, 1)])]))
            attacker = await YClient(server.board_ws(board, "participant")).connect()
            await attacker.send_raw(yp.sync_update(hostile))
            await attacker.send_raw(yp.sync_step1(b"\x00"))
            await asyncio.sleep(1)
            assert server.proc.poll() is None, "the server died"
            await attacker.close()
            async with connected(server.board_ws(board, "observer")) as reader:
                assert reader.elements["n"]["kind"] == "note"

    asyncio.run(scenario())
    assert "Fatal Python error" not in server.log_path.read_text()


def room_and_note(store: Store, text: str) -> tuple[Room, bytes]:
    """A room of a new board, and a well-formed update that adds note "n" with ``text`` (not
    sent yet)."""
    board = Boards(store).create(SPEC, "Title", "en", ["Gemeente"]).record
    room = Room(board.id, store, spec=SPEC)
    writer = Doc()
    writer.apply_update(room.doc.get_update())
    state = writer.get_state()
    with writer.transaction():
        writer.get("elements", type=Map)["n"] = Map({
            "kind": "note", "x": 10, "y": 10, "w": 160, "h": 100, "text": Text(text),
            "author": "A", "org": "Gemeente", "color": "#fff", "created": 1.0})
    return room, writer.get_update(state)


def test_claiming_a_live_value_deleted_does_not_make_it_a_parent(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the WebSocket fuzz: an update that carries, as deleted content, an ID the board
    already holds as a live value (yrs skips it, the value stays live) used to pass that value
    as a deleted parent, so the child placed inside it reached pycrdt (which refused it, and the
    room reloaded its document). Only content the board does not hold yet counts as arriving
    deleted: the update is refused before it is applied."""
    room, made = room_and_note(store, "a")
    items = [item for _, _, structs in decode_update(made).clients for item in structs
             if isinstance(item, Item)]
    note = next(item for item in items if item.parent_sub == "n")
    x = next(item for item in items if item.parent_sub == "x")
    attacker = 3_338_721_999
    hostile = encode_update(Update(clients=[
        (x.client, x.clock, [Item(x.client, x.clock, DELETED, 1,
                                  parent=(note.client, note.clock), parent_sub="x")]),
        (attacker, 0, [Item(attacker, 0, ANY, [encode_any(1)], parent=(x.client, x.clock),
                            parent_sub="inside")])]))

    async def scenario() -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
        facilitator, participant = MemoryTransport(), MemoryTransport()
        serving = [asyncio.create_task(room.serve(facilitator, Role.FACILITATOR, "f")),
                   asyncio.create_task(room.serve(participant, Role.PARTICIPANT, "p"))]
        facilitator.incoming.put_nowait(yp.sync_update(made))
        await asyncio.sleep(0.1)
        participant.incoming.put_nowait(yp.sync_update(hostile))
        participant.incoming.put_nowait(None)
        await asyncio.wait_for(serving[1], 5)
        facilitator.incoming.put_nowait(None)
        await asyncio.wait_for(serving[0], 5)
        return facilitator.closed, participant.closed

    reloads = {"n": 0}
    original = Room._restore

    def counted(self: Room) -> None:
        reloads["n"] += 1
        original(self)

    monkeypatch.setattr(Room, "_restore", counted)
    _, refused = asyncio.run(scenario())
    assert refused is not None and refused[0] == 1002
    assert "not a shared type" in refused[1], refused
    assert reloads["n"] == 0, "the update reached pycrdt"
    note_now = room.doc.get("elements", type=Map)["n"]
    assert note_now["x"] == 10 and "inside" not in note_now


def test_an_update_that_splits_an_emoji_in_two_is_refused(store: Store) -> None:
    """Found by the WebSocket fuzzer: deleting (or inserting at) the middle of a character that
    takes two UTF-16 units makes yrs split its string item into halves whose lengths no longer
    match their clocks, so the board's own encoding said something else than the clients held
    ("an item of length 0" when the room reloaded it). Such an update is refused; deleting the
    whole character is fine."""
    room, made = room_and_note(store, "😀ab")
    text = next(item for _, _, structs in decode_update(made).clients for item in structs
                if isinstance(item, Item) and item.content == "😀ab")
    emoji = (text.client, text.clock)  # its halves are at clock and clock + 1
    half = encode_update(Update(deletes=[(emoji[0], [(emoji[1] + 1, 1)])]))
    inside = encode_update(Update(clients=[(77_001, 0, [
        Item(77_001, 0, STRING, "x", origin=emoji, right_origin=(emoji[0], emoji[1] + 1))])]))
    whole = encode_update(Update(deletes=[(emoji[0], [(emoji[1], 2)])]))

    def send(role: Role, link: str, update: bytes) -> tuple[int, str] | None:
        async def scenario() -> tuple[int, str] | None:
            transport = MemoryTransport()
            serving = asyncio.create_task(room.serve(transport, role, link))
            transport.incoming.put_nowait(yp.sync_update(update))
            transport.incoming.put_nowait(None)
            await asyncio.wait_for(serving, 5)
            return transport.closed
        return asyncio.run(scenario())

    def note_text() -> str:
        return str(room.doc.get("elements", type=Map)["n"]["text"])

    send(Role.FACILITATOR, "f", made)
    assert note_text() == "😀ab"
    for hostile in (half, inside):
        closed = send(Role.PARTICIPANT, "p", hostile)
        assert closed is not None and closed[0] == 1002 and "character" in closed[1], closed
        assert note_text() == "😀ab"
    assert send(Role.PARTICIPANT, "p", whole) is None
    assert note_text() == "ab"
    # What the room holds reads back as it is, with the same text.
    room.compact()
    stored = load_document(store, room.board_id)[0]
    assert str(stored.get("elements", type=Map)["n"]["text"]) == "ab"


def test_a_document_that_does_not_read_back_closes_its_room_without_a_traceback(
        store: Store, monkeypatch) -> None:
    """Should the board's own encoding ever be refused by the reader (what a split emoji did),
    reloading it is a damaged board: its connections close with 1011 and a log line, and
    nothing escapes as an exception (a traceback in the log)."""
    board = Boards(store).create(SPEC, "Title", "en", ["Gemeente"]).record
    room = Room(board.id, store, spec=SPEC)

    def refuses(data: bytes, *, max_string: int = 0) -> object:
        raise UpdateRejected("an item of length 0")

    monkeypatch.setattr("partnerboard.server.doc_index.read_update", refuses)
    room._restore()
    assert room.closed and room.stale


def _serve(room: Room, *frames: bytes, answered: bool = True) -> tuple[int, str] | None:
    """Send each update to the room from one participant connection, after its answer to the
    server's sync step 1 unless not ``answered``; how the connection was closed."""

    answer = [yp.sync_step2(yp.EMPTY_UPDATE)] if answered else []
    return serve_frames(room, [*answer, *(yp.sync_update(frame) for frame in frames)],
                        timeout=5)


def _note(room: Room, client: int, key: str) -> bytes:
    """A well-formed update, under ``client``, that adds note ``key`` to the room's board."""
    writer = Doc(client_id=client)
    writer.apply_update(room.doc.get_update())
    state = writer.get_state()
    writer.get("elements", type=Map)[key] = Map({
        "kind": "note", "x": 10, "y": 10, "w": 160, "h": 100, "text": Text(key),
        "author": "A", "org": "Gemeente", "color": "#fff", "created": 1.0})
    return writer.get_update(state)


@pytest.mark.parametrize("how", ["own-link-not-here", "forward-inside-itself",
                                 "two-clients-in-a-circle"])
def test_nothing_an_update_brings_waits_inside_the_document(store: Store, how: str) -> None:
    """pycrdt keeps what refers to parts it does not have waiting, out of the guard's sight and
    out of the document's own encoding: a snapshot would drop it, and the next reload would no
    longer be the board the clients hold (found by the WebSocket fuzzer: a client's clocks
    476-495 at the witness, 479 at the server). So such an update is refused whole (1002), also
    when the part it waits for is its own link's, and also when it refers forward inside
    itself, which no order resolves (before this change, that one was stored and sent to
    everyone while the server's document held none of it)."""
    board = Boards(store).create(SPEC, "Title", "en", ["Gemeente"]).record
    room = Room(board.id, store, spec=SPEC)
    writer, other = 4_200_001, 4_200_002
    own = _note(room, writer, "own")
    if how == "own-link-not-here":  # after the writer's clock 100, never sent
        hostile = update(other, 0, bytes([8 | 0x80]) + var_uint(writer) + var_uint(100)
                         + var_uint(1) + bytes([126]))
    elif how == "forward-inside-itself":  # clock 0 is placed after clock 1 of the same update
        hostile = update(other, 0, bytes([8 | 0x80]) + var_uint(other) + var_uint(1)
                         + var_uint(1) + bytes([126]),
                         root_map_item("elements", "later", 8, var_uint(1) + bytes([126])))
    else:  # each of two clients' items placed after the other's, in one update
        def after(client: int, placed_after: int) -> bytes:
            return (var_uint(1) + var_uint(client) + var_uint(0) + bytes([8 | 0x80])
                    + var_uint(placed_after) + var_uint(0) + var_uint(1) + bytes([126]))
        hostile = var_uint(2) + after(other, writer + 7) + after(writer + 7, other) + b"\x00"
    # Ahead of the connection's sync answer, what refers to parts not here is dropped (the
    # answer would carry them, see client_ids); a forward reference inside the update itself
    # is refused all the same. After the answer, both are refused. Nothing waits.
    early = _serve(room, hostile, answered=False)
    if how == "own-link-not-here":
        assert early is None
    else:
        assert early is not None and early[0] == 1002, early
    assert yp.decode_state_vector(room.doc.get_state()).get(other, 0) == 0
    closed = _serve(room, own, hostile)
    assert closed is not None and closed[0] == 1002, closed
    assert yp.decode_state_vector(room.doc.get_state()).get(other, 0) == 0
    after = _serve(room, _note(room, other, "fine"))  # the same client id, done right
    assert after is None
    elements = room.doc.get("elements", type=Map)
    assert set(elements.keys()) >= {"own", "fine"} and "later" not in elements
    # What the room holds is exactly what it stores and what a reload gives.
    room.compact()
    stored = load_document(store, room.board_id)[0]
    assert stored.get_update() == room.doc.get_update()
    assert room.sleep() and room.asleep
    assert set(room.doc.get("elements", type=Map).keys()) == set(elements.keys())


def test_a_snapshot_waits_for_an_update_from_another_node_that_waits(store: Store) -> None:
    """With three nodes, an update accepted on one may build on a third node's update that
    reaches this node later: pycrdt holds it back meanwhile, outside the document's encoding.
    A snapshot taken then would drop it from the store for every node; the room waits for the
    part to arrive before it folds the stored updates."""
    board = Boards(store).create(SPEC, "Title", "en", ["Gemeente"]).record
    room = Room(board.id, store, spec=SPEC)
    third = Doc(client_id=4_300_001)  # a client of the third node
    third.apply_update(room.doc.get_update())
    base = third.get_state()
    third.get("elements", type=Map)["far"] = Map({
        "kind": "note", "x": 10, "y": 10, "w": 160, "h": 100, "text": Text("far"),
        "author": "A", "org": "Gemeente", "color": "#fff", "created": 1.0})
    made = third.get_update(base)
    other = Doc(client_id=4_300_002)  # a client of the second node, who already has it
    other.apply_update(third.get_update())
    base = other.get_state()
    text = other.get("elements", type=Map)["far"]["text"]
    text.insert(len(text), " away")
    edit = other.get_update(base)
    # Both nodes stored theirs (in that order, the edit having been built on the note).
    store.append_update(board.id, made)
    store.append_update(board.id, edit)
    room.apply_remote(edit)  # the second node's edit reaches this node first
    assert _serve(room, _note(room, 4_300_003, "here")) is None  # and this node's own edit
    room.compact()
    room.apply_remote(made)
    assert str(room.doc.get("elements", type=Map)["far"]["text"]) == "far away"
    room.compact()
    stored = load_document(store, room.board_id)[0]
    assert str(stored.get("elements", type=Map)["far"]["text"]) == "far away"
    assert "here" in stored.get("elements", type=Map)


def test_a_room_that_slept_checks_updates_as_before(store: Store) -> None:
    """A sleeping room drops what updates are checked against (the board's shared types, the
    content that arrived deleted, the halves of its characters) with its document, and builds
    them again from the stored snapshot when it wakes: the same values, and the same refusals."""
    room, made = room_and_note(store, "😀ab")
    writer = Doc()
    writer.apply_update(room.doc.get_update())
    writer.apply_update(made)
    state = writer.get_state()
    elements = writer.get("elements", type=Map)
    elements["gone"] = Map({"kind": "note", "x": 1, "y": 1, "w": 160, "h": 100,
                            "text": Text("bye 👋"), "author": "A", "org": "Gemeente",
                            "color": "#fff", "created": 1.0})
    del elements["gone"]  # reaches the server already deleted
    assert _serve(room, made, writer.get_update(state)) is None
    items = [item for _, _, structs in decode_update(made).clients for item in structs
             if isinstance(item, Item)]
    text = next(item for item in items if item.content == "😀ab")
    x = next(item for item in items if item.parent_sub == "x")
    half = encode_update(Update(deletes=[(text.client, [(text.clock + 1, 1)])]))
    inside_a_value = encode_update(Update(clients=[(77_002, 0, [
        Item(77_002, 0, ANY, [encode_any(1)], parent=(x.client, x.clock), parent_sub="in")])]))

    def checked() -> DocIndex:
        index = room.index
        return DocIndex(set(index.types), {client: list(ranges) for client, ranges in
                                           index.dead.items()}, set(index.inside_pairs))

    before = checked()
    assert before.dead, "nothing arrived deleted"
    assert before.inside_pairs, "no character in two halves"
    for hostile, why in ((half, "character"), (inside_a_value, "not a shared type")):
        assert room.sleep() and room.asleep
        assert room._index is None
        closed = _serve(room, hostile)
        assert closed is not None and closed[0] == 1002 and why in closed[1], closed
        assert not room.asleep
        assert checked() == before
    assert str(room.doc.get("elements", type=Map)["n"]["text"]) == "😀ab"
