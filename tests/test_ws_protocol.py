"""The connection's light queue and flag behave as uvicorn needs of asyncio's."""

from __future__ import annotations

import asyncio

from partnerboard.server.ws_protocol import Flag, MessageQueue


def test_messages_come_out_in_order_and_a_waiting_reader_wakes() -> None:
    async def scenario() -> None:
        queue = MessageQueue()
        queue.put_nowait(1)
        queue.put_nowait(2)
        assert queue.qsize() == 2 and not queue.empty()
        assert [await queue.get(), await queue.get()] == [1, 2]
        assert queue.empty()
        reader = asyncio.create_task(queue.get())
        await asyncio.sleep(0)
        assert not reader.done()
        queue.put_nowait(3)
        assert await asyncio.wait_for(reader, 1) == 3

    asyncio.run(scenario())


def test_a_cancelled_reader_leaves_the_message_for_the_next() -> None:
    async def scenario() -> None:
        queue = MessageQueue()
        reader = asyncio.create_task(queue.get())
        await asyncio.sleep(0)
        reader.cancel()
        await asyncio.sleep(0)
        queue.put_nowait("m")
        assert await asyncio.wait_for(queue.get(), 1) == "m"

    asyncio.run(scenario())


def test_the_queue_counts_the_bytes_it_holds() -> None:
    """Reading ahead pauses at a count of messages or at their bytes, whichever comes first
    (BoardWebSocketProtocol.READ_AHEAD_BYTES): the count alone let a connection make the server
    hold 64 frames of the largest size allowed."""
    async def scenario() -> None:
        queue = MessageQueue()
        queue.put_nowait({"type": "websocket.receive", "bytes": b"x" * 1000})
        queue.put_nowait({"type": "websocket.receive", "text": "y" * 24})
        queue.put_nowait({"type": "websocket.disconnect", "code": 1000})
        assert queue.bytes == 1024
        assert (await queue.get())["bytes"] == b"x" * 1000
        assert queue.bytes == 24
        queue.get_nowait()
        assert queue.bytes == 0
        assert (await queue.get())["type"] == "websocket.disconnect" and queue.bytes == 0

    asyncio.run(scenario())


def test_waiting_on_a_set_flag_does_not_suspend() -> None:
    """The room's direct send runs uvicorn's send to its end synchronously when it does not
    suspend (StarletteTransport.send_now): it awaits ``writable.wait()`` first."""
    flag = Flag(True)
    waiting = flag.wait()
    try:
        waiting.send(None)
    except StopIteration as done:
        assert done.value is True
    else:  # pragma: no cover - the assertion says why
        raise AssertionError("wait() suspended although the flag was set")


def test_every_waiter_wakes_when_the_flag_is_set() -> None:
    async def scenario() -> None:
        flag = Flag()
        flag.set()
        flag.clear()
        assert not flag.is_set()
        waiters = [asyncio.create_task(flag.wait()) for _ in range(3)]
        await asyncio.sleep(0)
        assert not any(waiter.done() for waiter in waiters)
        flag.set()
        assert await asyncio.wait_for(asyncio.gather(*waiters), 1) == [True, True, True]

    asyncio.run(scenario())
