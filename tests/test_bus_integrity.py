"""Stream entries no node wrote as they stand, put straight into Redis: forged, altered, moved
to another board, added again, deleted. Whoever can write to Redis but not to the database
must get nothing onto a board or into the list of who is there, and must not make a node miss
an update (server/bus_entries.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from cluster import Cluster
from conftest import app_settings
from test_metrics import scrape
from test_scaleout_faults import injected_note, node_with_hook, until
from yclient import YClient, connected, wait_for

from partnerboard.server.bus import stream_key
from partnerboard.server.bus_entries import EntrySeal, Hearing, Publisher, Verdict
from partnerboard.server.store import open_store

Entry = tuple[bytes, dict[bytes, bytes]]


def run(coro):
    return asyncio.run(coro)


def stream(cluster: Cluster, board_id: str) -> list[Entry]:
    client = cluster.redis.client()
    try:
        return client.xrange(stream_key(board_id))
    finally:
        client.close()


def add(cluster: Cluster, board_id: str, fields: dict[bytes, bytes]) -> None:
    client = cluster.redis.client()
    try:
        client.xadd(stream_key(board_id), fields)
    finally:
        client.close()


async def next_entry(cluster: Cluster, board_id: str, after: bytes, kind: bytes,
                     match: Callable[[dict[bytes, bytes]], bool] = lambda fields: True) -> Entry:
    """The first entry of ``kind`` past stream entry ``after`` whose fields match, once
    there is one."""
    found: list[Entry] = []

    def there() -> bool:
        found[:] = [(entry_id, fields) for entry_id, fields in stream(cluster, board_id)
                    if _later(entry_id, after) and fields[b"k"] == kind and match(fields)]
        return bool(found)

    await until(there, 10, f"a {kind!r} entry in the stream")
    return found[0]


def _later(entry_id: bytes, after: bytes) -> bool:
    def numbers(raw: bytes) -> tuple[int, int]:
        millis, _dash, seq = raw.partition(b"-")
        return int(millis), int(seq)
    return numbers(entry_id) > numbers(after)


def stream_end(cluster: Cluster, board_id: str) -> bytes:
    entries = stream(cluster, board_id)
    return entries[-1][0] if entries else b"0-0"


async def after_a_later_edit(writer: YClient, reader: YClient, name: str) -> None:
    """A note typed after the attack, seen by ``reader``: the node behind it has handled the
    attack's entries (a node's entries are read in stream order)."""
    writer.add_note(name, "typed after the attack")
    await wait_for(lambda: name in reader.elements, 10, what=f"{name} on the reader")


def rejected(node, reason: str) -> float:
    return scrape(node.url)[f'partnerboard_redis_rejected_entries_total{{reason="{reason}"}}']


@pytest.mark.parametrize("how", ["unsealed", "altered"])
def test_an_update_written_into_the_stream_reaches_no_client(cluster: Cluster, how: str):
    """A note written straight into a board's stream: as an entry of the old kind, with no
    seal (``unsealed``), or into a copy of a node's entry in place of its payload
    (``altered``). Node b's clients do not get it, and a client that comes later does not
    either (it was never applied, so never stored)."""
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()
    bid = board["id"]

    async def scenario() -> None:
        async with connected(a.board_ws(board)) as writer, \
                connected(b.board_ws(board, "observer")) as watcher:
            start = stream_end(cluster, bid)
            writer.add_note("real", "typed on a")
            await wait_for(lambda: "real" in watcher.elements, 10, what="fan-out works")
            _id, genuine = await next_entry(cluster, bid, start, b"u")
            forged = injected_note(watcher)
            if how == "unsealed":
                add(cluster, bid, {b"n": b"not-a-node", b"k": b"u", b"d": forged})
            else:
                add(cluster, bid, {**genuine, b"d": forged})
            await after_a_later_edit(writer, watcher, "after")
            assert "injected" not in watcher.elements
        async with connected(b.board_ws(board, "observer")) as later:
            assert "real" in later.elements
            assert "injected" not in later.elements

    run(scenario())
    assert rejected(b, "unsealed") == 1
    assert "not sealed by a node of this deployment" in (b.data_dir / "server.log").read_text()


def test_an_entry_moved_to_another_boards_stream_is_not_applied(cluster: Cluster):
    """A node's genuine entry with a note for board A, copied into board B's stream: the
    note must not appear on board B (nor could a "finalized" entry of A freeze B)."""
    a, b = cluster.node().start(), cluster.node().start()
    board_a, board_b = a.create_board(), a.create_board()

    async def scenario() -> None:
        async with connected(a.board_ws(board_a)) as on_a, \
                connected(a.board_ws(board_b)) as writer, \
                connected(b.board_ws(board_b, "observer")) as watcher:
            await asyncio.sleep(1)  # b reads board B's stream
            # a's latest entry: numbered past all b heard from a on board B.
            start = stream_end(cluster, board_a["id"])
            on_a.add_note("only-on-a", "typed on board A")
            _id, genuine = await next_entry(cluster, board_a["id"], start, b"u",
                                            lambda fields: b"only-on-a" in fields[b"d"])
            add(cluster, board_b["id"], genuine)
            await after_a_later_edit(writer, watcher, "after")
            assert "only-on-a" not in watcher.elements

    run(scenario())
    assert rejected(b, "unsealed") == 1


#: Node b takes an entry for one added again when its stamp is a second off the time Redis
#: took it (instead of ten): the test need not wait that long.
STALE_AFTER_ONE_SECOND = """
import partnerboard.server.bus_entries as entries
entries.STAMP_SLACK_MS = 1000
"""


@pytest.mark.parametrize("reader", ["heard", "late"])
def test_presence_added_to_the_stream_again_does_not_bring_back_who_left(
    cluster: Cluster, tmp_path: Path, reader: str
):
    """Ada shows her presence through node a, then leaves. Her presence entry, added to the
    stream again, would show her on node b as if she were there (and hand her state to every
    newcomer for half a minute). Node b has ``heard`` a's later entries (Ada leaving), or
    begins reading the board only after she left (``late``, and the entry is older than node
    b takes entries to be)."""
    a = cluster.node().start()
    b = (cluster.node() if reader == "heard"
         else node_with_hook(cluster, tmp_path, "b", STALE_AFTER_ONE_SECOND)).start()
    board = a.create_board()
    bid = board["id"]

    async def scenario() -> None:
        async with connected(a.board_ws(board)) as writer:
            watcher = None
            if reader == "heard":
                watcher = await YClient(b.board_ws(board, "observer")).connect()
                await asyncio.wait_for(watcher.synced.wait(), 10)
                await asyncio.sleep(1)  # b reads the board's stream
            start = stream_end(cluster, bid)
            async with connected(a.board_ws(board)) as ada:
                ada_id = ada.doc.client_id
                await ada.set_presence(ada_id, 1, {"user": {"name": "Ada"}})
                _id, shown = await next_entry(cluster, bid, start, b"a",
                                              lambda fields: b"Ada" in fields[b"d"])
                if watcher is not None:
                    await wait_for(lambda: ada_id in watcher.awareness, 10, what="Ada on b")
            if watcher is None:
                await asyncio.sleep(1.5)  # the entry is older than b takes entries to be
                watcher = await YClient(b.board_ws(board, "observer")).connect()
                await asyncio.wait_for(watcher.synced.wait(), 10)
                await asyncio.sleep(1)  # b reads the board's stream
            await wait_for(lambda: ada_id not in watcher.awareness, 10, what="Ada gone")
            add(cluster, bid, shown)
            await after_a_later_edit(writer, watcher, "after")
            assert ada_id not in watcher.awareness
            await watcher.close()
            async with connected(b.board_ws(board, "observer")) as newcomer:
                await asyncio.sleep(0.5)
                assert ada_id not in newcomer.awareness

    run(scenario())
    assert rejected(b, "replayed" if reader == "heard" else "stale") == 1


@pytest.mark.parametrize("where", ["middle", "first"])
def test_an_update_deleted_from_the_stream_still_reaches_the_other_nodes_clients(
    cluster: Cluster, where: str
):
    """An update's entry deleted (XDEL) before node b read it: b's clients must still get
    the whole board. ``middle``: b has read a's entries before and after it; ``first``: it
    is the first entry of a that b would have read after it began reading the board (b is
    paused meanwhile, so that the entry is gone before b could read it)."""
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()
    bid = board["id"]

    async def scenario() -> None:
        async with connected(a.board_ws(board)) as writer:
            start = stream_end(cluster, bid)
            writer.add_note("one", "before")
            _id, first = await next_entry(cluster, bid, start, b"u")
            # a's entry before the one b reads first is older than the slack b allows for
            # around the moment it began reading (else b would catch up anyway).
            await asyncio.sleep(1.5)
            async with connected(b.board_ws(board, "observer")) as watcher:
                # b began reading the board (a did before, when the writer came)
                await next_entry(cluster, bid, start, b"q",
                                 lambda fields: fields[b"n"] != first[b"n"])
                if where == "middle":
                    start = stream_end(cluster, bid)
                    writer.add_note("two", "read by b")
                    await wait_for(lambda: "two" in watcher.elements, 10, what="two on b")
                os.kill(b.proc.pid, signal.SIGSTOP)
                try:
                    await asyncio.sleep(0.6)  # b's blocked XREAD times out; b issues no new one
                    start = stream_end(cluster, bid)
                    writer.add_note("gone", "its entry is deleted")
                    deleted, _fields = await next_entry(cluster, bid, start, b"u")
                    writer.add_note("last", "typed after it")
                    await next_entry(cluster, bid, deleted, b"u")
                    client = cluster.redis.client()
                    assert client.xdel(stream_key(bid), deleted) == 1
                    client.close()
                finally:
                    os.kill(b.proc.pid, signal.SIGCONT)
                await wait_for(lambda: {"one", "gone", "last"} <= set(watcher.elements), 10,
                               what=lambda: f"every note on b: {set(watcher.elements)}")

    run(scenario())
    if where == "middle":  # a gap in a's chain; the first entry only perhaps follows one
        assert scrape(b.url)["partnerboard_redis_gaps_total"] == 1


def test_nodes_starting_together_read_one_bus_key(tmp_path: Path, database_url: str):
    """The key is made by the first node that asks; two starting at once must not each keep
    their own (every entry of the other would be refused)."""
    start = threading.Barrier(2)
    keys: list[bytes] = []

    def node() -> None:
        store = open_store(app_settings(tmp_path, database_url))
        try:
            start.wait()
            keys.append(store.node_secret("bus"))
        finally:
            store.close()

    threads = [threading.Thread(target=node) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(keys) == 2 and keys[0] == keys[1] and len(keys[0]) == 32


def test_a_reader_judges_each_entry_by_its_seal_its_chain_and_its_age():
    """The rules of bus_entries.Hearing, entry by entry (the tests above attack a cluster)."""
    seal = EntrySeal(b"k" * 32)
    node = Publisher(seal, b"node-a")
    at = 1_000_000  # ms, by Redis's clock
    heard = Hearing(since_ms=at)

    def judged(fields: dict[bytes, bytes], board: str = "B", taken_at: int = at) -> Verdict:
        return heard.judge(seal, board, b"%d-0" % taken_at, fields)

    first, second, third = (node.fields("B", b"u", b"x%d" % n, at) for n in range(3))
    assert judged(first) is Verdict.IN_ORDER
    assert judged({**second, b"d": b"changed"}) is Verdict.UNSEALED
    assert judged({**second, b"m": b""}) is Verdict.UNSEALED
    assert judged(second, board="A") is Verdict.UNSEALED
    assert judged(second, taken_at=at + 60_000) is Verdict.STALE
    assert judged(third) is Verdict.AFTER_A_GAP  # second never arrived
    assert judged(second) is Verdict.REPLAYED
    assert judged(third) is Verdict.REPLAYED
    node.forget(keep=(), before_ms=at + 1)
    assert judged(node.fields("B", b"u", b"y", at)) is Verdict.PERHAPS_AFTER_A_GAP
    # The first heard from another node: its previous entry was sent well before the reader
    # began (so the store had it), or just around then (perhaps missing).
    other = Publisher(seal, b"node-c")
    other.fields("B", b"a", b"", at - 5_000)
    assert judged(other.fields("B", b"u", b"z", at)) is Verdict.IN_ORDER
    late = Publisher(seal, b"node-d")
    late.fields("B", b"a", b"", at - 500)
    assert judged(late.fields("B", b"u", b"z", at)) is Verdict.PERHAPS_AFTER_A_GAP
