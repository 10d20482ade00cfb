"""One frozen settings object, read once from CLI flags and ``PARTNERBOARD_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = ["Settings", "SettingsError", "OPTIONS"]


class SettingsError(ValueError):
    """A setting is invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    database_url: str = ""
    redis_url: str = ""
    create_key: str = ""
    max_message_bytes: int = 1024 * 1024
    room_idle_seconds: float = 30.0
    doc_idle_seconds: float = 15.0
    compact_every: int = 500
    send_queue_limit: int = 2000
    send_queue_bytes: int = 32 * 1024 * 1024
    max_connections_per_address: int = 2000
    max_connections_per_board: int = 1000
    max_connections: int = 10_000
    max_board_elements: int = 20_000
    max_board_bytes: int = 64 * 1024 * 1024
    create_per_minute: int = 60
    request_timeout: float = 15.0
    update_cpu_share: float = 0.1
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "partnerboard.sqlite3"

    def validated(self) -> Settings:
        if not 0 <= self.port <= 65535:
            raise SettingsError(f"port {self.port} is out of range: use 0-65535 (0 = any port)")
        if self.database_url and not self.database_url.startswith(
            ("postgresql://", "postgres://")
        ):
            raise SettingsError(
                f"database URL {_redacted(self.database_url)!r} is not supported: use "
                "postgresql://USER@HOST:PORT/DB, or leave it empty for the embedded SQLite store"
            )
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://")):
            raise SettingsError(
                f"Redis URL {_redacted(self.redis_url)!r} is not supported: use redis://HOST:PORT/N"
            )
        if self.redis_url and not self.database_url:
            raise SettingsError(
                "a Redis URL needs a shared database too: several nodes must share "
                "--database-url postgresql://..., or leave both empty for one process"
            )
        if self.max_message_bytes < 1024:
            raise SettingsError("max message size must be at least 1024 bytes")
        if self.room_idle_seconds < 0:
            raise SettingsError("room idle time must be zero or more seconds")
        if self.doc_idle_seconds < 0:
            raise SettingsError("doc-idle-seconds must be zero (never) or more seconds")
        if self.compact_every < 1:
            raise SettingsError("compact-every must be at least 1 update")
        if self.send_queue_limit < 1:
            raise SettingsError("send-queue-limit must be at least 1 frame")
        for name in ("send_queue_bytes", "max_connections_per_address",
                     "max_connections_per_board", "max_connections", "max_board_elements",
                     "max_board_bytes"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name.replace('_', '-')} must be at least 1")
        if self.create_per_minute < 0:
            raise SettingsError("create-per-minute must be 0 (no limit) or more boards")
        if not 0 <= self.update_cpu_share <= 1:
            raise SettingsError("update-cpu-share must be from 0 (no limit) to 1 (a whole core)")
        if not self.request_timeout > 0:
            raise SettingsError("request-timeout must be more than 0 seconds")
        return self


def _redacted(url: str) -> str:
    """A URL without its password, for error messages and logs."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        credentials, _at, host = rest.rpartition("@")
        rest = f"{credentials.split(':', 1)[0]}:***@{host}" if ":" in credentials else rest
    return f"{scheme}{sep}{rest}"


#: (field, CLI flag, environment variable, help). The CLI builds its options from this table.
OPTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("host", "--host", "PARTNERBOARD_HOST", "interface to listen on"),
    ("port", "--port", "PARTNERBOARD_PORT", "TCP port (0 picks a free one)"),
    ("data_dir", "--data-dir", "PARTNERBOARD_DATA_DIR", "directory for the SQLite file"),
    ("database_url", "--database-url", "PARTNERBOARD_DATABASE_URL",
     "postgresql://USER@HOST:PORT/DB shared by several nodes; empty means SQLite in the data"
     " directory"),
    ("redis_url", "--redis-url", "PARTNERBOARD_REDIS_URL",
     "redis://HOST:PORT/N carrying each board's updates between nodes (with --database-url)"),
    ("create_key", "--create-key", "PARTNERBOARD_CREATE_KEY",
     "when set, creating a board requires this key as Bearer token"),
    ("max_message_bytes", "--max-message-bytes", "PARTNERBOARD_MAX_MESSAGE_BYTES",
     "largest WebSocket frame or HTTP body accepted"),
    ("room_idle_seconds", "--room-idle-seconds", "PARTNERBOARD_ROOM_IDLE_SECONDS",
     "seconds a board stays in memory after its last client left"),
    ("doc_idle_seconds", "--doc-idle-seconds", "PARTNERBOARD_DOC_IDLE_SECONDS",
     "seconds after which an open board nobody edits keeps only its stored snapshot in "
     "memory, not the live document (0 = never)"),
    ("compact_every", "--compact-every", "PARTNERBOARD_COMPACT_EVERY",
     "compact a board's stored updates into a snapshot after this many"),
    ("send_queue_limit", "--send-queue-limit", "PARTNERBOARD_SEND_QUEUE_LIMIT",
     "frames queued for a client that cannot keep up before it is disconnected (1013)"),
    ("send_queue_bytes", "--send-queue-bytes", "PARTNERBOARD_SEND_QUEUE_BYTES",
     "bytes queued for a client that cannot keep up before it is disconnected (1013)"),
    ("max_connections_per_address", "--max-connections-per-address",
     "PARTNERBOARD_MAX_CONNECTIONS_PER_ADDRESS",
     "open WebSocket connections from one client address to this node; more are closed with "
     "1013"),
    ("max_connections_per_board", "--max-connections-per-board",
     "PARTNERBOARD_MAX_CONNECTIONS_PER_BOARD",
     "open WebSocket connections to one board on this node; more are closed with 1013"),
    ("max_connections", "--max-connections", "PARTNERBOARD_MAX_CONNECTIONS",
     "open connections (HTTP and WebSocket) this node serves; beyond, requests and WebSocket "
     "upgrades are answered 503 (at most the open-file limit, less a reserve)"),
    ("max_board_elements", "--max-board-elements", "PARTNERBOARD_MAX_BOARD_ELEMENTS",
     "elements a board may hold (all nodes' edits counted); an update adding more is "
     "refused (1009)"),
    ("max_board_bytes", "--max-board-bytes", "PARTNERBOARD_MAX_BOARD_BYTES",
     "stored size of a board's document (all nodes' edits counted); an update growing it "
     "further is refused (1009)"),
    ("create_per_minute", "--create-per-minute", "PARTNERBOARD_CREATE_PER_MINUTE",
     "boards one client address may create per minute on this node, then 429 (0 = no "
     "limit)"),
    ("request_timeout", "--request-timeout", "PARTNERBOARD_REQUEST_TIMEOUT",
     "seconds a client may take to send a request's headers, or between parts of its body "
     "(a whole body: eight times as long, plus a second per 4 KiB); then 408"),
    ("update_cpu_share", "--update-cpu-share", "PARTNERBOARD_UPDATE_CPU_SHARE",
     "share of a core one connection's heavy messages (the CPU time beyond 10 ms of each "
     "read's) may take on average, 2.5 times that for one client address; beyond, the "
     "connection is not read until its allowance has refilled (0 = no limit)"),
)


def _convert(name: str, raw: Any) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "Path":
            return Path(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"{name.replace('_', '-')}: {raw!r} is not a valid {kind}") from None
    return str(raw)


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from defaults, then the environment, then explicit overrides (CLI flags)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, _flag, env, _help in OPTIONS:
        if env in environ and environ[env] != "":
            values[name] = _convert(name, environ[env])
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = _convert(name, value)
    return Settings(**values).validated()
