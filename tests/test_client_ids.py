"""A Yjs client id belongs to the link that first wrote with it on the board.

The attack: a participant writes under the facilitator's client id, one clock ahead, and the
facilitator's next change is then lost for everyone but the facilitator. Every test here runs
against a real server with pycrdt clients; forged updates are made by a pycrdt document that
is given somebody else's client id.
"""

from __future__ import annotations

import asyncio
import functools

import pytest
import websockets
from pycrdt import Doc, Map, Text
from yclient import YClient, connected, state_vector
from yclient import wait_for as _wait_for
from yupdates import root_map_item, update

from partnerboard.server import yprotocol as yp
from partnerboard.server.yprotocol import var_bytes, var_uint

#: The machine running the suite may be busy: conditions get a generous deadline.
wait_for = functools.partial(_wait_for, limit=15)


def run(coroutine) -> None:  # noqa: ANN001
    asyncio.run(coroutine)


def forged(victim: Doc, change, ahead: int = 0) -> bytes:  # noqa: ANN001
    """An update under ``victim``'s client id, made on a copy of what it has; ``ahead`` extra
    changes are made first and not sent, so the update starts that many clocks ahead."""
    copy = Doc(client_id=victim.client_id)
    copy.apply_update(victim.get_update())
    meta = copy.get("meta", type=Map)
    for index in range(ahead):
        meta[f"unsent{index}"] = index
    state = copy.get_state()
    change(copy)
    return copy.get_update(state)


def set_step(step: int):  # noqa: ANN201
    return lambda doc: doc.get("meta", type=Map).__setitem__("step", step)


async def closed_with(client: YClient, frame: bytes) -> int | None:
    await client.send_raw(frame)
    return await client.wait_closed(10)


def test_a_participant_cannot_write_under_the_facilitator_client_id(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator, \
                connected(server.board_ws(board, "observer")) as watcher:
            meta = facilitator.doc.get("meta", type=Map)
            meta["step"] = 1
            seen = watcher.doc.get("meta", type=Map)
            await wait_for(lambda: seen.get("step") == 1, what="facilitator's first change")
            for ahead in (0, 1):
                attacker = await YClient(server.board_ws(board, "participant")).connect()
                await asyncio.wait_for(attacker.synced.wait(), 5)
                frame = yp.sync_update(forged(facilitator.doc, set_step(9), ahead))
                assert await closed_with(attacker, frame) == 1008
                await attacker.close()
            # The facilitator's next changes reach everyone.
            meta["step"] = 2
            await wait_for(lambda: seen.get("step") == 2, what="facilitator's next change")
            meta["step"] = 3
            await wait_for(lambda: seen.get("step") == 3, what="and the one after")
        async with connected(server.board_ws(board, "observer")) as fresh:
            assert fresh.doc.get("meta", type=Map)["step"] == 3
    run(scenario())
    assert "belongs to another link" in server.log_path.read_text()


def test_ownership_survives_a_restart(own_server):
    server = own_server.start()
    board = server.create_board()
    facilitator_doc = Doc()

    async def write() -> None:
        async with connected(server.board_ws(board, "facilitator"), facilitator_doc) as client:
            client.doc.get("meta", type=Map)["step"] = 1
            await client.flush()
            async with connected(server.board_ws(board, "observer")) as watcher:
                seen = watcher.doc.get("meta", type=Map)
                await wait_for(lambda: seen.get("step") == 1, what="stored")

    run(write())
    server.terminate()
    server.start()

    async def attack() -> None:
        async with connected(server.board_ws(board, "participant")) as attacker:
            frame = yp.sync_update(forged(facilitator_doc, set_step(9)))
            assert await closed_with(attacker, frame) == 1008
        # The owner, reconnecting with the same document, writes normally.
        async with connected(server.board_ws(board, "facilitator"), facilitator_doc) as owner, \
                connected(server.board_ws(board, "observer")) as watcher:
            owner.doc.get("meta", type=Map)["step"] = 2
            seen = watcher.doc.get("meta", type=Map)
            await wait_for(lambda: seen.get("step") == 2, what="owner after restart")

    run(attack())


def test_the_same_link_reconnecting_with_offline_edits_and_a_half_open_socket_is_the_owner(server):
    board = server.create_board()
    doc = Doc()

    async def scenario() -> None:
        url = server.board_ws(board, "participant")
        async with connected(server.board_ws(board, "observer")) as watcher:
            first = await YClient(url, doc).connect()
            await asyncio.wait_for(first.synced.wait(), 5)
            first.add_note("online", "written online", x=120, y=120)
            await wait_for(lambda: "online" in watcher.elements, what="first note")
            # The socket goes quiet without a close (half-open); edits are made offline.
            first.doc.unobserve(first._sub)
            first.add_note("offline", "written offline", x=130, y=130)
            async with connected(url, doc) as second:
                await wait_for(lambda: "offline" in watcher.elements, what="offline edit")
                second.add_note("later", "after reconnecting", x=140, y=140)
                await wait_for(lambda: "later" in watcher.elements, what="later edit")
                assert second.close_code is None
            await first.close()

    run(scenario())


def test_another_participant_link_cannot_use_a_client_id_of_the_guest_link(server):
    """Links, not roles: the facilitator's token may not write under a participant's id."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as participant, \
                connected(server.board_ws(board, "facilitator")) as facilitator:
            participant.add_note("p", "mine", x=120, y=120)
            await wait_for(lambda: "p" in facilitator.elements, what="note")

            def edit(doc: Doc) -> None:
                doc.get("elements", type=Map)["p"]["x"] = 500

            assert await closed_with(facilitator, yp.sync_update(forged(participant.doc, edit))) \
                == 1008

    run(scenario())


@pytest.mark.parametrize("how", ["gap", "overlapping"])
def test_an_update_that_skips_ahead_of_its_client_is_refused(server, how):
    """An update must continue its client where the board has it: one that skips ahead is
    refused (1002) before it is applied. Waiting updates of one client that overlap or leave a
    gap killed the process (found by the WebSocket fuzzer)."""
    board = server.create_board()
    client = 4_100_000

    def note(clock: int, key: str) -> bytes:
        item = root_map_item("elements", key, 8, var_uint(1) + bytes([119]) + var_bytes(b"x"))
        return update(client, clock, *[item] * 4)

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as attacker, \
                connected(server.board_ws(board, "observer")) as watcher:
            start = 10  # clock 0 is never sent
            if how == "overlapping":  # its own first change, then one far ahead of it
                own = Doc(client_id=client)
                own.apply_update(attacker.doc.get_update())
                before = own.get_state()
                own.get("elements", type=Map)["first"] = Map({
                    "kind": "note", "x": 1, "y": 1, "w": 1, "h": 1, "text": Text("first"),
                    "author": "", "org": "", "color": "", "created": 0})
                await attacker.send_raw(yp.sync_update(own.get_update(before)))
                await wait_for(lambda: "first" in watcher.elements, what="first change")
                start = state_vector(own)[client] + 10
            frame = yp.sync_update(note(start, "k0"))
            await attacker.send_raw(frame)
            assert await attacker.wait_closed(10) == 1002
            async with connected(server.board_ws(board, "observer")) as fresh:
                assert "k0" not in fresh.elements
    run(scenario())
    assert "builds on parts not sent first" in server.log_path.read_text()


def test_an_update_placed_against_content_the_board_does_not_have_is_refused(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator:
            facilitator.doc.get("meta", type=Map)["step"] = 1
            await facilitator.flush()
            fac_id = facilitator.doc.client_id
            # An item whose origin is the facilitator's next (not yet written) change.
            origin = var_uint(fac_id) + var_uint(10_000)
            item = bytes([8 | 0x80]) + origin + var_uint(1) + bytes([126])
            async with connected(server.board_ws(board, "participant")) as attacker:
                frame = yp.sync_update(update(4_200_000, 0, item))
                assert await closed_with(attacker, frame) == 1002
            # Deleting the facilitator's future changes in advance is refused the same way.
            deletes = var_uint(1) + var_uint(fac_id) + var_uint(1) + var_uint(0) + var_uint(10_000)
            async with connected(server.board_ws(board, "participant")) as attacker:
                frame = yp.sync_update(var_uint(0) + deletes)
                assert await closed_with(attacker, frame) == 1002
            facilitator.doc.get("meta", type=Map)["step"] = 2
            async with connected(server.board_ws(board, "observer")) as fresh:
                await wait_for(lambda: fresh.doc.get("meta", type=Map).get("step") == 2,
                               what="facilitator unaffected")

    run(scenario())


def tab_with_the_first_tabs_note(watcher: YClient) -> tuple[Doc, bytes]:
    """A second browser tab holding a note the first tab made (from the browser's store) that
    this node never received, and the tab's edit of that note's text."""
    first_tab = Doc()
    first_tab.apply_update(watcher.doc.get_update())
    first_tab.get("elements", type=Map)["from-first-tab"] = Map({
        "kind": "note", "x": 120, "y": 120, "w": 160, "h": 100, "text": Text("first"),
        "author": "", "org": "Gemeente", "color": "#fff", "created": 1.0})
    second_tab = Doc()
    second_tab.apply_update(first_tab.get_update())  # never sent by the first tab
    before = second_tab.get_state()
    text = second_tab.get("elements", type=Map)["from-first-tab"]["text"]
    text.insert(len(text), " and second")
    return second_tab, second_tab.get_update(before)


def test_an_edit_ahead_of_the_sync_answer_is_dropped_and_the_answer_brings_it(server):
    """y-websocket sends a reconnecting tab's edit as soon as the socket opens, before the
    tab answers the server's sync step 1. An edit on parts this node lacks then arrives first:
    it must neither wait inside the document nor cost the tab its connection. The server drops
    it; the tab's sync answer, computed later from the same document, carries the missing note
    and the edit, and the connection stays open."""
    board = server.create_board()

    async def scenario() -> None:
        url = server.board_ws(board, "participant")
        async with connected(server.board_ws(board, "observer")) as watcher:
            tab, edit = tab_with_the_first_tabs_note(watcher)
            async with websockets.connect(url) as raw:
                await raw.send(yp.sync_update(edit))  # ahead of everything else
                await raw.send(yp.sync_step1(tab.get_state()))
                while True:
                    frame = await asyncio.wait_for(raw.recv(), 10)
                    message = yp.parse_message(frame)
                    if message.type is yp.MessageType.SYNC and \
                            message.sync_type is yp.SyncType.STEP1:
                        break
                await raw.send(yp.sync_step2(tab.get_update(message.payload)))
                await wait_for(lambda: "from-first-tab" in watcher.elements, what="the answer")
                note = watcher.elements["from-first-tab"]
                await wait_for(lambda: str(note["text"]) == "first and second", what="the edit")
                await raw.send(yp.sync_step1(Doc().get_state()))  # still answered: still open
                while yp.parse_message(await asyncio.wait_for(raw.recv(), 10)).type \
                        is not yp.MessageType.SYNC:
                    pass
                assert raw.close_code is None
    run(scenario())


def test_an_edit_on_parts_not_here_after_the_sync_answer_is_refused(server):
    """After a tab has answered the sync, an edit on parts this node lacks can't come from a
    well-behaved client: 1002, and nothing of it reaches the board. Reconnecting, the tab's
    sync answer carries the note and the edit together."""
    board = server.create_board()

    async def scenario() -> None:
        url = server.board_ws(board, "participant")
        async with connected(server.board_ws(board, "observer")) as watcher:
            tab, edit = tab_with_the_first_tabs_note(watcher)
            async with connected(url) as answered:
                assert await closed_with(answered, yp.sync_update(edit)) == 1002
            assert "from-first-tab" not in watcher.elements
            async with connected(url, tab) as again:
                await wait_for(lambda: "from-first-tab" in watcher.elements, what="the sync")
                note = watcher.elements["from-first-tab"]
                await wait_for(lambda: str(note["text"]) == "first and second", what="the edit")
                assert again.close_code is None
    run(scenario())
    assert "the update refers to content this board does not have" in \
        server.log_path.read_text()
