"""Real-time sync against a real server on a loopback port, with pycrdt clients."""

from __future__ import annotations

import asyncio

from pycrdt import Doc, Map, Text
from yclient import YClient, connected, note_texts, wait_for

from partnerboard.server import yprotocol as yp


def run(coro):
    return asyncio.run(coro)


def test_concurrent_edits_from_several_clients_converge(server):
    board = server.create_board()

    async def scenario():
        clients = [await YClient(server.board_ws(board)).connect() for _ in range(4)]
        try:
            for client in clients:
                await asyncio.wait_for(client.synced.wait(), 5)
            for round_ in range(5):
                for index, client in enumerate(clients):
                    client.add_note(f"n{index}-{round_}", f"note {index}/{round_}")
            # Everyone edits the same note's text at once: the texts merge.
            await wait_for(lambda: all(len(c.elements) == 20 for c in clients), what="20 notes")
            for index, client in enumerate(clients):
                text = client.elements["n0-0"]["text"]
                text += f" +{index}"
            expected = {f"+{i}" for i in range(4)}
            await wait_for(
                lambda: all(
                    expected <= set(str(c.elements["n0-0"]["text"]).split()) for c in clients
                ),
                what="merged text",
            )
            states = [note_texts(client.doc) for client in clients]
            assert all(state == states[0] for state in states)
            assert len(states[0]) == 20
        finally:
            for client in clients:
                await client.close()

        # A client arriving later gets the whole board from the server.
        async with connected(server.board_ws(board, "observer")) as late:
            assert note_texts(late.doc) == states[0]

    run(scenario())


def test_new_board_document_has_the_contract_root_types(server):
    board = server.create_board(title="Wijkteam Noord", language="nl")

    async def scenario():
        async with connected(server.board_ws(board, "observer")) as client:
            meta = client.doc.get("meta", type=Map)
            assert meta["canvas"] == "partnership-map"
            assert meta["canvas_version"] == "1.0"
            assert meta["title"] == "Wijkteam Noord"
            assert meta["language"] == "nl"
            assert meta["step"] == 0
            assert meta["finalized"] is False
            partners = client.doc.get("partners", type=Map)
            assert sorted(p["name"] for p in partners.values()) == ["Gemeente", "Zorg"]
            assert len(client.elements) == 0

    run(scenario())


def test_observer_updates_are_never_applied_but_presence_is(server):
    board = server.create_board()

    async def scenario():
        async with connected(server.board_ws(board, "participant")) as writer, \
                connected(server.board_ws(board, "observer")) as observer:
            observer.add_note("sneaky", "observer was here")
            # A SyncStep2 nobody asked for, carrying a note, is dropped too.
            other = Doc()
            other.get("elements", type=Map)["forged"] = Map({"kind": "note", "text": Text("x")})
            await observer.send_raw(yp.sync_step2(other.get_update()))
            await observer.set_presence(4242, 1, {"user": {"name": "Olga"}})
            await wait_for(lambda: 4242 in writer.awareness, what="observer presence")
            writer.add_note("real", "participant note")
            await wait_for(lambda: "real" in observer.elements, what="broadcast to observer")
            assert "sneaky" not in writer.elements
            assert "forged" not in writer.elements
            assert observer.close_code is None  # the observer stays connected
        async with connected(server.board_ws(board, "facilitator")) as fresh:
            assert set(fresh.elements.keys()) == {"real"}

    run(scenario())


def test_wrong_token_or_unknown_board_closes_1008_before_any_document_data(server):
    board = server.create_board()
    urls = [
        f"{server.ws_url}/{board['id']}?token=wrong",
        f"{server.ws_url}/{board['id']}",
        f"{server.ws_url}/nosuchboard?token={board['tokens']['facilitator']}",
    ]

    async def scenario():
        for url in urls:
            client = await YClient(url).connect()
            assert await client.wait_closed() == 1008
            assert client.auth_denied
            assert not client.synced.is_set()
            assert len(client.elements) == 0

    run(scenario())


def test_presence_of_a_leaving_client_is_removed_for_the_others(server):
    board = server.create_board()

    async def scenario():
        async with connected(server.board_ws(board)) as staying:
            leaving = await YClient(server.board_ws(board)).connect()
            await asyncio.wait_for(leaving.synced.wait(), 5)
            await leaving.set_presence(777, 3, {"user": {"name": "Piet"}})
            await wait_for(lambda: 777 in staying.awareness, what="presence")
            await leaving.close()
            await wait_for(lambda: 777 not in staying.awareness, what="presence removed")

    run(scenario())
