"""Server-side rules on what a participant's update may change (DESIGN.md §6 meta)."""

from __future__ import annotations

import asyncio

from pycrdt import Doc, Map, Text
from yclient import connected, note_texts, wait_for

from partnerboard.canvases.partnership_map.spec import SPEC
from partnerboard.server.guard import UpdateGuard


def spot(zone_id: str, offset: int = 0) -> dict[str, float]:
    rect = SPEC.zone(zone_id).rect
    return {"x": rect.x + 20, "y": rect.y + 20 + offset}


def test_participant_cannot_change_board_settings_or_partners(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "participant")) as participant, \
                connected(server.board_ws(board, "observer")) as watcher:
            meta = participant.doc.get("meta", type=Map)
            meta["step"] = 3
            meta["finalized"] = True
            participant.doc.get("partners", type=Map)["p1"]["name"] = "Hacked"
            await participant.flush()
            # The server undoes it: the sender's own copy goes back too.
            await wait_for(lambda: meta.get("step") == 0 and meta.get("finalized") is False,
                           what="reverted meta")
            partners = participant.doc.get("partners", type=Map)
            await wait_for(lambda: partners["p1"]["name"] == "Gemeente", what="reverted partner")
            participant.add_note("fine", "notes are fine")
            await wait_for(lambda: "fine" in watcher.elements, what="normal edit")
            assert watcher.doc.get("meta", type=Map)["step"] == 0
        async with connected(server.board_ws(board, "observer")) as fresh:
            assert fresh.doc.get("meta", type=Map)["step"] == 0
            assert fresh.doc.get("partners", type=Map)["p1"]["name"] == "Gemeente"

    asyncio.run(scenario())


def test_facilitator_changes_settings_and_only_facilitator_marks_notes(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator, \
                connected(server.board_ws(board, "participant")) as participant:
            facilitator.add_note("n1", "idea", **spot("values"))
            facilitator.doc.get("meta", type=Map)["step"] = 1
            meta = participant.doc.get("meta", type=Map)
            await wait_for(lambda: meta.get("step") == 1 and "n1" in participant.elements,
                           what="facilitator's change")
            participant.elements["n1"]["status"] = "agreed"
            await participant.flush()
            await wait_for(lambda: "status" not in participant.elements["n1"],
                           what="status reverted")
            facilitator.elements["n1"]["status"] = "agreed"
            await wait_for(lambda: participant.elements["n1"].get("status") == "agreed",
                           what="facilitator marks")

    asyncio.run(scenario())


def test_not_even_the_facilitators_client_rewrites_the_partners(server):
    """The partners are the agreement's parties, each with a party link in the store: a
    hand-made facilitator client that renamed one would put that name in the covenant beside
    the real party's signature. Only the API adds a partner (with its link)."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator, \
                connected(server.board_ws(board, "observer")) as watcher:
            partners = facilitator.doc.get("partners", type=Map)
            partners["p1"]["name"] = "Somebody else"
            await facilitator.flush()
            await wait_for(lambda: partners["p1"]["name"] == "Gemeente", what="name reverted")
            partners["p9"] = Map({"name": "Unlinked party", "color": "#000000"})
            await facilitator.flush()
            await wait_for(lambda: "p9" not in partners, what="added partner removed")
            del partners["p2"]
            await facilitator.flush()
            await wait_for(lambda: "p2" in partners, what="removed partner back")
            facilitator.add_note("fine", "notes are fine")
            await wait_for(lambda: "fine" in watcher.elements, what="the facilitator's note")
            seen = watcher.doc.get("partners", type=Map)
            assert sorted(seen.keys()) == ["p1", "p2"] and seen["p1"]["name"] == "Gemeente"
        async with connected(server.board_ws(board, "observer")) as fresh:
            stored = fresh.doc.get("partners", type=Map)
            assert {key: stored[key]["name"] for key in stored.keys()} == {
                "p1": "Gemeente", "p2": "Zorg"}

    asyncio.run(scenario())


def test_an_undone_update_is_never_seen_or_stored_without_its_reversal(server):
    """A participant's agreed mark is undone by the server. The others must never see it,
    not even for one frame, and no prefix of the stored updates may hold it: a finalize on
    another node between the attempt's row and its reversal's would freeze the mark into the
    agreed version. The attempt and its reversal are one update."""
    board = server.create_board()
    seen_marked: list[str] = []

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator, \
                connected(server.board_ws(board, "participant")) as participant:
            facilitator.add_note("n1", "idea", **spot("values"))
            await wait_for(lambda: "n1" in participant.elements, what="the note")

            def look(events: list) -> None:
                for event in events:
                    change = (getattr(event, "keys", None) or {}).get("status")
                    if change and change["action"] != "delete":
                        seen_marked.append(change["newValue"])

            watching = facilitator.elements.observe_deep(look)  # noqa: F841 - kept alive
            for _ in range(3):
                participant.elements["n1"]["status"] = "agreed"
                await participant.flush()
                await wait_for(lambda: "status" not in participant.elements["n1"],
                               what="status reverted")
            participant.add_note("after", "a later note")
            await wait_for(lambda: "after" in facilitator.elements, what="the later note")

    asyncio.run(scenario())
    print("SEEN", seen_marked)
    assert seen_marked == []
    rows = server.query("SELECT data FROM updates WHERE board_id = ? ORDER BY id", board["id"])
    replay = Doc()
    elements = replay.get("elements", type=Map)
    for (data,) in rows:
        replay.apply_update(data)
        assert "n1" not in elements or "status" not in elements["n1"]
    assert "after" in elements


def test_locked_step_keeps_participants_in_the_current_zone(server):
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator, \
                connected(server.board_ws(board, "participant")) as participant:
            facilitator.add_note("old-value", "a value", **spot("values"))
            facilitator.add_note("relation", "a relation", **spot("relations"))
            meta = facilitator.doc.get("meta", type=Map)
            with facilitator.doc.transaction():
                meta["step"] = 2  # relations
                meta["locked"] = True
            pmeta = participant.doc.get("meta", type=Map)
            await wait_for(lambda: pmeta.get("locked") is True and len(participant.elements) == 2,
                           what="lock arrives")
            participant.add_note("in-step", "allowed", **spot("relations", 150))
            participant.add_note("elsewhere", "not now", **spot("conditions"))
            participant.elements["relation"]["x"] = spot("values")["x"]  # drag out of the zone
            del participant.elements["old-value"]  # delete outside the zone
            await participant.flush()
            text = participant.elements["relation"]["text"]
            text += " (edited)"  # inside the zone: fine
            await participant.flush()
            expected = {"old-value": "a value", "relation": "a relation (edited)",
                        "in-step": "allowed"}
            await wait_for(lambda: note_texts(facilitator.doc) == expected,
                           what=lambda: f"server verdict, got {note_texts(facilitator.doc)}")
            await wait_for(lambda: note_texts(participant.doc) == expected, what="sender reverted")
            assert participant.elements["relation"]["x"] == spot("relations")["x"]
            # The facilitator is not held to the step.
            facilitator.add_note("facilitator-anywhere", "ok", **spot("actions"))
            await wait_for(lambda: "facilitator-anywhere" in participant.elements, what="free")
            meta["locked"] = False
            await wait_for(lambda: pmeta.get("locked") is False, what="unlock")
            participant.add_note("later", "free again", **spot("conditions"))
            await wait_for(lambda: "later" in facilitator.elements, what="unlocked edit")
        async with connected(server.board_ws(board, "observer")) as fresh:
            assert set(fresh.elements.keys()) == {
                "old-value", "relation", "in-step", "facilitator-anywhere", "later"
            }

    asyncio.run(scenario())


def test_participant_cannot_write_inside_a_shared_type_of_the_settings(server):
    """``meta`` is checked deep: a type the facilitator's client keeps in it (any client may
    make one) is the facilitator's too. Before, only ``meta``'s own keys were watched, and a
    participant's change inside such a type reached everyone."""
    board = server.create_board()

    async def scenario() -> None:
        async with connected(server.board_ws(board, "facilitator")) as facilitator, \
                connected(server.board_ws(board, "participant")) as participant:
            facilitator.doc.get("meta", type=Map)["voting_rules"] = Map({"votes": 3})
            pmeta = participant.doc.get("meta", type=Map)
            await wait_for(lambda: isinstance(pmeta.get("voting_rules"), Map),
                           what="the facilitator's setting arrives")
            pmeta["voting_rules"]["votes"] = 99
            await participant.flush()
            await wait_for(lambda: pmeta["voting_rules"]["votes"] == 3,
                           what="the participant's change undone")
            participant.add_note("after", "still writing")
            await wait_for(lambda: "after" in facilitator.elements, what="a normal edit")
            assert facilitator.doc.get("meta", type=Map)["voting_rules"]["votes"] == 3
        async with connected(server.board_ws(board, "observer")) as fresh:
            assert fresh.doc.get("meta", type=Map)["voting_rules"]["votes"] == 3

    asyncio.run(scenario())


def test_the_lock_is_read_again_whenever_the_settings_change_by_any_path():
    """The guard keeps what it read of ``meta.locked`` until ``meta`` changes. A lock that
    arrives another way than through the guard (the server's own change, another node's
    update) and a participant's refused attempt to unlock must each be seen by the next
    verdict."""
    board = Doc()
    guard = UpdateGuard(board, SPEC)
    elements = board.get("elements", type=Map)
    meta = board.get("meta", type=Map)
    with board.transaction():
        meta["step"], meta["locked"] = 2, False  # relations, unlocked
    writer = Doc()

    def participant_moves(x: float, y: float) -> str | None:
        """A participant's client moves its note: the guard's verdict (None: kept)."""
        writer.apply_update(board.get_update())
        before = writer.get_state()
        with writer.transaction():
            note = writer.get("elements", type=Map)["n"]
            note["x"], note["y"] = x, y
        return guard.apply(writer.get_update(before), facilitator=False)[1]

    with board.transaction():
        elements["n"] = Map({"kind": "note", "x": 0.0, "y": 0.0, "w": 160.0, "h": 100.0,
                             "text": Text("idea"), "author": "", "org": "", "color": "#fff",
                             "created": 0.0})
    outside = spot("values")
    assert participant_moves(outside["x"], outside["y"]) is None  # unlocked: anywhere
    assert guard.locked_zone() is None

    meta["locked"] = True  # the server's own change, not through the guard
    assert guard.locked_zone() == "relations"
    assert participant_moves(outside["x"] + 5, outside["y"]) is not None  # held to the zone

    # Another node's update unlocks the board: applied to the document as it is.
    remote = Doc()
    remote.apply_update(board.get_update())
    before = remote.get_state()
    remote.get("meta", type=Map)["locked"] = False
    board.apply_update(remote.get_update(before))
    assert participant_moves(outside["x"] + 10, outside["y"]) is None

    meta["locked"] = True
    # A participant's own unlock is undone, and so is the move that relied on it.
    writer.apply_update(board.get_update())
    before = writer.get_state()
    with writer.transaction():
        writer.get("meta", type=Map)["locked"] = False
        writer.get("elements", type=Map)["n"]["x"] = outside["x"] + 20
    assert guard.apply(writer.get_update(before), facilitator=False)[1] is not None
    assert meta["locked"] is True and guard.locked_zone() == "relations"
    assert participant_moves(outside["x"] + 30, outside["y"]) is not None


def test_the_locked_zone_follows_elements_moved_outside_the_guard():
    """While a step is locked the guard keeps every element's zone, to judge deletions and
    moves by where an element was. Elements the server places (a brainstorm reveal, a
    restore) or another node's client moves must be judged where they are now: a note the
    server put outside the locked zone may not be deleted or dragged in by a participant,
    and one moved into the zone elsewhere may be edited there."""
    board = Doc()
    guard = UpdateGuard(board, SPEC)
    elements = board.get("elements", type=Map)
    meta = board.get("meta", type=Map)
    inside, outside = spot("relations"), spot("values")

    def note(where: dict[str, float]) -> Map:
        return Map({"kind": "note", "w": 160.0, "h": 100.0, "text": Text("idea"),
                    "author": "", "org": "", "color": "#fff", "created": 0.0, **where})

    with board.transaction():
        meta["step"], meta["locked"] = 2, True  # relations, locked
        elements["mine"] = note(inside)
        elements["theirs"] = note(inside)
    writer = Doc()

    def participant(change) -> str | None:  # noqa: ANN001
        """A participant's client makes ``change``: the guard's verdict (None: kept)."""
        writer.apply_update(board.get_update())
        before = writer.get_state()
        with writer.transaction():
            change(writer.get("elements", type=Map))
        return guard.apply(writer.get_update(before), facilitator=False)[1]

    def move(element_id: str, where: dict[str, float]):  # noqa: ANN202
        def change(shared: Map) -> None:
            shared[element_id]["x"], shared[element_id]["y"] = where["x"], where["y"]
        return change

    assert participant(move("mine", spot("relations", 40))) is None  # the zones are kept now
    # The server moves one note out of the zone and places a new one outside it.
    with board.transaction():
        elements["theirs"]["x"], elements["theirs"]["y"] = outside["x"], outside["y"]
        elements["revealed"] = note(outside)
    assert participant(lambda shared: shared.pop("theirs")) is not None
    assert participant(move("revealed", spot("relations", 80))) is not None
    assert set(elements.keys()) == {"mine", "theirs", "revealed"}
    assert elements["revealed"]["x"] == outside["x"]

    # Another node's update brings a note into the zone and removes one: both count.
    remote = Doc()
    remote.apply_update(board.get_update())
    before = remote.get_state()
    with remote.transaction():
        shared = remote.get("elements", type=Map)
        shared["revealed"]["x"], shared["revealed"]["y"] = inside["x"], inside["y"] + 120
        del shared["theirs"]
    board.apply_update(remote.get_update(before))
    assert participant(move("revealed", spot("relations", 160))) is None
    assert participant(lambda shared: shared.pop("revealed")) is None
    assert set(elements.keys()) == {"mine"}


def test_the_element_count_follows_every_way_the_board_changes():
    """The room asks for the number of elements before every update that adds one; the watch
    keeps it from the map's events instead of walking the map. It must stay the map's own
    count whatever changes the board: the guard's applied and undone updates, the server's own
    changes, another node's updates, a key filled and emptied in one update."""
    board = Doc()
    guard = UpdateGuard(board, SPEC)
    elements = board.get("elements", type=Map)
    counts: list[tuple[int, int]] = []

    def counted() -> None:
        counts.append((guard.watch.element_count(), len(elements)))

    def note(x: float = 0.0) -> Map:
        return Map({"kind": "note", "x": x, "y": 0.0, "w": 160.0, "h": 100.0,
                    "text": Text("idea"), "author": "", "org": "", "color": "#fff",
                    "created": 0.0})

    writer = Doc()

    def participant(change) -> str | None:  # noqa: ANN001
        writer.apply_update(board.get_update())
        before = writer.get_state()
        with writer.transaction():
            change(writer.get("elements", type=Map), writer.get("meta", type=Map))
        return guard.apply(writer.get_update(before), facilitator=False)[1]

    counted()  # counted once here; from now on kept up to date
    assert participant(lambda els, _: els.update({"a": note(), "b": note()})) is None
    counted()

    def fill_and_empty(els: Map, _meta: Map) -> None:
        els["c"] = note()
        del els["c"]
        del els["a"]

    assert participant(fill_and_empty) is None
    counted()
    assert participant(lambda els, _: els.__setitem__("a", note())) is None  # a used key again
    counted()
    elements["server"] = note()  # the server's own change
    counted()
    remote = Doc()
    remote.apply_update(board.get_update())
    before = remote.get_state()
    with remote.transaction():
        remote.get("elements", type=Map)["remote"] = note()
        del remote.get("elements", type=Map)["b"]
    board.apply_update(remote.get_update(before))
    counted()

    def refused(els: Map, meta: Map) -> None:
        els["undone"] = note()
        meta["step"] = 9  # only the facilitator's: the whole update is undone

    assert participant(refused) is not None
    counted()
    assert participant(lambda els, _: els.__setitem__("after", note())) is None
    counted()
    assert [count for count, _ in counts] == [0, 2, 1, 2, 3, 3, 3, 4]
    assert all(count == actual for count, actual in counts)
