"""Property test: random interleavings of edits, disconnects and reconnects converge, and
nothing a client wrote is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map, Text
from yclient import YClient, wait_for

CLIENTS = 3

operation = st.one_of(
    st.tuples(st.just("add"), st.integers(0, CLIENTS - 1)),
    st.tuples(st.just("type"), st.integers(0, CLIENTS - 1), st.integers(0, 30)),
    st.tuples(st.just("move"), st.integers(0, CLIENTS - 1), st.integers(0, 30)),
    st.tuples(st.just("delete"), st.integers(0, CLIENTS - 1), st.integers(0, 30)),
    st.tuples(st.just("disconnect"), st.integers(0, CLIENTS - 1)),
    st.tuples(st.just("reconnect"), st.integers(0, CLIENTS - 1)),
    st.tuples(st.just("settle"),),
)


def board_json(doc: Doc) -> dict:
    elements = doc.get("elements", type=Map)
    return {
        key: {"x": value["x"], "text": str(value["text"])} for key, value in elements.items()
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=5, max_size=40))
def test_random_interleavings_converge_without_losing_anything(server, operations):
    board = server.create_board()
    url = server.board_ws(board)
    asyncio.run(interleave(operations, lambda _who, _connection: url))


async def interleave(operations: list[tuple], url_for: Callable[[int, int], str]) -> None:
    """Run the operations; ``url_for(client, n)`` is where a client makes its n-th connection
    (one server, or alternating nodes)."""
    connections = [0] * CLIENTS

    def url(who: int) -> str:
        connections[who] += 1
        return url_for(who, connections[who])

    clients = [await YClient(url(who)).connect() for who in range(CLIENTS)]
    online = [True] * CLIENTS
    added: list[str] = []
    deleted: set[str] = set()
    typed: dict[str, list[str]] = {}
    for step, op in enumerate(operations):
        kind, who = op[0], op[1] if len(op) > 1 else 0
        client = clients[who]
        if kind == "add":
            note = f"{who}-{step}"
            client.add_note(note, "")
            added.append(note)
        elif kind in ("type", "move", "delete"):
            visible = sorted(client.elements.keys())
            if not visible:
                continue
            note = visible[op[2] % len(visible)]
            if kind == "type":
                text = client.elements[note]["text"]
                assert isinstance(text, Text)
                token = f" w{step}"
                text += token
                typed.setdefault(note, []).append(token.strip())
            elif kind == "move":
                client.elements[note]["x"] = float(step)
            else:
                del client.elements[note]
                deleted.add(note)
        elif kind == "disconnect" and online[who]:
            await client.close()
            online[who] = False
        elif kind == "reconnect" and not online[who]:
            clients[who] = await YClient(url(who), client.doc).connect()
            online[who] = True
        elif kind == "settle":
            await asyncio.sleep(0.02)
    for who in range(CLIENTS):
        if not online[who]:
            clients[who] = await YClient(url(who), clients[who].doc).connect()
    for client in clients:
        await asyncio.wait_for(client.synced.wait(), 15)
    expected = set(added) - deleted
    await wait_for(
        lambda: all(set(c.elements.keys()) == expected for c in clients),
        15, what="same notes everywhere",
    )
    await wait_for(
        lambda: all(board_json(c.doc) == board_json(clients[0].doc) for c in clients),
        15, what="identical documents",
    )
    final = board_json(clients[0].doc)
    for note, tokens in typed.items():
        if note in final:
            assert set(tokens) <= set(final[note]["text"].split())
    for client in clients:
        await client.close()
