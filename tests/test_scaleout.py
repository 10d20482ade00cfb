"""Several nodes on one PostgreSQL and one Redis (DESIGN.md §11): any node serves any board."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import time
import zipfile

import httpx
import psycopg
import pytest
from cluster import Cluster
from conftest import database_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pgutil import create_database, drop_database
from pycrdt import Doc, Map
from test_client_ids import closed_with, forged, set_step
from test_metrics import scrape
from test_network_privacy import AYLA, call, everything_a_reader_gets, new_network, people_board
from test_sync_interleavings import interleave, operation
from yclient import YClient, connected, has_everything_of, note_texts, wait_for

from partnerboard.server import yprotocol as yp


def run(coro):
    return asyncio.run(coro)


async def synced(*clients: YClient) -> None:
    for client in clients:
        await asyncio.wait_for(client.synced.wait(), 10)


def test_clients_on_two_nodes_converge_and_a_later_node_serves_everything(cluster: Cluster):
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()

    async def scenario() -> dict[str, str]:
        clients = [await YClient((a, b)[i % 2].board_ws(board)).connect() for i in range(4)]
        try:
            await synced(*clients)
            # Presence goes only through the stream (clients renew it, as y-websocket's do
            # every 15 s, so a node that starts reading a board late hears it at the next one).
            for clock in range(1, 100):
                await clients[0].set_presence(4242, clock, {"user": {"name": "Ada", "org": "Z"}})
                with contextlib.suppress(AssertionError):
                    await wait_for(lambda: 4242 in clients[1].awareness, 0.5)
                    break
            assert 4242 in clients[1].awareness
            assert scrape(b.url)["partnerboard_redis_received_total"] >= 1
            for round_ in range(10):
                for index, client in enumerate(clients):
                    client.add_note(f"n{index}-{round_}", f"note {index}/{round_}")
                await asyncio.sleep(0)
            await wait_for(lambda: all(len(c.elements) == 40 for c in clients), 10,
                           what=lambda: f"40 notes: {[len(c.elements) for c in clients]}")
            # Everyone types into the same note at once, through both nodes: the texts merge.
            for index, client in enumerate(clients):
                text = client.elements["n0-0"]["text"]
                text += f" +{index}"
            expected = {f"+{i}" for i in range(4)}
            await wait_for(lambda: all(
                expected <= set(str(c.elements["n0-0"]["text"]).split()) for c in clients
            ), 10, what="merged text")
            states = [note_texts(client.doc) for client in clients]
            assert all(state == states[0] for state in states)
            await clients[0].close()  # its presence leaves the other node's clients too
            await wait_for(lambda: 4242 not in clients[1].awareness, 10, what="presence gone")
            return states[0]
        finally:
            for client in clients:
                await client.close()

    texts = run(scenario())
    assert len(texts) == 40
    late = cluster.node().start()

    async def check() -> None:
        async with connected(late.board_ws(board, "observer")) as fresh:
            assert note_texts(fresh.doc) == texts

    run(check())


def test_kill_9_of_one_node_loses_and_duplicates_nothing(cluster: Cluster):
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()

    async def scenario() -> None:
        writer = await YClient(a.board_ws(board)).connect()
        watcher = await YClient(b.board_ws(board)).connect()
        await synced(writer, watcher)
        for index in range(60):
            writer.add_note(f"n{index}", f"note {index}", x=index * 10)
            await asyncio.sleep(0)
        await wait_for(lambda: len(watcher.elements) == 60, 10, what="watcher on B saw A's notes")
        seen = note_texts(watcher.doc)
        a.kill()
        await writer.wait_closed()
        # The writer's client reconnects to the surviving node with its own copy.
        async with connected(b.board_ws(board), writer.doc) as again:
            again.add_note("after", "after the crash")
            await wait_for(lambda: "after" in watcher.elements, 10, what="post-crash sync")
            assert len(again.elements) == len(watcher.elements) == 61
            assert note_texts(again.doc) == note_texts(watcher.doc)
            assert seen.items() <= note_texts(watcher.doc).items()
        await watcher.close()
        async with connected(b.board_ws(board, "observer")) as fresh:
            assert len(fresh.elements) == 61

    run(scenario())


def test_redis_restarted_mid_session_loses_nothing_and_fan_out_resumes(cluster: Cluster):
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()

    async def scenario() -> None:
        on_a = await YClient(a.board_ws(board)).connect()
        on_b = await YClient(b.board_ws(board)).connect()
        await synced(on_a, on_b)
        on_a.add_note("before", "before the outage")
        await wait_for(lambda: "before" in on_b.elements, 10, what="fan-out before")
        cluster.redis.kill()
        async with httpx.AsyncClient() as http:
            health = await http.get(a.url + "/healthz", timeout=10)
        assert health.status_code == 200  # still serving its own clients
        assert health.json()["redis"] == "unreachable" and health.json()["store"] == "ok"
        for index in range(10):
            on_a.add_note(f"a{index}", "typed on A while Redis is down")
            on_b.add_note(f"b{index}", "typed on B while Redis is down")
            await asyncio.sleep(0.02)
        await on_a.flush()
        await on_b.flush()
        cluster.redis.start()  # same port, empty: as if it were flushed too
        await wait_for(lambda: len(on_a.elements) == len(on_b.elements) == 21, 20,
                       what=lambda: f"catch-up: {len(on_a.elements)}, {len(on_b.elements)}")
        on_b.add_note("later", "after the restart")
        await wait_for(lambda: "later" in on_a.elements, 10, what="fan-out resumed")
        assert note_texts(on_a.doc) == note_texts(on_b.doc)
        for client in (on_a, on_b):
            await client.close()

    run(scenario())
    assert httpx.get(b.url + "/healthz", timeout=10).json()["redis"] == "ok"
    samples = scrape(b.url)
    assert samples["partnerboard_redis_connected"] == 1
    assert samples["partnerboard_redis_errors_total"] >= 1
    assert samples["partnerboard_redis_catch_ups_total"] >= 1


def test_a_node_whose_database_is_gone_fails_its_health_check(cluster: Cluster):
    node = cluster.node().start()
    assert httpx.get(node.url + "/healthz", timeout=10).json()["store"] == "ok"
    drop_database(cluster.database_url)
    answer = httpx.get(node.url + "/healthz", timeout=20)
    assert answer.status_code == 503
    assert answer.json() == {**answer.json(), "status": "error", "store": "unreachable"}
    cluster.database_url = create_database()  # for the cluster's own clean-up


@pytest.mark.parametrize("open_on_a", [False, True], ids=["closed-on-A", "open-on-A"])
def test_finalize_on_one_node_stops_updates_on_every_node(cluster: Cluster, open_on_a: bool):
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()
    token = board["tokens"]["facilitator"]

    async def scenario() -> dict:
        typist = await YClient(b.board_ws(board)).connect()
        # With a client on A too, A finalizes its live room (catching up from the store
        # first); without, it loads the board just for this.
        watcher = await YClient(a.board_ws(board, "observer")).connect() if open_on_a else None
        await synced(typist, *([watcher] if watcher else []))
        typing = True

        async def keep_typing() -> int:
            count = 0
            while typing:
                typist.add_note(f"t{count}", f"typed {count}")
                count += 1
                await asyncio.sleep(0.005)
            return count

        typed = asyncio.create_task(keep_typing())
        await wait_for(lambda: len(typist.elements) > 20, 10, what="typing under way")
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"{a.url}/api/boards/{board['id']}/finalize",
                                     headers={"authorization": f"Bearer {token}"}, timeout=20)
            again = await http.post(f"{b.url}/api/boards/{board['id']}/finalize",
                                    headers={"authorization": f"Bearer {token}"}, timeout=20)
        assert answer.status_code == 200, answer.text
        assert again.status_code == 409
        await asyncio.sleep(0.3)  # typing goes on after the freeze
        typing = False
        assert await typed > 20
        await typist.close()
        if watcher is not None:
            assert watcher.doc.get("meta", type=Map).get("finalized") is True
            await watcher.close()
        return answer.json()

    final = run(scenario())
    with psycopg.connect(cluster.database_url) as conn:
        snapshot = bytes(conn.execute(
            "SELECT data FROM final_snapshots WHERE board_id = %s", (board["id"],)
        ).fetchone()[0])
        stored = [bytes(row[0]) for row in conn.execute(
            "SELECT data FROM updates WHERE board_id = %s UNION ALL"
            " SELECT data FROM snapshots WHERE board_id = %s", (board["id"], board["id"])
        ).fetchall()]
    assert hashlib.sha256(snapshot).hexdigest() == final["snapshot_sha256"]
    frozen = Doc()
    frozen.apply_update(snapshot)
    everything = Doc()
    for update in [snapshot, *stored]:
        everything.apply_update(update)
    # Nothing the store accepted is missing from the final snapshot: nothing landed after it.
    assert has_everything_of(frozen, everything)

    async def check() -> None:
        for node in (a, b):
            async with connected(node.board_ws(board, "observer")) as reader:
                assert note_texts(reader.doc) == note_texts(frozen)
                assert reader.doc.get("meta", type=Map).get("finalized") is True

    run(check())


def test_votes_on_two_nodes_at_once_stay_within_the_limit(cluster: Cluster):
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()
    facilitator = {"authorization": f"Bearer {board['tokens']['facilitator']}"}
    participant = {"authorization": f"Bearer {board['tokens']['participant']}"}

    async def scenario() -> list[int]:
        async with connected(a.board_ws(board)) as client, \
                connected(b.board_ws(board, "observer")) as watcher:
            client.add_note("x", "vote on me")
            await wait_for(lambda: "x" in watcher.elements, 10, what="the note on B")
            async with httpx.AsyncClient(timeout=20) as http:
                opened = await http.post(f"{b.url}/api/boards/{board['id']}/voting",
                                         json={"votes_per_participant": 2}, headers=facilitator)
                assert opened.status_code == 201, opened.text
                seat = await http.post(f"{a.url}/api/boards/{board['id']}/seats",
                                       json={"name": "Ayla"}, headers=participant)
                voter = seat.json()["id"]  # votes are cast by a seat the server issued
                answers = await asyncio.gather(*(
                    http.post(f"{(a, b)[i % 2].url}/api/boards/{board['id']}/votes",
                              json={"seat": voter, "element": "x"}, headers=participant)
                    for i in range(12)
                ))
        return [answer.status_code for answer in answers]

    codes = run(scenario())
    assert codes.count(200) == 2, codes
    assert set(codes) == {200, 409}


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=st.lists(operation, min_size=5, max_size=40))
def test_random_interleavings_across_two_nodes_converge(cluster: Cluster, operations):
    if not cluster.nodes:
        cluster.node().start()
        cluster.node().start()
    a, b = cluster.nodes
    board = a.create_board()
    # Each client starts on its own node and moves to the other one at every reconnect.
    urls = (a.board_ws(board), b.board_ws(board))
    run(interleave(operations, lambda who, connection: urls[(who + connection) % 2]))


def test_a_client_id_tied_on_one_node_cannot_be_taken_on_another(cluster: Cluster):
    """The client-id attack across nodes: the facilitator writes through node a; a participant
    on node b, whose room was open before that and learned of it only through the fan-out,
    writes under the facilitator's client id one clock ahead. Node b refuses it (1008)."""
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()

    async def scenario() -> None:
        async with connected(b.board_ws(board, "observer")) as watcher, \
                connected(a.board_ws(board, "facilitator")) as facilitator:
            seen = watcher.doc.get("meta", type=Map)
            meta = facilitator.doc.get("meta", type=Map)
            meta["step"] = 1
            await wait_for(lambda: seen.get("step") == 1, 15, what="the change through a")
            for ahead in (0, 1):
                attacker = await YClient(b.board_ws(board, "participant")).connect()
                await asyncio.wait_for(attacker.synced.wait(), 10)
                frame = yp.sync_update(forged(facilitator.doc, set_step(9), ahead))
                assert await closed_with(attacker, frame) == 1008
                await attacker.close()
            meta["step"] = 2
            await wait_for(lambda: seen.get("step") == 2, 15, what="the next change")

    run(scenario())


@pytest.mark.parametrize("pause", [0.0, 1.0])
def test_a_node_that_opens_a_board_late_hears_the_presence_shown_before(cluster: Cluster,
                                                                         pause: float):
    """Presence is not stored: a node that opened a board after someone on another node showed
    theirs heard of them only when their client renewed it (every 15 s), so its clients saw an
    incomplete list of who is there. It now asks the other nodes, and they answer; and a node
    that starts reading a board tells its own clients' presence, for a node that opened the
    board a moment before it and asked too early (``pause`` 0: node a may not read the
    board's stream yet when node b asks; 1 s: it does, and answers)."""
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()

    async def scenario() -> None:
        async with connected(a.board_ws(board, "participant")) as ada:
            ada_id = ada.doc.client_id
            await ada.set_presence(ada_id, 1, {"user": {"name": "Ada"}})
            async with connected(a.board_ws(board, "observer")) as local:
                await wait_for(lambda: ada_id in local.awareness, 10, what="Ada on node a")
            await asyncio.sleep(pause)
            async with connected(b.board_ws(board, "observer")) as late:
                await wait_for(lambda: ada_id in late.awareness, 5,
                               what="Ada's presence on node b, without her renewing it")
                assert json.loads(late.awareness[ada_id])["user"]["name"] == "Ada"

    run(scenario())


def test_presence_another_node_refused_is_not_passed_on(cluster: Cluster):
    """An observer on node a shows a participant of node b under the participant's client id
    (a learned it only after b's client showed it), then removes it. Node b keeps its own
    client's state and passes neither on to its clients."""
    a, b = cluster.node().start(), cluster.node().start()
    board = b.create_board()

    async def scenario() -> None:
        async with connected(b.board_ws(board, "participant")) as victor, \
                connected(b.board_ws(board, "facilitator")) as watcher:
            victor_id = victor.doc.client_id
            await victor.set_presence(victor_id, 1, {"user": {"name": "Victor"}})
            await wait_for(lambda: victor_id in watcher.awareness, 10, what="Victor")
            async with connected(a.board_ws(board, "observer")) as mallory:
                mallory_id = mallory.doc.client_id

                clock = 0

                async def show_mallory() -> None:
                    """Mallory's own presence, seen on node b: what a sent before has been
                    handled there (a's entries reach b in order). Sent again until seen: b
                    reads the board's stream from its first read on, up to a second after it
                    opened the board (updates before that come from the store, presence is
                    renewed by the clients)."""
                    nonlocal clock
                    for _ in range(30):
                        clock += 1
                        name = f"Mallory {clock}"
                        await mallory.set_presence(mallory_id, clock, {"user": {"name": name}})
                        with contextlib.suppress(AssertionError):
                            await wait_for(
                                lambda name=name: name in watcher.awareness.get(mallory_id, ""),
                                0.5)
                            return
                    raise AssertionError("Mallory's own presence never reached node b")

                await show_mallory()
                await mallory.set_presence(victor_id, 100, {"user": {"name": "Fake Victor"}})
                await show_mallory()
                assert json.loads(watcher.awareness[victor_id])["user"]["name"] == "Victor"
                await mallory.send_raw(yp.awareness_message(
                    yp.encode_awareness([yp.AwarenessEntry(victor_id, 101, "null")])))
                await show_mallory()
                assert json.loads(watcher.awareness[victor_id])["user"]["name"] == "Victor"

    run(scenario())


def test_an_edit_a_killed_node_stored_but_never_published_reaches_the_other_nodes(
        cluster: Cluster):
    """Node a stores an edit and shows it to its own clients, then dies (kill -9) before its
    publish went out (Redis held writes for a moment). The other node hears nothing of it, and
    the dead node cannot announce the gap: b notices that a stopped and catches up from the
    store, so its open room gets the edit, and a's client that saw it can reconnect to b."""
    a, b = cluster.node().start(), cluster.node().start()
    board = a.create_board()
    redis_client = cluster.redis.client()

    async def scenario() -> None:
        async with connected(a.board_ws(board, "participant")) as writer, \
                connected(a.board_ws(board, "facilitator")) as seer, \
                connected(b.board_ws(board, "observer")) as watcher:
            writer.add_note("before", "before")
            await wait_for(lambda: "before" in watcher.elements, 15, what="fan-out")
            redis_client.execute_command("CLIENT", "PAUSE", 3000, "WRITE")
            writer.add_note("seen", "stored and seen on a")
            await wait_for(lambda: "seen" in seer.elements, 5, what="a's client saw it")
            a.kill()
            redis_client.execute_command("CLIENT", "UNPAUSE")
            await wait_for(lambda: "seen" in watcher.elements, 30, what="b caught up")
            async with connected(b.board_ws(board, "facilitator"), seer.doc) as again:
                again.add_note("after", "through b")
                await wait_for(lambda: "after" in watcher.elements, 15, what="a later edit")
                assert again.close_code is None

    run(scenario())


def test_an_erasure_through_one_node_leaves_no_name_on_another_that_has_the_board_open(
        cluster: Cluster):
    """The other node's room kept the erased name as deleted content (the erasure reached it
    as an update): its fresh readers were sent the name, its export held it, and its next
    fold wrote it back into the store."""
    a, b = cluster.node().start(), cluster.node().start()
    net = new_network(a)
    board = people_board(a, net)
    url = b.board_ws(board, "observer")
    facilitator = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
    name = AYLA.encode()

    async def scenario() -> None:
        async with connected(url) as watcher, \
                connected(a.board_ws(board, "facilitator")) as writer:
            for count in range(1, 40):  # until b has the board's stream, not a catch-up
                writer.add_note(f"ping-{count}", "ping")
                await wait_for(lambda count=count: f"ping-{count}" in watcher.elements, 15,
                               what="the fan-out to b")
                if scrape(b.url)["partnerboard_redis_received_total"] > 0:
                    break
            erased = call(a, "POST", f"/api/networks/{net['id']}/people/erase", net["key"],
                          {"name": AYLA})
            assert erased.status_code == 200, erased.text
            await wait_for(lambda: watcher.elements["n-ayla"]["author"] == "Zorggroep", 15,
                           what="the erasure on b")
            for _ in range(20):
                if name not in await everything_a_reader_gets(url, 0.5):
                    break
            else:
                raise AssertionError("b keeps sending the erased name to fresh readers")
            exported = (await asyncio.to_thread(
                httpx.get, f"{b.url}/api/boards/{board['id']}/export", headers=facilitator,
                timeout=30)).content
            assert name not in zipfile.ZipFile(io.BytesIO(exported)).read("document.bin")

    run(scenario())
    time.sleep(2.0)  # b's room folds and unloads
    assert name not in database_bytes(cluster.database_url)
