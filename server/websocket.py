"""The WebSocket endpoint: checks the token, then hands the connection to the board's room."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import NamedTuple

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from . import yprotocol as yp
from .allowance import RequestGate
from .attribution import Speaker
from .direct_send import DirectWriter, direct_writer
from .group_commit import commit_pending
from .metrics import count_rejected
from .room import CloseCode, FrameRejected, Room, TransportClosed
from .seats import speaker_of
from .store import BoardDamaged, BoardFrozen
from .tokens import Role, hash_token

__all__ = ["BoardSocket", "StarletteTransport"]

log = logging.getLogger("partnerboard.websocket")


class StarletteTransport:
    """Adapts Starlette's WebSocket to the room's Transport protocol."""

    def __init__(self, websocket: WebSocket, asgi_send: Send, max_bytes: int,
                 direct: DirectWriter | None = None) -> None:
        self.websocket = websocket
        self.asgi_send = asgi_send
        self.max_bytes = max_bytes
        #: Writes frames straight to the socket, once per turn (see direct_send), or None.
        self.direct = direct
        if direct is not None:
            self.send_now = direct.offer  # type: ignore[method-assign]  # one call less per frame
        #: Takes a frame that arrived already, under the board's own protocol (ws_protocol).
        self._take_ready = getattr(direct.protocol, "take_ready_bytes", None) if direct else None
        #: When the room takes a SyncStep1 (see allowance), and one held back for the next
        #: receive.
        self.gate = RequestGate(self._backed_up)
        self._held: bytes | None = None
        #: Awaited sends under way: the room's queue for this connection is not empty.
        self._sending = 0

    async def receive(self) -> bytes:
        data, self._held = self._held, None
        if data is None:
            data = await self._receive_bytes()
        while not self.gate.admits(data, together=False):
            await self._written()
        return data

    async def _receive_bytes(self) -> bytes:
        try:
            message = await self.websocket.receive()
        except (WebSocketDisconnect, RuntimeError, OSError) as error:
            raise TransportClosed() from error
        if message["type"] == "websocket.disconnect":
            raise TransportClosed()
        data = message.get("bytes")
        if data is None:
            raise FrameRejected(CloseCode.UNSUPPORTED, "text frames are not part of the protocol")
        if len(data) > self.max_bytes:
            raise FrameRejected(CloseCode.TOO_BIG, f"frame larger than {self.max_bytes} bytes")
        return data

    def receive_ready(self) -> bytes | None:
        """The next binary frame if it arrived already (under the board's own WebSocket
        protocol: see ws_protocol) and the gate admits it together with those before, else
        None."""
        take = self._take_ready
        if take is None or self._held is not None:
            return None
        data = take(self.max_bytes)
        if data is not None and not self.gate.admits(data, together=True):
            self._held = data  # for the next receive, which waits
            return None
        return data

    async def _written(self) -> None:
        """Wait until something that waits to be written to this connection was: over the
        socket buffer's high-water mark, until it drained; else this turn's frames, written
        at its end (direct_send), or the next of the room's queue."""
        direct = self.direct
        if direct is not None and not direct.writable.is_set():
            await direct.writable.wait()
        else:
            await asyncio.sleep(0)

    def _backed_up(self) -> bool:
        """Whether frames wait to be written to this connection: queued in the room (its
        sender is then in :meth:`send`), held for this turn's write beyond what the socket
        takes at once, or over the socket buffer's high-water mark."""
        direct = self.direct
        return self._sending > 0 or direct is not None and (
            direct.held >= direct.HOLD_LIMIT or not direct.writable.is_set())

    async def send(self, data: bytes) -> None:
        if self.direct is not None:
            self.direct.flush()  # what this turn collected goes first
        if not commit_pending():
            raise TransportClosed()  # this turn's updates are not stored: not sent either
        self._sending += 1
        try:
            await self.websocket.send_bytes(data)
        except (WebSocketDisconnect, RuntimeError, OSError) as error:
            raise TransportClosed() from error
        finally:
            self._sending -= 1

    def send_now(self, data: bytes) -> bool:
        if self.direct is not None:
            return self.direct.offer(data)
        if not commit_pending():
            return True  # not stored, so not sent
        # uvicorn's WebSocket protocol (websockets-sansio, which the CLI selects) suspends its
        # ASGI send only while the socket's write buffer is full, and before it writes
        # anything. So: run the send to its end synchronously when it does not suspend;
        # when it does, abandon it (nothing was written) and let the queue take the frame.
        attempt = self.asgi_send({"type": "websocket.send", "bytes": data})
        try:
            attempt.send(None)
        except StopIteration:
            return True
        except Exception:  # the client is gone; the receive loop will see it
            log.debug("send to a closed connection dropped", exc_info=True)
            return True
        attempt.close()
        return False

    async def close(self, code: int, reason: str = "") -> None:
        if self.direct is not None:
            self.direct.flush()
        if self.websocket.application_state is WebSocketState.CONNECTED:
            # The client may have gone already (an abrupt TCP close is normal): nothing to say.
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self.websocket.close(code, reason)


class BoardSocket:
    """The ``/ws/{board_id}`` endpoint as a plain ASGI app, so it holds the raw ``send``."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await board_socket(WebSocket(scope, receive=receive, send=send), send)


class _Admitted(NamedTuple):
    """What a connection keeps while it is served: not the board's record (its token hashes,
    partners...), held otherwise by the endpoint's frames for as long as the connection is open
    (measured: about 1.3 KiB per connection)."""

    room: Room
    transport: StarletteTransport
    role: Role
    link: str
    speaker: Speaker
    seat: str | None
    address: str
    board_id: str


async def board_socket(websocket: WebSocket, asgi_send: Send) -> None:
    admitted = await _admit(websocket, asgi_send)
    if admitted is None:
        return
    try:
        await admitted.room.serve(
            admitted.transport, admitted.role, link=admitted.link, speaker=admitted.speaker,
            seat=admitted.seat, address=admitted.address,
            cost=websocket.app.state.update_costs.for_connection(admitted.address))
        await admitted.transport.close(CloseCode.NORMAL)
    finally:
        websocket.app.state.connections.release(admitted.address, admitted.board_id)


async def _admit(websocket: WebSocket, asgi_send: Send) -> _Admitted | None:
    """Accept the connection, check its token and limits and find its board's room; None when
    it was refused (and closed)."""
    board_id = websocket.path_params["board_id"]
    token = websocket.query_params.get("token", "")
    app_state = websocket.app.state
    found = app_state.boards.access(board_id, token) if token else None
    try:
        await websocket.accept()
    except (WebSocketDisconnect, RuntimeError, OSError):
        return None  # gone before the handshake finished
    if found is None:
        # y-websocket clients understand the auth message; then the policy-violation close.
        log.info("board %s: refused a connection with a missing or wrong token", board_id[:64])
        count_rejected("token")
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await websocket.send_bytes(yp.auth_denied())
            await websocket.close(CloseCode.POLICY, "permission denied")
        return None
    record = found.record
    address = websocket.client.host if websocket.client else ""
    refused = app_state.connections.admit(address, record.id)
    if refused:
        log.warning("board %s: closing a connection with %s: %s", record.id, CloseCode.TRY_AGAIN,
                    refused)
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await websocket.close(CloseCode.TRY_AGAIN, refused)
        return None
    admitted = None
    try:
        speaker, seat = speaker_of(app_state.store, found,
                                   websocket.query_params.get("seat", ""))
        room = app_state.rooms.acquire(
            record.id,
            finalized=record.state == "finalized",
            spec=app_state.registry.canvas(record.canvas),
        )
        transport = StarletteTransport(websocket, asgi_send,
                                       app_state.settings.max_message_bytes,
                                       direct_writer(websocket.scope))
        admitted = _Admitted(room, transport, found.role, hash_token(token), speaker, seat,
                             address, record.id)
    except BoardDamaged as damaged:
        log.error("%s; its connections are closed with 1011", damaged)
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await websocket.close(CloseCode.INTERNAL, "board data is damaged; ask the operator")
    except BoardFrozen:  # finalized on another node while its canvas was being brought up
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await websocket.close(CloseCode.TRY_AGAIN, "board finalized; reconnect")
    finally:
        if admitted is None:
            app_state.connections.release(address, record.id)
    return admitted
