"""Shared fixtures: a real partnerboard server process on a loopback port."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from pgutil import create_database, drop_database_later, wait_for_drops

from partnerboard.server.settings import Settings, load_settings
from partnerboard.server.store import Store, open_store


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--store", choices=("sqlite", "postgres"), default=None,
                     help="store of the test servers (default: PARTNERBOARD_TEST_STORE or sqlite)")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--store"):
        os.environ["PARTNERBOARD_TEST_STORE"] = config.getoption("--store")
    config.addinivalue_line(
        "markers", "uses_store: run in the PostgreSQL pass although the test asks for none of "
        "the STORE_FIXTURES (see pytest_collection_modifyitems)")


#: The fixtures through which a test reaches a store: a server (the session's or its own), the
#: in-process store, a database of its own, a cluster, or a tmp dir, the only place a test finds
#: to start a server or open a store in (every custom fixture that does so asks for one of these,
#: and the fixture closure counts). A ServerProcess's store is chosen in its __init__ from
#: PARTNERBOARD_TEST_STORE; app_settings and the store fixture take database_url.
STORE_FIXTURES = frozenset({"tmp_path", "tmp_path_factory", "tmpdir", "tmpdir_factory",
                            "server", "own_server", "store", "database_url", "cluster"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the PostgreSQL pass (``--store postgres``), leave out the tests that reach no store:
    pure functions (canvases, covenant building, names, i18n, pictures, codecs, option lists)
    check the same thing on either store, and the SQLite pass has run them. About a third of
    the server tests, deselected rather than skipped so ``-ra`` does not list each one. A test
    that reaches a store another way is marked ``uses_store``."""
    if os.environ.get("PARTNERBOARD_TEST_STORE") != "postgres":
        return
    kept, left_out = [], []
    for item in items:
        reaches_store = STORE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        (kept if reaches_store or item.get_closest_marker("uses_store") else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


LISTENING = re.compile(r"listening on (http://[\d.]+:\d+)")
#: Data dir -> its PostgreSQL database when the suite runs on PostgreSQL: a server started again
#: on the same data dir (a restart, an upgrade) finds what the one before stored, as it would
#: in the SQLite file there. Dropped when the test (or the session) that made it ends.
_DATABASES: dict[Path, str] = {}


def _drop_databases_made_since(before: set[Path]) -> None:
    for key in set(_DATABASES) - before:
        drop_database_later(_DATABASES.pop(key))


@pytest.fixture(scope="session", autouse=True)
def _databases_dropped() -> Iterator[None]:
    """The databases dropped in the background are gone before the session ends. Set up first,
    torn down last (after the session's server); a drop that failed is an error of the last
    test, as it was of the test's own teardown when drops were waited for (an error there
    reaches the exit status, also from an xdist worker)."""
    yield
    failed = wait_for_drops()
    assert not failed, f"PostgreSQL test databases that could not be dropped: {failed}"


class ServerProcess:
    """``partnerboard serve`` in a subprocess, with its own data directory."""

    def __init__(
        self,
        data_dir: Path,
        *extra_args: str,
        env: dict[str, str] | None = None,
        python: str = sys.executable,
        command: Sequence[str] = (),
        cwd: Path | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.extra_args = extra_args
        self.env = {**os.environ, **(env or {})}
        #: The interpreter that runs the server, e.g. a fresh virtualenv's with a plugin in it.
        self.python = python
        #: What runs before ``serve``, e.g. an installed ``partnerboard`` script.
        self.command = list(command) or [python, "-m", "partnerboard.server.cli"]
        self.cwd = cwd
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.log_path = data_dir / "server.log"
        #: The PostgreSQL database of this data dir (see pgutil and _DATABASES).
        self.own_database = ""
        if os.environ.get("PARTNERBOARD_TEST_STORE") == "postgres" and not any(
            arg == "--database-url" for arg in extra_args
        ):
            key = data_dir.resolve()
            if key not in _DATABASES:
                _DATABASES[key] = create_database()
            self.own_database = _DATABASES[key]
            self.extra_args = (*extra_args, "--database-url", self.own_database)

    def start(self, timeout: float = 60) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # A data directory served before keeps its log: only what this start writes counts.
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("a") as log:
            self.proc = subprocess.Popen(
                [*self.command, "serve", "--port", "0",
                 "--data-dir", str(self.data_dir), "--log-level", "warning",
                 # Tests create boards fast from one address; the limit has tests of its own.
                 "--create-per-minute", "0", *self.extra_args],
                stderr=log, stdout=log, text=True, env=self.env, cwd=self.cwd,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = LISTENING.search(self.log_path.read_bytes()[offset:].decode(errors="replace"))
            if found and self._healthy(found.group(1)):
                self.url = found.group(1)
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not become ready:\n{self.log_path.read_text()}")

    @staticmethod
    def _healthy(url: str) -> bool:
        try:
            return httpx.get(url + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    def kill(self) -> None:
        """kill -9: no shutdown code runs."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._truncate_log()

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(20)
        self._truncate_log()
        return code

    def _truncate_log(self) -> None:
        # The next start looks for its own "listening" line.
        text = self.log_path.read_text()
        (self.data_dir / "server.previous.log").write_text(text)
        self.log_path.write_text("")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Rows of a query on this server's store, SQLite or PostgreSQL (``?`` placeholders)."""
        if self.own_database:
            import psycopg

            with psycopg.connect(self.own_database) as conn:
                cursor = conn.execute(sql.replace("?", "%s"), params)
                rows = cursor.fetchall() if cursor.description else []
                return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                        for row in rows]
        db = sqlite3.connect(self.data_dir / "partnerboard.sqlite3", timeout=30)
        try:
            with db:
                return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def raw_store(self) -> bytes:
        """Everything the store holds, as bytes: the SQLite files, or a dump of the database."""
        if self.own_database:
            return database_bytes(self.own_database)
        return b"".join(path.read_bytes() for path in self.data_dir.glob("*.sqlite3*"))

    def create_board(self, canvas: str = "partnership-map", **body: object) -> dict:
        payload = {"canvas": canvas, "title": "Test board", "language": "en",
                   "partners": [{"name": "Gemeente"}, {"name": "Zorg"}], **body}
        answer = httpx.post(self.url + "/api/boards", json=payload, timeout=5)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def board_ws(self, board: dict, role: str = "participant") -> str:
        return f"{self.ws_url}/{board['id']}?token={board['tokens'][role]}"


def database_bytes(database_url: str) -> bytes:
    """Everything a PostgreSQL database holds, as bytes: a dump, then the bytes of every
    bytea value in it (pg_dump writes them as hex), so a document's text can be searched for
    there as in the SQLite file."""
    dump = subprocess.run(["pg_dump", database_url], capture_output=True, check=True).stdout
    return dump + b"".join(bytes.fromhex(digits.decode())
                           for digits in re.findall(rb"\\x((?:[0-9a-f]{2})+)", dump))


def once_whatever_the_store(reason: str) -> pytest.MarkDecorator:
    """For a slow test of something the store plays no part in: run in the SQLite pass only
    (``make test`` runs the server tests on SQLite, then on PostgreSQL)."""
    return pytest.mark.skipif("os.environ.get('PARTNERBOARD_TEST_STORE') == 'postgres'",
                              reason=f"the same on every store: {reason}")


def sqlite_file_only(reason: str) -> pytest.MarkDecorator:
    """For a test about the SQLite file itself, with no PostgreSQL counterpart."""
    return pytest.mark.skipif("os.environ.get('PARTNERBOARD_TEST_STORE') == 'postgres'",
                              reason=f"SQLite only: {reason}")


@pytest.fixture
def database_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own when the suite runs on PostgreSQL, else ""."""
    if os.environ.get("PARTNERBOARD_TEST_STORE") != "postgres":
        yield ""
        return
    url = create_database()
    try:
        yield url
    finally:
        drop_database_later(url)


def app_settings(data_dir: Path, database_url: str = "", **overrides: object) -> Settings:
    """Settings of an in-process app on the suite's store (see the ``database_url`` fixture)."""
    return load_settings({"data_dir": data_dir, "database_url": database_url or None,
                          **overrides}, environ={})


@pytest.fixture
def store(tmp_path: Path, database_url: str) -> Iterator[Store]:
    """The suite's store opened in-process (SQLite in tmp_path, or this test's PostgreSQL
    database), for driving a room without a server."""
    opened = open_store(app_settings(tmp_path, database_url))
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(autouse=True)
def _databases_of_the_test() -> Iterator[None]:
    before = set(_DATABASES)
    yield
    _drop_databases_made_since(before)


@pytest.fixture(scope="session")
def server() -> Iterator[ServerProcess]:
    """One server for the tests that only need boards of their own."""
    before = set(_DATABASES)
    with tempfile.TemporaryDirectory(prefix="pb-server-") as tmp:
        process = ServerProcess(Path(tmp)).start()
        try:
            yield process
        finally:
            process.stop()
            _drop_databases_made_since(before)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[object]:
    """Two nodes sharing a PostgreSQL database and a Redis of their own (tests/cluster.py)."""
    from cluster import running_cluster  # it builds on this module's ServerProcess

    with running_cluster(tmp_path) as built:
        yield built


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of this test's own, for killing and restarting."""
    process = ServerProcess(tmp_path / "data", "--room-idle-seconds", "0.2")
    try:
        yield process
    finally:
        process.stop()
