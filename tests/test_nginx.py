"""deploy/nginx.conf, as the README shows it, in front of two nodes on PostgreSQL and Redis.

The distribution's nginx runs the file with only the node addresses and the listening address
replaced (TLS aside, what an operator deploys): WebSocket upgrade, round robin over the nodes,
a node killed -9 while clients edit, health checks and links through the balancer.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cluster import Cluster, free_port, running_cluster
from conftest import ServerProcess
from test_metrics import scrape
from yclient import YClient, note_texts, wait_for

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None)


def test_the_readme_shows_the_tested_config():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```nginx\n(.*?)```", readme, re.DOTALL)
    assert blocks == [CONFIG.read_text()], "README's nginx block must be deploy/nginx.conf"


class Nginx:
    """nginx in the foreground with deploy/nginx.conf, its pid, logs and temp files in ``root``."""

    def __init__(self, root: Path, nodes: list[ServerProcess]) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = CONFIG.read_text()
        for placeholder, node in zip(("10.0.0.11:8001", "10.0.0.12:8001"), nodes, strict=True):
            site = _replace_once(site, placeholder, node.url.removeprefix("http://"))
        site = _replace_once(site, re.search(r"listen 443 ssl;.*", site).group(0),
                             f"listen 127.0.0.1:{self.port};")
        temp = root / "temp"
        temp.mkdir(parents=True)
        (root / "partnerboard.conf").write_text(site)
        # What /etc/nginx/nginx.conf would hold. One worker: round robin in a fixed order.
        # ``user`` keeps the worker as the current user when that is root (else it is ignored).
        (root / "nginx.conf").write_text(f"""
user {getpass.getuser()};
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {root}/partnerboard.conf;
}}
""")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        args = [NGINX, "-p", str(self.root), "-c", str(self.root / "nginx.conf"),
                "-e", str(self.root / "error.log")]
        checked = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/healthz", timeout=1)
                return self
            except httpx.TransportError:
                assert self.proc.poll() is None, (self.root / "error.log").read_text()
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not start:\n{(self.root / 'error.log').read_text()}")

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"deploy/nginx.conf should hold {old!r} once"
    return text.replace(old, new)


@pytest.fixture
def balanced(tmp_path: Path) -> Iterator[tuple[Cluster, Nginx]]:
    if NGINX is None:
        pytest.skip("no nginx: install the distribution's 'nginx' package (make nginx does)")
    with running_cluster(tmp_path) as cluster:
        cluster.node().start()
        cluster.node().start()
        nginx = Nginx(tmp_path / "nginx", cluster.nodes).start()
        try:
            yield cluster, nginx
        finally:
            nginx.stop()


def test_two_nodes_behind_nginx_converge_and_survive_a_node_killed(balanced):
    cluster, nginx = balanced
    a, b = cluster.nodes
    health = httpx.get(nginx.url + "/healthz", timeout=10)
    assert health.status_code == 200
    assert health.json()["store"] == "ok" and health.json()["redis"] == "ok"
    assert httpx.get(nginx.url + "/metrics", timeout=10).status_code == 403
    answer = httpx.post(nginx.url + "/api/boards", timeout=10, json={
        "canvas": "partnership-map", "title": "Achter nginx", "language": "nl",
        "partners": [{"name": "Gemeente"}, {"name": "Zorg"}]})
    assert answer.status_code == 201, answer.text
    board = answer.json()
    # The links handed out point at the balancer, not at the node that made the board.
    assert board["links"]["participant"].startswith(nginx.url + "/b/")
    url = f"{nginx.ws_url}/{board['id']}?token={board['tokens']['participant']}"

    async def scenario() -> None:
        clients = [await YClient(url).connect() for _ in range(4)]
        try:
            for client in clients:
                await asyncio.wait_for(client.synced.wait(), 10)
            per_node = [scrape(node.url)["partnerboard_connections"] for node in (a, b)]
            assert per_node == [2, 2], "round robin puts two clients on each node"
            for round_ in range(5):
                for index, client in enumerate(clients):
                    client.add_note(f"n{index}-{round_}", f"note {index}/{round_}")
                await asyncio.sleep(0.01)
            await wait_for(lambda: all(len(c.elements) == 20 for c in clients), 10,
                           what=lambda: f"20 notes: {[len(c.elements) for c in clients]}")
            before = note_texts(clients[0].doc)
            assert all(note_texts(c.doc) == before for c in clients)

            a.kill()
            # A's clients lose their connection; they keep typing offline and reconnect
            # through nginx, which now sends every connection to B.
            for index, client in enumerate(clients):
                client.add_note(f"during-{index}", f"typed while A died ({index})")
            await wait_for(lambda: sum(c.close_code is not None for c in clients) >= 2, 10,
                           what="A's clients disconnected")
            dropped = [c for c in clients if c.close_code is not None]
            assert len(dropped) == 2, "only A's two clients were disconnected"
            for client in dropped:
                await client.close()
                await client.connect()
                await asyncio.wait_for(client.synced.wait(), 10)
            assert scrape(b.url)["partnerboard_connections"] == 4
            await wait_for(lambda: all(len(c.elements) == 24 for c in clients), 10,
                           what=lambda: f"24 notes: {[len(c.elements) for c in clients]}")
            after = note_texts(clients[0].doc)
            assert before.items() <= after.items()
            assert all(note_texts(c.doc) == after for c in clients)
        finally:
            for client in clients:
                await client.close()

    asyncio.run(scenario())
    # A dead node is skipped: every health check through nginx reaches B.
    for _ in range(4):
        assert httpx.get(nginx.url + "/healthz", timeout=10).status_code == 200
    log = (nginx.root / "error.log").read_text()
    assert "[emerg]" not in log and "[alert]" not in log
