"""The index a room checks updates against, stored with each snapshot (server/doc_index.py).

A room loaded from a snapshot's stored index, plus a walk of the updates after it, must hold
exactly what a walk of the whole document finds, and refuse the same hand-made updates; an
index that is absent, damaged or of another snapshot is not used. The rooms run in-process on
a real store (SQLite, or PostgreSQL when the suite runs on it).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from conftest import app_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_transport import serve_frames
from pgutil import create_database, drop_database
from pycrdt import Doc, Map, Text
from wsfuzz.ycodec import (
    ANY,
    STRING,
    TYPE,
    Y_MAP,
    Item,
    Update,
    decode_update,
    encode_any,
    encode_update,
)

from partnerboard.canvases.partnership_map.spec import SPEC
from partnerboard.server import yprotocol as yp
from partnerboard.server.boards import Boards
from partnerboard.server.doc_index import DocIndex, IndexUnusable
from partnerboard.server.room import Room
from partnerboard.server.settings import Settings
from partnerboard.server.store import Store, open_store
from partnerboard.server.store.migrations import migrations
from partnerboard.server.tokens import Role


def serve(room: Room, link: str, *updates: bytes) -> tuple[int, str] | None:
    """Send updates to the room from one connection of ``link`` (after its sync answer); how
    the connection was closed (None: it was not)."""

    return serve_frames(room, [yp.sync_step2(yp.EMPTY_UPDATE),
                               *(yp.sync_update(update) for update in updates)],
                        Role.FACILITATOR, link)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store for the module (hypothesis makes a board per example): SQLite, or PostgreSQL
    when the suite runs on it."""
    url = create_database() if os.environ.get("PARTNERBOARD_TEST_STORE") == "postgres" else ""
    opened = open_store(app_settings(tmp_path_factory.mktemp("data"), url))
    try:
        yield opened
    finally:
        opened.close()
        if url:
            drop_database(url)


def new_room(store: Store) -> Room:
    board = Boards(store).create(SPEC, "Title", "en", ["Gemeente"]).record
    return Room(board.id, store, spec=SPEC, compact_every=10**6)


def stored_index(store: Store, board_id: str) -> bytes | None:
    return store.load_indexed(board_id)[2]


def full_walk(room: Room) -> DocIndex:
    return DocIndex.walk(room.doc.get_update())


class Writer:
    """A client's document (collecting deleted content, as Yjs does) that sends each change to
    the room as the update it makes."""

    def __init__(self, room: Room, client: int, link: str) -> None:
        self.room, self.link = room, link
        self.doc = Doc(client_id=client)
        self.elements = self.doc.get("elements", type=Map)
        self.sync()

    def sync(self) -> None:
        self.doc.apply_update(self.room.doc.get_update(self.doc.get_state()))

    def change(self, change: Callable[[], object]) -> None:
        state = self.doc.get_state()
        with self.doc.transaction():
            change()
        assert serve(self.room, self.link, self.doc.get_update(state)) is None


def note(text: str) -> Map:
    return Map({"kind": "note", "x": 10, "y": 10, "w": 160, "h": 100, "text": Text(text),
                "author": "A", "org": "Gemeente", "color": "#fff", "created": 1.0})


def step(elements: Map, kind: str, key: str, text: str | None) -> None:
    """One change to the board's elements (``key``: the note it is about)."""
    if kind == "add":
        elements[key] = note(text or "")
    elif kind == "ghost":
        elements[key] = note(text or "")
        del elements[key]
    elif kind == "prepend":
        elements[key]["text"].insert(0, text)
    elif kind == "clear":
        body = elements[key]["text"]
        del body[0:len(body)]
    elif kind == "move":
        elements[key]["x"] = 99
    elif kind == "delete":
        del elements[key]


texts = st.text(st.sampled_from("ab 😀👋é\u4e2d"), max_size=6)
ops = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, 1), texts),
    st.tuples(st.just("prepend"), st.integers(0, 1), texts.filter(bool)),
    st.tuples(st.just("clear"), st.integers(0, 1), st.none()),
    st.tuples(st.just("move"), st.integers(0, 1), st.none()),
    st.tuples(st.just("delete"), st.integers(0, 1), st.none()),
    # Made and deleted in one change: it reaches the server already deleted.
    st.tuples(st.just("ghost"), st.integers(0, 1), texts),
), max_size=8)


def play(writers: list[Writer], steps: list[tuple[str, int, str | None]]) -> None:
    for number, (kind, who, text) in enumerate(steps):
        writer = writers[who]
        writer.sync()
        if kind in ("add", "ghost"):
            key = f"n{number}-{who}-{len(writer.elements)}"
        else:
            keys = sorted(writer.elements.keys())
            if not keys:
                continue
            key = keys[len(keys) // 2]
        writer.change(functools.partial(step, writer.elements, kind, key, text))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=ops, after=ops)
def test_a_load_from_the_stored_index_holds_what_a_full_walk_finds(store, before, after):
    room = new_room(store)
    writers = [Writer(room, 1_001, "a"), Writer(room, 2_002, "b")]
    play(writers, before)
    assert room.index == full_walk(room), "the room's own index went astray"
    room.compact()
    assert stored_index(store, room.board_id) is not None
    play(writers, after)
    live = room.index
    cold = Room(room.board_id, store, spec=SPEC)
    assert cold.snapshot_indexed
    assert cold.index == full_walk(cold) == live == full_walk(room)


def test_the_index_of_a_board_with_every_kind_of_fact_round_trips(store):
    room = new_room(store)
    writer = Writer(room, 1_001, "a")
    play([writer], [("add", 0, "😀ab"), ("ghost", 0, "gone 👋"), ("move", 0, None)])
    index = room.index
    assert index.types and index.dead and index.inside_pairs and index.entries
    snapshot = room.doc.get_update()
    assert DocIndex.decode(index.encode(snapshot), snapshot) == index
    with pytest.raises(IndexUnusable, match="another snapshot"):
        DocIndex.decode(index.encode(snapshot), snapshot + b"\x00")


def hostile_updates(room: Room) -> dict[str, bytes]:
    """Hand-made updates that must be refused: a child inside a note's ``x`` (a value, not a
    shared type), and a character placed between the halves of the note's emoji."""
    items = [item for _, _, structs in decode_update(room.doc.get_update()).clients
             for item in structs if isinstance(item, Item)]
    x = next(item for item in items if item.parent_sub == "x")
    text = next(item for item in items if isinstance(item.content, str)
                and item.content.startswith("😀"))
    return {
        "not a shared type": encode_update(Update(clients=[(77_002, 0, [
            Item(77_002, 0, ANY, [encode_any(1)], parent=(x.client, x.clock),
                 parent_sub="in")])])),
        "character": encode_update(Update(clients=[(77_003, 0, [
            Item(77_003, 0, STRING, "x", origin=(text.client, text.clock),
                 right_origin=(text.client, text.clock + 1))])])),
        # A character placed before a map value: yrs deleted the rest of the text.
        "against a map value": encode_update(Update(clients=[(77_004, 0, [
            Item(77_004, 0, ANY, [encode_any(1)], origin=(text.client, text.clock + 2),
                 right_origin=(x.client, x.clock))])])),
        # ``x`` set again after its value, in String content (one character in Yjs).
        "String content": encode_update(Update(clients=[(77_005, 0, [
            Item(77_005, 0, STRING, "123", origin=(x.client, x.clock))])])),
    }


def board_with_a_note(store: Store) -> Room:
    """A board whose snapshot (with its index) holds a note "😀ab", and whose latest update
    (after the snapshot) a note that arrived deleted."""
    room = new_room(store)
    writer = Writer(room, 1_001, "a")
    play([writer], [("add", 0, "😀ab")])
    room.compact()
    play([writer], [("ghost", 0, "bye 👋")])
    return room


@pytest.mark.parametrize("why", ["not a shared type", "character", "against a map value",
                                 "String content"])
def test_hand_made_updates_are_refused_after_a_cold_load_from_the_index(store, why):
    room = board_with_a_note(store)
    hostile = hostile_updates(room)[why]
    cold = Room(room.board_id, store, spec=SPEC)
    assert cold.snapshot_indexed and cold.pending_updates == 1
    closed = serve(cold, "attacker", hostile)
    assert closed is not None and closed[0] == 1002 and why in closed[1], closed
    assert cold.doc.get_update() == room.doc.get_update()


def test_a_held_value_sent_again_as_a_type_is_no_type_after_a_cold_load_either(store):
    """A writer may send again what the board holds (yrs skips it), claiming it is something
    else: the note's ``x`` value as a shared type. The update is harmless and kept, so every
    load walks it after the snapshot: it must not make ``x`` a type there either, or the next
    update could place content inside a plain value (what crashed yrs)."""
    room = board_with_a_note(store)
    items = [item for _, _, structs in decode_update(room.doc.get_update()).clients
             for item in structs if isinstance(item, Item)]
    x = next(item for item in items if item.parent_sub == "x")
    holder = next(item for item in items if (item.client, item.clock) == x.parent)
    again = encode_update(Update(clients=[(x.client, x.clock, [
        Item(x.client, x.clock, TYPE, (Y_MAP, None), parent=x.parent, parent_sub="x")])]))
    assert holder.parent_sub is not None
    assert serve(room, "a", again) is None
    inside = hostile_updates(room)["not a shared type"]
    for loaded in (room, Room(room.board_id, store, spec=SPEC)):
        assert loaded.index == full_walk(room)
        closed = serve(loaded, "attacker", inside)
        assert closed is not None and "not a shared type" in closed[1], closed


def valid_index_of_another_board(store: Store) -> bytes:
    other = board_with_a_note(store)
    found = stored_index(store, other.board_id)
    assert found is not None
    return found


@pytest.mark.parametrize("damage", [
    "garbage", "not json", "nested too deep", "another version", "another snapshot", "wrong shape",
    "negative clock", "odd deleted range"])
def test_a_damaged_index_is_not_trusted(store, caplog, damage):
    room = board_with_a_note(store)
    snapshot = store.load_indexed(room.board_id)[0][0]
    head = f'{{"v":1,"snapshot":"{hashlib.sha256(snapshot).hexdigest()}",'
    if damage == "another snapshot":
        bad = valid_index_of_another_board(store)
    else:
        bad = {
            "garbage": b"\xff\x00\x13garbage",
            "not json": head.encode(),
            "nested too deep": b"[" * 100_000,
            "another version": head.replace('"v":1', '"v":2').encode() + b'"types":{}}',
            "wrong shape": (head + '"types":{"1":["x"]},"dead":{},"pairs":{}}').encode(),
            "negative clock": (head + '"types":{"1":[-1]},"dead":{},"pairs":{}}').encode(),
            "odd deleted range": (head + '"types":{},"dead":{"1":[5]},"pairs":{}}').encode(),
        }[damage]
    store._run("UPDATE snapshots SET doc_index = ? WHERE board_id = ?",  # type: ignore[attr-defined]
               (bad, room.board_id))
    with caplog.at_level(logging.WARNING, logger="partnerboard.room"):
        cold = Room(room.board_id, store, spec=SPEC)
    assert not cold.snapshot_indexed
    assert f"board {room.board_id}: the stored index of its snapshot is not used" in caplog.text
    assert cold.index == full_walk(room)
    for why, hostile in hostile_updates(room).items():
        closed = serve(cold, "attacker", hostile)
        assert closed is not None and why in closed[1], closed
    # The next compaction stores the snapshot's own index again, with nothing new to fold.
    cold.compact()
    assert Room(room.board_id, store, spec=SPEC).snapshot_indexed


def test_an_erasure_snapshot_is_stored_without_an_index(store):
    room = board_with_a_note(store)
    room.compact(collect=True)
    assert stored_index(store, room.board_id) is None
    assert not room.snapshot_indexed and room.index == full_walk(room)


def test_an_imported_board_is_stored_without_an_index(store):
    room = board_with_a_note(store)
    document = room.doc.get_update()
    record = replace(store.get_board(room.board_id), id=room.board_id + "-imported")
    store.import_board(record, document, [], document)
    assert stored_index(store, record.id) is None
    imported = Room(record.id, store, spec=SPEC)
    assert not imported.snapshot_indexed and imported.index == full_walk(room)


# -- the schema: both engines, whatever store the suite runs on ----------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def engine_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    url = create_database() if request.param == "postgres" else ""
    try:
        yield app_settings(tmp_path, url)
    finally:
        if url:
            drop_database(url)


def _to_previous_schema(settings: Settings) -> None:
    """Take migrations 0011 and later back out of a database: what the release before 0011
    left. (A new migration adds its own undoing here, first.)"""
    statements = ("DROP TABLE voting_rounds", "DELETE FROM schema_version WHERE version = 13",
                  "DROP TABLE node_secrets", "DELETE FROM schema_version WHERE version = 12",
                  "ALTER TABLE snapshots DROP COLUMN doc_index",
                  "DELETE FROM schema_version WHERE version = 11")
    if settings.database_url:
        with psycopg.connect(settings.database_url) as conn:
            for statement in statements:
                conn.execute(statement)
        return
    db = sqlite3.connect(settings.sqlite_path)
    with db:
        for statement in statements:
            db.execute(statement)
    db.close()


def test_a_database_of_the_previous_schema_is_upgraded_and_its_boards_get_an_index(
        engine_settings):
    store = open_store(engine_settings)
    try:
        room = board_with_a_note(store)
        expected = room.doc.get_update()
    finally:
        store.close()
    _to_previous_schema(engine_settings)
    store = open_store(engine_settings)
    try:
        assert store.migrated == (10, migrations("sqlite")[-1].version)
        assert stored_index(store, room.board_id) is None
        cold = Room(room.board_id, store, spec=SPEC)
        assert not cold.snapshot_indexed and cold.doc.get_update() == expected
        cold.compact()
        again = Room(room.board_id, store, spec=SPEC)
        assert again.snapshot_indexed and again.index == full_walk(cold)
    finally:
        store.close()


def test_postgres_keeps_no_index_when_it_folds_in_another_nodes_update(tmp_path):
    url = create_database()
    try:
        one, two = (open_store(app_settings(tmp_path, url)) for _ in range(2))
        room = new_room(one)
        play([Writer(room, 1_001, "a")], [("add", 0, "mine")])
        # Stored by node two: node one's room never saw it.
        theirs = Doc(client_id=3_003)
        theirs.apply_update(room.doc.get_update())
        state = theirs.get_state()
        theirs.get("elements", type=Map)["theirs"] = note("from node two 😀")
        two.append_update(room.board_id, theirs.get_update(state))
        room.compact()
        assert stored_index(one, room.board_id) is None and not room.snapshot_indexed
        cold = Room(room.board_id, two, spec=SPEC)
        assert "theirs" in cold.doc.get("elements", type=Map)
        assert not cold.snapshot_indexed and cold.index == full_walk(cold)
        cold.compact()
        assert Room(room.board_id, one, spec=SPEC).snapshot_indexed
        one.close()
        two.close()
    finally:
        drop_database(url)
