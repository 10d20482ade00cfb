"""pycrdt's stock room as a peer: ``pycrdt.websocket.WebsocketServer`` + ``ASGIServer`` under
uvicorn, configured like ``partnerboard serve`` (loopback, port 0, no permessage-deflate, the
same frame limit) so the comparison is between the rooms, not the web server settings. With
uvicorn's default deflate on, every frame would be compressed once per receiver.

Usage: ``python pycrdt_room_server.py`` prints ``listening on http://127.0.0.1:PORT`` on stderr.
"""

from __future__ import annotations

import asyncio
import socket
import sys

import uvicorn
from pycrdt.websocket import ASGIServer, WebsocketServer


async def serve(host: str = "127.0.0.1") -> None:
    sock = socket.socket(socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    # Rooms stay loaded while a client is connected and are dropped when the last one leaves,
    # the library's default; the benchmark keeps a client in every room it measures.
    async with WebsocketServer() as websocket_server:
        config = uvicorn.Config(
            ASGIServer(websocket_server),
            ws_max_size=1024 * 1024,
            ws_per_message_deflate=False,
            log_level="warning",
            lifespan="on",
        )
        print(f"listening on http://{host}:{sock.getsockname()[1]}", file=sys.stderr, flush=True)
        await uvicorn.Server(config).serve(sockets=[sock])


if __name__ == "__main__":
    asyncio.run(serve())
