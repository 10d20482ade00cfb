"""Updates of one connection that arrive together are applied as one (Room.handle_frames).

Merging must never change a verdict: what one update at a time would keep is kept, what it
would refuse or undo is refused or undone, and nothing of a refused update stays. The room
tests put several frames in before the room reads (an in-memory connection hands them over
together, as a socket does); the server test writes them in one TCP write.
"""

from __future__ import annotations

import asyncio

import pytest
from memory_transport import MemoryTransport, serve_frames
from pycrdt import Doc, Map, Text
from test_metrics import scrape
from yclient import connected, wait_for
from yupdates import deep_any_update, root_map_item, update

from partnerboard.canvases.partnership_map.spec import SPEC
from partnerboard.server import yprotocol as yp
from partnerboard.server.boards import Boards
from partnerboard.server.room import Room, load_document
from partnerboard.server.store import Store
from partnerboard.server.tokens import Role
from partnerboard.server.yprotocol import var_uint
from partnerboard.server.yupdate import MAX_DEPTH


def _room(store: Store) -> Room:
    board = Boards(store).create(SPEC, "Title", "en", ["Gemeente"]).record
    return Room(board.id, store, spec=SPEC)


def _note(key: str, **extra: object) -> Map:
    return Map({"kind": "note", "x": 10, "y": 10, "w": 160, "h": 100, "text": Text(key),
                "author": "A", "org": "Gemeente", "color": "#fff", "created": 1.0, **extra})


class Writer:
    """A participant's document: each change becomes one update frame, sent later."""

    def __init__(self, room: Room) -> None:
        self.doc = Doc()
        self.doc.apply_update(room.doc.get_update())
        self.elements = self.doc.get("elements", type=Map)
        self.frames: list[bytes] = []
        self.doc.observe(lambda event: self.frames.append(yp.sync_update(event.update)))

    def add(self, key: str, **extra: object) -> None:
        self.elements[key] = _note(key, **extra)


def _send_together(room: Room, frames: list[bytes],
                   watcher: MemoryTransport | None = None) -> tuple[int, str] | None:
    """A participant that answers the sync, then sends ``frames``, read together."""
    return serve_frames(room, [yp.sync_step2(yp.EMPTY_UPDATE), *frames], watcher=watcher)


def _stored_keys(store: Store, room: Room) -> set[str]:
    return set(load_document(store, room.board_id)[0].get("elements", type=Map).keys())


def test_updates_that_arrive_together_go_out_as_one_and_stay_each_a_moment(
        store: Store) -> None:
    room = _room(store)
    writer = Writer(room)
    for index in range(6):
        writer.add(f"n{index}")
    rows_before = store.update_count(room.board_id)
    watcher = MemoryTransport()
    assert _send_together(room, writer.frames, watcher) is None
    assert _stored_keys(store, room) >= {f"n{index}" for index in range(6)}
    # One frame to the others for the six notes; six rows, one moment of history each.
    updates = [yp.parse_message(frame) for frame in watcher.sent]
    updates = [m for m in updates if m.sync_type is yp.SyncType.UPDATE]
    assert len(updates) == 1
    watcher_doc = Doc()
    watcher_doc.apply_update(updates[0].payload)
    assert set(watcher_doc.get("elements", type=Map).keys()) == {f"n{i}" for i in range(6)}
    assert store.update_count(room.board_id) - rows_before == 6


def test_one_update_the_guard_undoes_does_not_take_the_others_with_it(store: Store) -> None:
    """One at a time, the guard undoes only the note marked agreed (the facilitator's mark):
    merged, the same holds, and the connection stays open as it would."""
    room = _room(store)
    writer = Writer(room)
    writer.add("before")
    writer.add("agreed", status="agreed")
    writer.add("after")
    assert _send_together(room, writer.frames) is None
    keys = set(room.doc.get("elements", type=Map).keys())
    assert {"before", "after"} <= keys and "agreed" not in keys
    assert _stored_keys(store, room) == keys


#: Hand-made updates one at a time would refuse: nested too deep for the bounded reader
#: (1002), and a note under a root map that is not the board's (1008).
HOSTILE = {
    "too-deep": (deep_any_update(MAX_DEPTH + 1), 1002),
    "outside-the-board": (update(4_300_001, 0, root_map_item("evil", "deep", 8,
                                                             var_uint(1) + bytes([126]))), 1008),
}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_refused_update_keeps_those_before_it_and_closes(store: Store, hostile: str) -> None:
    bad, code = HOSTILE[hostile]
    room = _room(store)
    writer = Writer(room)
    writer.add("before")
    frames = [*writer.frames, yp.sync_update(bad)]
    writer.frames.clear()
    writer.add("after")
    closed = _send_together(room, [*frames, *writer.frames])
    assert closed is not None and closed[0] == code
    keys = _stored_keys(store, room)
    assert "before" in keys and "after" not in keys and "deep" not in keys
    assert "evil" not in load_document(store, room.board_id)[0].keys()


def test_an_update_on_parts_never_sent_keeps_those_before_it_and_closes(store: Store) -> None:
    room = _room(store)
    writer = Writer(room)
    writer.add("before")
    first = list(writer.frames)
    writer.frames.clear()
    writer.add("skipped")  # never sent
    writer.frames.clear()
    writer.elements["skipped"]["x"] = 99  # builds on the note the room never got
    closed = _send_together(room, [*first, *writer.frames])
    assert closed is not None and closed[0] == 1002
    assert "before" in _stored_keys(store, room)
    assert "skipped" not in room.doc.get("elements", type=Map)


def test_a_burst_in_one_write_reaches_everyone_merged(server) -> None:
    """Through the real server: frames written in one TCP write are read together."""
    board = server.create_board()
    before = scrape(server.url)

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as writer, \
                connected(server.board_ws(board, "observer")) as watcher:
            source = Doc()
            source.apply_update(writer.doc.get_update())
            elements = source.get("elements", type=Map)
            frames: list[bytes] = []
            source.observe(lambda event: frames.append(yp.sync_update(event.update)))
            for index in range(8):
                elements[f"burst{index}"] = _note(f"burst{index}")
            for frame in frames:
                writer.ws.protocol.send_binary(frame)
            writer.ws.transport.write(b"".join(writer.ws.protocol.data_to_send()))
            await wait_for(lambda: {f"burst{index}" for index in range(8)}
                           <= set(watcher.elements.keys()), what="the burst")

    asyncio.run(scenario())
    after = scrape(server.url)
    merged = after["partnerboard_merged_updates_total"] - before.get(
        "partnerboard_merged_updates_total", 0)
    assert merged >= 2


def test_nothing_after_a_refused_message_is_taken(store: Store) -> None:
    """A presence state that closes the connection ends what arrived with it: the updates
    after it are not applied, those before it are."""
    room = _room(store)
    writer = Writer(room)
    writer.add("before")
    first = list(writer.frames)
    writer.frames.clear()
    writer.add("after-1")
    writer.add("after-2")
    garbage_presence = bytes([yp.MessageType.AWARENESS]) + yp.var_bytes(b"\xff\xff\xff")
    closed = _send_together(room, [*first, garbage_presence, *writer.frames])
    assert closed is not None
    keys = set(room.doc.get("elements", type=Map).keys())
    assert "before" in keys and not keys & {"after-1", "after-2"}


def test_an_observers_updates_that_arrive_together_are_dropped(store: Store) -> None:
    room = _room(store)
    writer = Writer(room)
    for index in range(3):
        writer.add(f"o{index}")
    closed = serve_frames(room, [yp.sync_step2(yp.EMPTY_UPDATE), *writer.frames],
                          Role.OBSERVER, "o")
    assert closed is None
    assert not {"o0", "o1", "o2"} & _stored_keys(store, room)


def test_an_applied_update_leaves_nothing_of_its_values_in_the_room(store: Store) -> None:
    """The guard's recording wraps every value an update set (here six notes: six maps with
    their texts); once the update is stored and sent, the room lets go of it, so a board
    nobody edits does not keep the last burst in memory."""
    room = _room(store)
    writer = Writer(room)
    for index in range(6):
        writer.add(f"n{index}")
    assert _send_together(room, writer.frames) is None
    assert _stored_keys(store, room) >= {f"n{index}" for index in range(6)}
    assert room.guard.watch.last is None
