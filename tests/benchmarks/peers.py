"""The servers under test, each started by the benchmark on loopback in a process of its own.

Every server is reached the same way: ``board()`` returns a WebSocket URL for a fresh board.
partnerboard needs a board created over its API (and its token in the URL); the peers make a
room for any name.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

__all__ = ["Server", "PartnerboardServer", "PycrdtRoomServer", "NodeServer", "SERVERS", "rss_kib"]

HERE = Path(__file__).resolve().parent
PEERS_DIR = HERE / ".peers"
NODE_PACKAGE = "y-websocket@1.5.4"
LISTENING = re.compile(r"listening on (http://[\d.]+:\d+)|running at '([\d.]+)' on port (\d+)")


def rss_kib(pid: int) -> int:
    """Resident set size from /proc (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (utime and stime from /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    # Only for the Node server, which cannot report a port it picked itself.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A server process: start it, get board URLs, read its memory and CPU, stop it."""

    name = ""
    label = ""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.tmp = Path(tempfile.mkdtemp(prefix=f"pb-bench-{self.name}-"))
        self.log_path = self.tmp / "server.log"
        self.url = ""

    def command(self) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Install what the server needs (once per run)."""

    def start(self, timeout: float = 30) -> Server:
        argv, env = self.command()
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=log, env={**os.environ, **env})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = LISTENING.search(self.log_path.read_text(errors="replace"))
            if found:
                self.url = found.group(1) or f"http://{found.group(2)}:{found.group(3)}"
                if self._answers():
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        log_text = self.log_path.read_text(errors="replace")
        self.stop()
        raise RuntimeError(f"{self.label} did not start:\n{log_text}")

    def _answers(self) -> bool:
        host, port = self.url.removeprefix("http://").split(":")
        try:
            with socket.create_connection((host, int(port)), timeout=1):
                return True
        except OSError:
            return False

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def ws_base(self) -> str:
        return self.url.replace("http://", "ws://")

    def board(self) -> str:
        """A WebSocket URL for a new, empty board."""
        return f"{self.ws_base()}/ws/bench-{uuid.uuid4().hex[:12]}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


class PartnerboardServer(Server):
    name = "partnerboard"
    label = "partnerboard"

    def command(self) -> tuple[list[str], dict[str, str]]:
        # Rooms unload 1 s after their last client leaves (default 30 s) so the cold load can
        # also be measured from SQLite; nothing else depends on it: measured rooms have clients.
        data = self.tmp / f"data-{uuid.uuid4().hex[:6]}"
        return [
            sys.executable, "-m", "partnerboard.server.cli", "serve", "--port", "0",
            "--data-dir", str(data), "--log-level", "warning", "--room-idle-seconds", "1",
            # The memory measurement creates 101 boards from one address in seconds.
            "--create-per-minute", "0",
            # The sustained search adds tens of thousands of notes to one board (the peers
            # have no such limits); the limits are not what is measured.
            "--max-board-elements", "10000000", "--max-board-bytes", str(1 << 40),
        ], {}

    def board(self) -> str:
        body = json.dumps({"canvas": "partnership-map", "title": "bench"}).encode()
        request = urllib.request.Request(
            self.url + "/api/boards", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            created = json.load(answer)
        # Participants, as most people at a workshop: their updates pass the server's guard.
        return f"{self.ws_base()}/ws/{created['id']}?token={created['tokens']['participant']}"


class PycrdtRoomServer(Server):
    name = "pycrdt"
    label = "pycrdt room"

    def command(self) -> tuple[list[str], dict[str, str]]:
        return [sys.executable, str(HERE / "pycrdt_room_server.py")], {}


class NodeServer(Server):
    name = "node"
    label = "y-websocket (Node)"

    def prepare(self) -> None:
        """npm-install the reference server into the git-ignored .peers/ (once)."""
        manifest = PEERS_DIR / "node_modules" / "y-websocket" / "package.json"
        if manifest.exists() and json.loads(manifest.read_text())["version"] == "1.5.4":
            return
        if shutil.which("npm") is None or shutil.which("node") is None:
            raise RuntimeError("node and npm are needed for the reference server: install Node 20")
        PEERS_DIR.mkdir(exist_ok=True)
        print(f"installing {NODE_PACKAGE} into {PEERS_DIR} ...", file=sys.stderr, flush=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(PEERS_DIR), "--no-audit", "--no-fund",
             "--loglevel=error", NODE_PACKAGE],
            check=True,
        )

    def command(self) -> tuple[list[str], dict[str, str]]:
        script = PEERS_DIR / "node_modules" / "y-websocket" / "bin" / "server.js"
        return ["node", str(script)], {"HOST": "127.0.0.1", "PORT": str(_free_port())}


SERVERS: dict[str, type[Server]] = {
    cls.name: cls for cls in (PartnerboardServer, NodeServer, PycrdtRoomServer)
}
