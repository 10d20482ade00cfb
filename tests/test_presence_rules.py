"""Presence: a connection sets and removes only its own client ids' states, of bounded size."""

from __future__ import annotations

import asyncio
import functools
import json
import time

import httpx
import pytest
from pycrdt import Doc, Map
from yclient import YClient, connected
from yclient import wait_for as _wait_for

from partnerboard.server import yprotocol as yp
from partnerboard.server.allowance import presence_allowance
from partnerboard.server.presence import MAX_IDS_PER_CONNECTION, MAX_PERSON_PRESENCE_BYTES

#: The machine running the suite may be busy: conditions get a generous deadline.
wait_for = functools.partial(_wait_for, limit=15)


def run(coroutine):  # noqa: ANN001, ANN201
    return asyncio.run(coroutine)


def test_an_observer_cannot_overwrite_or_erase_another_client_presence(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as anna, \
                connected(server.board_ws(board, "observer")) as olga, \
                connected(server.board_ws(board, "facilitator")) as watcher:
            anna_id = anna.doc.client_id
            await anna.set_presence(anna_id, 1, {"user": {"name": "Anna"}})
            await wait_for(lambda: anna_id in watcher.awareness, what="Anna's presence")
            await olga.set_presence(anna_id, 2, {"user": {"name": "Fake Anna"}})
            await olga.send_raw(yp.awareness_message(
                yp.encode_awareness([yp.AwarenessEntry(anna_id, 3, "null")])))
            # Olga's own presence still goes through, after the forged ones.
            await olga.set_presence(olga.doc.client_id, 1, {"user": {"name": "Olga"}})
            await wait_for(lambda: olga.doc.client_id in watcher.awareness, what="Olga")
            assert json.loads(watcher.awareness[anna_id])["user"]["name"] == "Anna"
            assert olga.close_code is None
        async with connected(server.board_ws(board, "observer")):
            pass

    run(scenario())


def test_the_facilitator_presence_cannot_be_faked_even_after_they_leave(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as mallory, \
                connected(server.board_ws(board, "observer")) as watcher:
            async with connected(server.board_ws(board, "facilitator")) as facilitator:
                fac_id = facilitator.doc.client_id
                facilitator.doc.get("meta", type=Map)["step"] = 1  # writes: the id is theirs
                await facilitator.set_presence(fac_id, 1, {"user": {"name": "Facilitator"}})
                await wait_for(lambda: fac_id in watcher.awareness, what="presence")
            await wait_for(lambda: fac_id not in watcher.awareness, what="facilitator left")
            await mallory.set_presence(fac_id, 5, {"user": {"name": "Facilitator"}})
            await mallory.set_presence(mallory.doc.client_id, 1, {"user": {"name": "Mallory"}})
            await wait_for(lambda: mallory.doc.client_id in watcher.awareness, what="Mallory")
            assert fac_id not in watcher.awareness

    run(scenario())


def test_a_presence_state_over_8_kib_is_dropped(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "observer")) as big, \
                connected(server.board_ws(board, "observer")) as watcher:
            big_id = big.doc.client_id
            await big.set_presence(big_id, 1, {"user": {"name": "x" * 9_000}})
            await big.set_presence(big_id + 1, 1, {"user": {"name": "fits"}})
            await wait_for(lambda: big_id + 1 in watcher.awareness, what="small state")
            assert big_id not in watcher.awareness
            async with connected(server.board_ws(board, "observer")) as newcomer:
                await wait_for(lambda: big_id + 1 in newcomer.awareness, what="newcomer")
                assert big_id not in newcomer.awareness

    run(scenario())


@pytest.mark.parametrize("state", [
    '{"user": {"name": NaN, "org": Infinity}, "x": -Infinity}',
    # Python reads 1e999 as infinity, which the server could not write back as JSON when it
    # sets who the state is from (found by the WebSocket fuzzer).
    '{"user": {"org": 1e999}, "n": 1}',
])
def test_a_presence_state_json_parse_refuses_closes_the_sender_and_reaches_nobody(server, state):
    """NaN and Infinity are Python JSON, not JSON: a browser's JSON.parse throws on them, and
    y-protocols then drops the whole awareness message (everyone's cursors freeze). Found by
    the WebSocket fuzzer."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "observer")) as mallory, \
                connected(server.board_ws(board, "observer")) as watcher:
            await mallory.send_raw(yp.awareness_message(yp.encode_awareness(
                [yp.AwarenessEntry(mallory.doc.client_id, 1, state)])))
            assert await mallory.wait_closed(10) == 1002
            await watcher.set_presence(watcher.doc.client_id, 1, {"user": {"name": "W"}})
            async with connected(server.board_ws(board, "observer")) as newcomer:
                await wait_for(lambda: watcher.doc.client_id in newcomer.awareness,
                               what="the watcher's presence")
                assert mallory.doc.client_id not in newcomer.awareness
            assert mallory.doc.client_id not in watcher.awareness

    run(scenario())


def test_another_connection_of_the_same_link_cannot_overwrite_or_erase_a_presence(server):
    """Every guest comes through the one guest link: a connection's presence is its own, not
    its link's, while that connection shows it."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as anna, \
                connected(server.board_ws(board, "participant")) as mallory, \
                connected(server.board_ws(board, "facilitator")) as watcher:
            anna_id = anna.doc.client_id
            await anna.set_presence(anna_id, 1, {"user": {"name": "Anna"}})
            await wait_for(lambda: anna_id in watcher.awareness, what="Anna's presence")
            await mallory.set_presence(anna_id, 2, {"user": {"name": "Anna (I quit)"}})
            await mallory.send_raw(yp.awareness_message(
                yp.encode_awareness([yp.AwarenessEntry(anna_id, 3, "null")])))
            await mallory.set_presence(mallory.doc.client_id, 1, {"user": {"name": "Mallory"}})
            await wait_for(lambda: mallory.doc.client_id in watcher.awareness, what="Mallory")
            assert json.loads(watcher.awareness[anna_id])["user"]["name"] == "Anna"
            async with connected(server.board_ws(board, "observer")) as newcomer:
                await wait_for(lambda: anna_id in newcomer.awareness, what="newcomer")
                assert json.loads(newcomer.awareness[anna_id])["user"]["name"] == "Anna"

    run(scenario())


def test_an_observer_showing_a_participants_id_does_not_keep_them_from_writing(server):
    """An observer learns a participant's client id from their presence and shows it while
    the participant reconnects. The participant's edits are still theirs to make (no 1008),
    and once they wrote, the id's presence is theirs again."""
    board = server.create_board()

    async def scenario() -> None:
        doc = Doc()
        async with connected(server.board_ws(board, "observer")) as olga, \
                connected(server.board_ws(board, "facilitator")) as watcher:
            async with connected(server.board_ws(board, "participant"), doc) as anna:
                anna_id = anna.doc.client_id
                await anna.set_presence(anna_id, 1, {"user": {"name": "Anna"}})
                await wait_for(lambda: anna_id in olga.awareness, what="Anna shown")
            await wait_for(lambda: anna_id not in olga.awareness, what="Anna gone")
            await olga.set_presence(anna_id, 5, {"user": {"name": "Anna (Olga)"}})
            await wait_for(lambda: anna_id in watcher.awareness, what="Olga's claim")
            async with connected(server.board_ws(board, "participant"), doc) as anna:
                anna.add_note("n1", "my first note")
                await wait_for(lambda: "n1" in watcher.elements, what="Anna's note")
                await anna.set_presence(anna_id, 6, {"user": {"name": "Anna"}})
                await wait_for(lambda: "Olga" not in watcher.awareness.get(anna_id, "Olga"),
                               what="Anna's presence back")
                await olga.set_presence(anna_id, 7, {"user": {"name": "Anna (Olga)"}})
                await olga.set_presence(olga.doc.client_id, 1, {"user": {"name": "Olga"}})
                await wait_for(lambda: olga.doc.client_id in watcher.awareness, what="Olga")
                assert json.loads(watcher.awareness[anna_id])["user"]["name"] == "Anna"
                assert anna.close_code is None

    run(scenario())


def test_a_state_echoed_by_another_client_takes_nothing_from_its_owner(server):
    """y-websocket clients send every presence state they learn of, removals too. A
    participant's client echoing an observer's state (found with our own browser client: the
    observer's cursor vanished for everyone) must not tie the observer's id to the echoing
    link, nor take a removal of a state it does not show as its own."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "observer")) as olga, \
                connected(server.board_ws(board, "participant")) as anna, \
                connected(server.board_ws(board, "facilitator")) as watcher:
            olga_id = olga.doc.client_id
            await olga.set_presence(olga_id, 1, {"user": {"name": "Olga"}})
            await wait_for(lambda: olga_id in anna.awareness, what="Olga shown")
            await anna.send_raw(yp.awareness_message(yp.encode_awareness(
                [yp.AwarenessEntry(olga_id, 1, anna.awareness[olga_id])])))
            await anna.send_raw(yp.awareness_message(yp.encode_awareness(
                [yp.AwarenessEntry(olga_id, 2, "null")])))
            for clock in range(3, 6):
                await olga.set_presence(olga_id, clock, {"user": {"name": f"Olga {clock}"}})
            await wait_for(lambda: "Olga 5" in watcher.awareness.get(olga_id, ""),
                           what="Olga's own renewals")

    run(scenario())


def _seat(server, board: dict, role: str, name: str, org: str = "") -> str:  # noqa: ANN001
    answer = httpx.post(f"{server.url}/api/boards/{board['id']}/seats",
                        json={"name": name, "org": org},
                        headers={"Authorization": f"Bearer {board['tokens'][role]}"}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_an_observer_cannot_lead_everyones_view(server):
    """Every participant's browser follows a state's ``follow`` (the facilitator's view)."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "observer")) as olga, \
                connected(server.board_ws(board, "facilitator")) as fiona, \
                connected(server.board_ws(board)) as anna:
            view = {"x": 0, "y": 0, "w": 1, "h": 1, "seq": 1}
            await olga.set_presence(olga.doc.client_id, 1, {"user": {"name": "Olga"},
                                                            "follow": view})
            await fiona.set_presence(fiona.doc.client_id, 1, {"user": {"name": "Fiona"},
                                                             "follow": view})
            await wait_for(lambda: {olga.doc.client_id, fiona.doc.client_id} <= set(anna.awareness),
                           what="both states")
            assert "follow" not in json.loads(anna.awareness[olga.doc.client_id])
            assert json.loads(anna.awareness[fiona.doc.client_id])["follow"] == view

    run(scenario())


def test_presence_says_who_the_server_knows_is_behind_it(server):
    """A guest with a seat shows as that seat, marked as a guest, in the role it has; a party
    link's organisation is its partner's; a name that is not text is not forwarded as one (a
    browser's people list froze on it)."""
    board = server.create_board()
    mallory = _seat(server, board, "participant", "Mallory", "Omega")

    async def scenario() -> None:
        url = server.board_ws(board) + f"&seat={mallory}"
        async with connected(url) as guest, \
                connected(server.board_ws(board, "observer")) as olga, \
                connected(server.board_ws(board, "observer")) as watcher:
            claim = {"user": {"name": "Fiona", "org": "Gemeente", "guest": False,
                              "color": "#123456"},
                     "role": "facilitator", "cursor": {"x": 5, "y": 6}}
            await guest.set_presence(guest.doc.client_id, 1, claim)
            await olga.set_presence(olga.doc.client_id, 1,
                                    {"user": {"name": {"toString": 0}, "org": ["x"]}})
            await wait_for(lambda: {guest.doc.client_id, olga.doc.client_id}
                           <= set(watcher.awareness), what="both states")
            shown = json.loads(watcher.awareness[guest.doc.client_id])
            assert shown["user"] == {"name": "Mallory", "org": "Omega", "guest": True,
                                     "color": "#123456"}
            assert shown["role"] == "participant" and shown["cursor"] == {"x": 5, "y": 6}
            odd = json.loads(watcher.awareness[olga.doc.client_id])
            assert odd == {"user": {"name": "", "org": "", "guest": True}}

    run(scenario())


def test_a_presence_client_id_a_browser_cannot_read_closes_the_sender(server):
    """lib0 refuses a number past 2^53, and with it the whole message: a newcomer's list of
    everyone would be lost."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "observer")) as olga, \
                connected(server.board_ws(board, "observer")) as watcher:
            await olga.set_presence((1 << 60) + (1 << 54), 1, {"user": {"name": "x"}})
            assert await olga.wait_closed(10) == 1002
            await watcher.set_presence(watcher.doc.client_id, 1, {"user": {"name": "W"}})
            async with connected(server.board_ws(board, "observer")) as newcomer:
                await wait_for(lambda: watcher.doc.client_id in newcomer.awareness,
                               what="the watcher's presence")
                assert len(newcomer.awareness) == 1

    run(scenario())


def test_a_presence_message_longer_than_the_boards_presence_is_dropped_unread(own_server):
    """200,000 tiny states in one 800 KB message used to be read, each as JSON, before any
    limit looked at them: 3.7 s of the node's time per message."""
    server = own_server.start()
    board = server.create_board()
    flood = yp.awareness_message(yp.encode_awareness(
        [yp.AwarenessEntry(index % 100, 1, "0") for index in range(200_000)]))

    async def scenario() -> None:
        async with connected(server.board_ws(board, "observer")) as olga, \
                connected(server.board_ws(board, "observer")) as watcher:
            for _ in range(3):
                await olga.send_raw(flood)
            await olga.set_presence(olga.doc.client_id, 1, {"user": {"name": "Olga"}})
            await wait_for(lambda: olga.doc.client_id in watcher.awareness, what="her state")
            assert set(watcher.awareness) == {olga.doc.client_id}
            assert olga.close_code is None

    run(scenario())
    log = server.log_path.read_text()
    assert log.count("dropped a presence message of 200000 entries") == 3


def test_reconnecting_does_not_renew_the_presence_allowance(server):
    """One client connecting again and again, each time showing 16 states of 8 KiB, made a
    watcher receive 38 times what one connection's allowance lets through."""
    board = server.create_board()
    seconds = 2.0
    allowance = presence_allowance()
    bound = allowance.byte_burst + allowance.byte_rate * seconds

    async def scenario() -> int:
        async with connected(server.board_ws(board, "observer")) as watcher:
            big = json.dumps({"user": {"name": "x" * 8000}})
            started, cycle = time.monotonic(), 0
            while time.monotonic() - started < seconds:
                async with connected(server.board_ws(board, "observer")) as again:
                    first = 1_000_000 + cycle * MAX_IDS_PER_CONNECTION
                    await again.send_raw(yp.awareness_message(yp.encode_awareness(
                        [yp.AwarenessEntry(first + index, 1, big)
                         for index in range(MAX_IDS_PER_CONNECTION)])))
                cycle += 1
            await asyncio.sleep(0.5)
            assert cycle > 5
            received = watcher.awareness_bytes
        return received

    received = run(scenario())
    assert 0 < received <= bound, f"a watcher received {received} bytes, bound {bound:.0f}"


def test_a_guest_without_an_organisation_is_marked_as_one(server):
    """"Anna (Gemeente)" as a guest's name, with no organisation, read like a partner's member
    in every cursor label: the guest mark is on every state a party link or the facilitator
    did not send."""
    board = server.create_board()
    seated = _seat(server, board, "participant", "Anna (Gemeente)")

    async def scenario() -> None:
        async with connected(server.board_ws(board) + f"&seat={seated}") as guest, \
                connected(server.board_ws(board)) as seatless, \
                connected(server.board_ws(board, "observer")) as watcher:
            for client in (guest, seatless):
                await client.set_presence(client.doc.client_id, 1,
                                          {"user": {"name": "Anna (Gemeente)"}})
            await wait_for(lambda: {guest.doc.client_id, seatless.doc.client_id}
                           <= set(watcher.awareness), what="both states")
            for client in (guest, seatless):
                user = json.loads(watcher.awareness[client.doc.client_id])["user"]
                assert user["guest"] is True and user["name"] == "Anna (Gemeente)"

    run(scenario())


def test_one_guest_cannot_fill_the_boards_presence_for_everyone(server):
    """Five idle connections of one guest (each with a seat of its own: the guest link gives
    out dozens), each showing sixteen states of 8 KiB, filled the board's 512 KiB of presence:
    nobody who came later was seen, the facilitator included."""
    board = server.create_board()
    anna_seat = _seat(server, board, "participant", "Anna")
    hog_seats = [_seat(server, board, "participant", f"hog {n}") for n in range(5)]
    big = json.dumps({"pad": "x" * 8000})

    async def scenario() -> None:
        hogs = [await YClient(server.board_ws(board) + f"&seat={seat}").connect()
                for seat in hog_seats]
        try:
            for number, hog in enumerate(hogs):
                first = 10_000 + number * MAX_IDS_PER_CONNECTION
                await hog.send_raw(yp.awareness_message(yp.encode_awareness(
                    [yp.AwarenessEntry(first + index, 1, big)
                     for index in range(MAX_IDS_PER_CONNECTION)])))
            await asyncio.sleep(0.5)
            async with connected(server.board_ws(board, "facilitator")) as fiona, \
                    connected(server.board_ws(board) + f"&seat={anna_seat}") as anna:
                await fiona.set_presence(fiona.doc.client_id, 1, {"user": {"name": "Fiona"}})
                # Bigger than what sixty-five of the hogs' states would leave of the board's.
                await anna.set_presence(anna.doc.client_id, 1,
                                        {"user": {"name": "Anna"}, "cursor": "y" * 4000})
                await wait_for(lambda: fiona.doc.client_id in anna.awareness
                               and anna.doc.client_id in fiona.awareness,
                               what="the facilitator and a participant see each other")
                async with connected(server.board_ws(board, "observer")) as newcomer:
                    await wait_for(lambda: fiona.doc.client_id in newcomer.awareness,
                                   what="the newcomer sees the facilitator")
                    hogs_shown = sum(len(state) for client, state in newcomer.awareness.items()
                                     if 10_000 <= client < 10_000 + 5 * MAX_IDS_PER_CONNECTION)
                    assert hogs_shown <= 5 * MAX_PERSON_PRESENCE_BYTES
        finally:
            for hog in hogs:
                await hog.close()

    run(scenario())
