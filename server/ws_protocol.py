"""uvicorn's sans-I/O WebSocket protocol, reading ahead a few messages instead of one, and
letting go of the handshake once it is done.

uvicorn pauses reading a connection's socket after every message it hands to the app and
resumes when the app has taken it: two ``epoll_ctl`` system calls per message (measured in the
soak, 1,000 clients sending 1 edit/s: 5.3% of the server's CPU). This protocol pauses only once
:attr:`BoardWebSocketProtocol.READ_AHEAD` messages wait for the app, and resumes, as uvicorn
does, when the app has taken them all. A client that sends faster than the server handles is
still held back by TCP, only 16 messages later.

uvicorn keeps the parsed handshake request and response, with their headers, for as long as
the connection is open, and reads neither once the response is written: dropping them saved
about 3 KiB of memory per idle connection (55.9 -> 52.5 KiB per idle room, one connection
each), and emptying the request's headers, which websockets' parser holds too, 1.4 KiB more.
Replacing the connection's ``asyncio.Queue`` and ``asyncio.Event`` with lighter ones (about
3.8 KiB of Python objects) did not show in the process's memory: not done.
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

__all__ = ["BoardWebSocketProtocol"]


class BoardWebSocketProtocol(WebSocketsSansIOProtocol):
    #: Messages waiting for the app before reading the socket pauses.
    READ_AHEAD = 16

    def start_keepalive(self) -> None:
        # Called once the handshake's response was written, the last use of both. websockets'
        # parser keeps the request as well (a local of its suspended generator): its headers
        # are emptied.
        self.request.headers.clear()
        self.request = self.response = None  # type: ignore[assignment]
        super().start_keepalive()

    def send_receive_event_to_app(self) -> None:
        paused = self.read_paused
        self.read_paused = True  # uvicorn's own method pauses unless already paused
        try:
            super().send_receive_event_to_app()
        finally:
            self.read_paused = paused
        if not self.read_paused and self.queue.qsize() >= self.READ_AHEAD:
            self.read_paused = True
            self.transport.pause_reading()
