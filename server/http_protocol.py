"""uvicorn's h11 HTTP protocol with a deadline for a request's headers.

uvicorn arms no timer while it waits for a request: a client that opens a connection and sends
nothing, or a few header bytes now and then, holds it for as long as it likes (found in an attack
review). Past ``--max-connections`` every other request is answered 503, so a few thousand such
connections from one machine shut everybody out ("slowloris"). Now a connection gets
:attr:`BoardHttpProtocol.HEADER_SECONDS` to complete each request's headers, counted from the
connection's start or from the first byte of the next request on a kept-alive connection (an
idle kept-alive connection is closed by uvicorn's own keep-alive timeout first). Past it the
connection is answered 408 and closed, with one log line. What follows the headers (a request
body, a WebSocket) has its own bounds (:func:`.requests.read_body`, the WebSocket protocol).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["BoardHttpProtocol", "http_protocol"]

log = logging.getLogger("partnerboard.http")

_MESSAGE = b"request headers not complete in time\n"
_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: " + str(len(_MESSAGE)).encode() + b"\r\n\r\n"
    + _MESSAGE
)


class BoardHttpProtocol(H11Protocol):
    #: Seconds a client has to complete a request's headers (``--request-timeout``; nginx's
    #: client_header_timeout is 60 s; a browser sends them at once).
    HEADER_SECONDS = 15.0
    header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._judge()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0]:
            self._stop_waiting()  # idle: uvicorn's keep-alive timeout closes it, silently
        else:
            self._judge()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _waits_on_client(self) -> bool:
        """Whether the connection waits on the client: for a request's headers, or for the
        rest of a body that nobody reads any more (its answer went out: a request answered
        without reading its body, or refused while it came). uvicorn arms no timer for the
        latter either, and such a connection stayed open for good (found in a review)."""
        their = self.conn.their_state
        return their is h11.IDLE or (their is h11.SEND_BODY and self.conn.our_state is h11.DONE)

    def _judge(self) -> None:
        if self._waits_on_client():
            self._await_headers()  # counted from the first moment it waits, not reset by bytes
        else:
            self._stop_waiting()  # headers complete, or a body its handler reads (read_body)

    def _await_headers(self) -> None:
        if self.header_deadline is None:
            self.header_deadline = self.loop.call_later(self.HEADER_SECONDS, self._headers_late)

    def _stop_waiting(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _headers_late(self) -> None:
        self.header_deadline = None
        transport: Any = self.transport
        if (transport.is_closing() or transport.get_protocol() is not self
                or not self._waits_on_client()
                or (self.cycle is not None and not self.cycle.response_complete)):
            return  # upgraded, closed, or a request under way
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        if self.conn.our_state is h11.DONE:
            log.warning("closing the connection of %s: the rest of a request body it did not "
                        "need was not sent within %.0f s", client, self.HEADER_SECONDS)
        else:
            log.warning("closing the connection of %s with 408: request headers not complete "
                        "within %.0f s", client, self.HEADER_SECONDS)
            transport.write(_TIMEOUT_RESPONSE)
        transport.close()


def http_protocol(header_seconds: float) -> type[BoardHttpProtocol]:
    """The protocol class for uvicorn, with ``header_seconds`` for a request's headers."""
    return type("BoardHttpProtocol", (BoardHttpProtocol,), {"HEADER_SECONDS": header_seconds})
