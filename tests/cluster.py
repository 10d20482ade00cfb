"""Several partnerboard nodes on one PostgreSQL database and one Redis of the test's own.

Each test gets a database it creates and drops, and a ``redis-server`` it starts on a free port
(so it can kill and restart Redis without touching anyone else's).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
from conftest import ServerProcess
from pgutil import create_database, drop_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A throwaway redis-server: no persistence, so a restart starts empty (like a flush)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    client.close()
                    return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


class Cluster:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.database_url = create_database()
        self.redis = RedisServer(root / "redis").start()
        self.nodes: list[ServerProcess] = []

    def node(self, *extra: str) -> ServerProcess:
        """A new node on the cluster's database and Redis (not started)."""
        process = ServerProcess(
            self.root / f"node{len(self.nodes)}", "--database-url", self.database_url,
            "--redis-url", self.redis.url, "--room-idle-seconds", "0.5", *extra,
        )
        self.nodes.append(process)
        return process

    def bus_key(self) -> bytes:
        """The key the nodes seal their stream entries with, as they read it from the
        database (made by the first node that started)."""
        with psycopg.connect(self.database_url) as conn:
            row = conn.execute("SELECT value FROM node_secrets WHERE name = 'bus'").fetchone()
        assert row is not None, "no node has started yet"
        return bytes(row[0])

    def close(self) -> None:
        for process in self.nodes:
            process.stop()
        self.redis.kill()
        drop_database(self.database_url)


@contextmanager
def running_cluster(tmp_path: Path) -> Iterator[Cluster]:
    built = Cluster(tmp_path)
    try:
        yield built
    finally:
        built.close()
