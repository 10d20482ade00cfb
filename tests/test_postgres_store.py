"""The PostgreSQL store on its own: two store objects on one database act as two nodes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from pgutil import create_database, drop_database
from pycrdt import Doc, Map
from test_cli import run

from partnerboard.server.store import BoardFrozen, BoardRecord, board_transaction
from partnerboard.server.store.migrations import migrations
from partnerboard.server.store.postgres import PostgresStore
from partnerboard.server.store.postgres_schema import LATEST


@pytest.fixture
def database() -> Iterator[str]:
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)


def note(doc: Doc, key: str) -> bytes:
    before = doc.get_state()
    doc.get("elements", type=Map)[key] = key
    return doc.get_update(before)


def new_board(store: PostgresStore) -> tuple[str, Doc]:
    doc = Doc()
    doc.get("elements", type=Map)
    record = BoardRecord(id="b1", canvas="partnership-map", title="t", language="en",
                         created_at=time.time(), token_hashes={"facilitator": "h"})
    store.create_board(record, doc.get_update())
    return record.id, doc


def test_once_one_node_finalized_no_node_appends(database):
    one, two = PostgresStore(database), PostgresStore(database)
    try:
        board, doc = new_board(one)
        two.append_update(board, note(doc, "before"))
        with board_transaction(one, board) as state:
            assert state == "open"
            one.finalize(board, doc.get_update(), "sha", time.time())
        with pytest.raises(BoardFrozen):
            two.append_update(board, note(doc, "after"))
        with board_transaction(two, board) as state:
            assert state == "finalized"
        assert two.load_document(board)[0][1:] == one.load_document(board)[0][1:]
        assert two.update_count(board) == 1
    finally:
        one.close()
        two.close()


def test_compaction_keeps_updates_the_compacting_node_never_saw(database):
    one, two = PostgresStore(database), PostgresStore(database)
    try:
        board, doc = new_board(one)
        mine = Doc()
        mine.apply_update(doc.get_update())
        one.append_update(board, note(mine, "mine"))
        other = Doc()
        other.apply_update(doc.get_update())
        two.append_update(board, note(other, "theirs"))
        # Node one folds its own view into the snapshot; node two's update must survive.
        one.compact(board, mine.get_update(), upto=10**9)
        assert one.update_count(board) == 0
        loaded = Doc()
        for update in two.load_document(board)[0]:
            loaded.apply_update(update)
        assert set(loaded.get("elements", type=Map).keys()) == {"mine", "theirs"}
    finally:
        one.close()
        two.close()


def test_migrate_command_creates_then_keeps_the_schema(database):
    first = run("migrate", "--database-url", database)
    assert first.returncode == 0, first.stderr
    assert f"from version 0 to {LATEST}" in first.stderr
    again = run("migrate", "--database-url", database)
    assert again.returncode == 0 and "up to date" in again.stderr
    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
        assert rows == [(m.version, m.name) for m in migrations("postgres")]
        # Numbered as SQLite's: where both have a migration, it is the same change.
        sqlite = [(m.version, m.name) for m in migrations("sqlite")]
        assert rows[: len(sqlite)] == sqlite[: len(rows)]
        conn.execute("INSERT INTO schema_version (version, name, applied_at)"
                     " VALUES (999, 'future', 'later')")
    newer = run("migrate", "--database-url", database)
    assert newer.returncode == 2 and "newer release" in newer.stderr
    assert "Traceback" not in newer.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--database-url", "postgresql://postgres@127.0.0.1:1/none"],
         "cannot reach the database"),
        (["--database-url", "{database}", "--redis-url", "redis://127.0.0.1:1/0"],
         "cannot reach Redis"),
    ],
)
def test_serve_with_unreachable_services_exits_with_a_message(args, message, tmp_path, database):
    # A database of its own: serving migrates it first, and the server's own "postgres"
    # database is shared by every checkout on the machine, each with its own migrations.
    args = [arg.replace("{database}", database) for arg in args]
    result = run("serve", "--data-dir", str(tmp_path), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_updates_skip_the_wal_flush_but_decisions_wait_for_it(database):
    store = PostgresStore(database)
    try:
        board, _doc = new_board(store)
        assert store._one("SHOW synchronous_commit", ()) == ("off",)
        with board_transaction(store, board):
            assert store._one("SHOW synchronous_commit", ()) == ("on",)
    finally:
        store.close()


def test_two_nodes_making_the_same_network_covenant_version_at_once_get_one_each_or_none(
        database):
    """Each node computes the next version number itself: the one that loses the race is told
    (None, a 409 to its caller), never a primary-key error (a 500)."""
    import threading

    stores = [PostgresStore(database) for _ in range(6)]
    stores[0].create_network({"id": "n1", "name": "Noord", "members": [],
                              "created_at": time.time()}, "hash")
    start = threading.Barrier(len(stores))
    results: list[object] = []

    def make(store: PostgresStore) -> None:
        start.wait()
        try:
            results.append(store.add_network_covenant("n1", time.time(), [], b"{}", "sha"))
        except Exception as error:  # noqa: BLE001 - what the test looks for
            results.append(error)

    threads = [threading.Thread(target=make, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    made = [r for r in results if r is not None]
    assert made and len(made) == len(set(made))
    assert [v["version"] for v in stores[0].network_covenants("n1")] == sorted(made)
