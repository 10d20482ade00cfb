"""The ``partnerboard`` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from .logs import configure_logging
from .privacy_cli import add_privacy_command
from .settings import OPTIONS, Settings, SettingsError, load_settings
from .web_files import BundleMissing, check_bundle

__all__ = ["listening_socket", "main"]


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for uvicorn, created with an explicit ``IPPROTO_TCP``.

    asyncio only turns on TCP_NODELAY for sockets whose ``proto`` is ``IPPROTO_TCP``, and an
    accepted connection inherits ``proto`` from the listening socket. With ``proto`` 0 every
    keep-alive response written in two parts (headers, then body) met Nagle's algorithm and
    the client's delayed ACK: about 40 ms per request instead of well under one.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


#: Open files kept for what is not a client connection: the store, logs, Redis, plugins.
RESERVED_FILES = 100


def connection_limit(settings: Settings) -> int:
    """How many connections this process serves at once (uvicorn's ``limit_concurrency``):
    ``--max-connections``, after raising the soft open-file limit to the hard one; at most that
    limit less RESERVED_FILES, so a full server answers 503 instead of failing to accept
    (every half-open request holds a file; at the limit nobody got in any more)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as error:
            print(f"partnerboard: cannot raise the open-file limit from {soft} to {hard}: "
                  f"{error}", file=sys.stderr)
    usable = soft - RESERVED_FILES if soft != resource.RLIM_INFINITY else settings.max_connections
    if usable < settings.max_connections:
        print(f"partnerboard: serving at most {max(usable, 1)} connections, not "
              f"--max-connections {settings.max_connections}: the open-file limit is {soft}; "
              "raise it (ulimit -n, or LimitNOFILE= in a systemd unit)", file=sys.stderr)
    return max(1, min(usable, settings.max_connections))


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .http_protocol import http_protocol
    from .ws_protocol import BoardWebSocketProtocol

    overrides = {name: getattr(args, name) for name, *_ in OPTIONS}
    try:
        settings = load_settings(overrides)
        check_bundle()
    except (SettingsError, BundleMissing) as error:
        print(f"partnerboard: {error}", file=sys.stderr)
        return 2
    configure_logging(args.log_level)
    if not _open_store_once(settings):
        return 2
    unreachable = _unreachable_redis(settings)
    if unreachable:
        print(f"partnerboard: {unreachable}", file=sys.stderr)
        return 2
    if not settings.database_url:
        from .backup import DataDirLock

        # Held until the process ends: `partnerboard restore` refuses while it is taken.
        lock = DataDirLock(settings.data_dir)
        if not lock.acquire():
            print(f"partnerboard: another partnerboard is already serving {settings.data_dir}",
                  file=sys.stderr)
            return 2
    try:
        sock = listening_socket(settings.host, settings.port)
    except OSError as error:
        print(f"partnerboard: cannot listen on {settings.host}:{settings.port}: {error}",
              file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        create_app(settings),
        ws_max_size=settings.max_message_bytes,
        # Yjs updates are small and already compact; compressing every frame for every
        # receiver would cost more CPU per broadcast than everything else together.
        ws_per_message_deflate=False,
        # uvicorn's websockets-sansio, reading ahead (server/ws_protocol.py). The room's
        # send_now and server/direct_send.py rely on how this implementation sends.
        ws=BoardWebSocketProtocol,
        # uvicorn's h11 protocol with a deadline for request headers (server/http_protocol.py).
        http=http_protocol(settings.request_timeout),
        log_level=args.log_level,
        # Our handler (server/logs.py) takes uvicorn's records too, and scrubs their tokens.
        log_config=None,
        limit_concurrency=connection_limit(settings),
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    print(f"partnerboard listening on http://{host}:{port} (data in {settings.data_dir})",
          file=sys.stderr, flush=True)
    asyncio.run(server.serve(sockets=[sock]))
    return 0


def _open_store_once(settings: Settings, report: bool = False) -> bool:
    """Open the store (migrating it) before serving, so a store this code cannot use stops the
    command with one clear line instead of a failed start-up with a traceback."""
    from .store import StoreError, open_store

    try:
        store = open_store(settings)
    except StoreError as error:
        print(f"partnerboard: {error}", file=sys.stderr)
        return False
    before, after = store.migrated
    store.close()
    if before != after:
        print(f"partnerboard: upgraded the store's schema from version {before} to {after}",
              file=sys.stderr)
    elif report:
        print(f"partnerboard: the store's schema is up to date (version {after})", file=sys.stderr)
    return True


def _unreachable_redis(settings: Settings) -> str:
    """Why Redis cannot be used, or "" (checked before listening, as the store is)."""
    if not settings.redis_url:
        return ""
    import redis

    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"cannot reach Redis: {error}"
    return ""


def _migrate(args: argparse.Namespace) -> int:
    try:
        settings = load_settings({"data_dir": args.data_dir, "database_url": args.database_url})
    except SettingsError as error:
        print(f"partnerboard: {error}", file=sys.stderr)
        return 2
    return 0 if _open_store_once(settings, report=True) else 2


def _backup(args: argparse.Namespace) -> int:
    from .backup import BackupError, backup

    try:
        settings = load_settings({"data_dir": args.data_dir})
        info = backup(settings.data_dir, Path(args.dest))
    except (SettingsError, BackupError) as error:
        print(f"partnerboard: {error}", file=sys.stderr)
        return 2
    print(f"backed up {info.boards} board(s), schema version {info.schema_version}, "
          f"{info.size / 2**20:.1f} MiB, to {info.path}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from .backup import BackupError, restore

    try:
        settings = load_settings({"data_dir": args.data_dir})
        info, kept = restore(Path(args.src), settings.data_dir)
    except (SettingsError, BackupError) as error:
        print(f"partnerboard: {error}", file=sys.stderr)
        return 2
    print(f"restored {info.boards} board(s) from {info.path} into {settings.data_dir}")
    if kept is not None:
        print(f"the store it replaced is kept as {kept}")
    return 0 if _open_store_once(settings) else 2


def _store_options(parser: argparse.ArgumentParser, database: bool = True) -> None:
    """--data-dir (and --database-url), as ``serve`` takes them."""
    defaults = Settings()
    wanted = ("data_dir", "database_url") if database else ("data_dir",)
    for name, flag, env, help_text in OPTIONS:
        if name in wanted:
            parser.add_argument(flag, dest=name, default=None,
                                help=f"{help_text} (default: {getattr(defaults, name) or 'unset'})"
                                f" [env {env}]")


def _plugins(args: argparse.Namespace) -> int:
    from partnerboard.plugins.manager import build_registry

    registry = build_registry()
    infos = registry.to_json()
    if args.json:
        print(json.dumps(infos, indent=2))
        return 0
    if not infos:
        print("no plugins installed")
    for info in infos:
        canvases = ", ".join(info["canvases"]) or "no canvases"
        print(f"{info['name']} {info['version']} [{info['state']}]: {canvases}")
        for error in info["errors"]:
            print(f"    ! {error}")
    return 0


def _new_canvas(args: argparse.Namespace) -> int:
    from .scaffold import ScaffoldError, new_canvas

    try:
        root, files = new_canvas(args.name, Path(args.output))
    except ScaffoldError as error:
        print(f"partnerboard: {error}", file=sys.stderr)
        return 2
    print(f"created {root}")
    for path in files:
        print(f"    {path.relative_to(root)}")
    print(
        f"\nnext:\n    pip install -e '{root}[test]'\n    pytest {root}\n"
        "    partnerboard plugins     # then restart the server"
    )
    return 0


def _version() -> str:
    try:
        return metadata.version("partnerboard")
    except metadata.PackageNotFoundError:  # imported from a folder that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partnerboard",
        description="Real-time whiteboard for co-designing partnerships.",
    )
    parser.add_argument("--version", action="version", version=f"partnerboard {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the server",
        description="Run the board server. Every option can also be set with its environment "
        "variable; a flag wins over the variable. Ready when GET /healthz answers 200. With "
        "several nodes (--database-url, --redis-url) the limits on connections and on boards "
        "created are each node's own: behind a balancer spreading clients over N nodes, one "
        "address can hold up to N times as many; the limits on a board's size count every "
        "node's edits, since each node holding the board applies them all (two nodes accepting "
        "at the same moment can overshoot by one update each).",
    )
    defaults = Settings()
    for name, flag, env, help_text in OPTIONS:
        default = getattr(defaults, name)
        shown = f"default: {default}" if default not in ("", None) else "default: unset"
        serve.add_argument(flag, dest=name, default=None, help=f"{help_text} ({shown}) [env {env}]")
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="how much to log (default: info)",
    )
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser(
        "migrate",
        help="bring the store's schema up to this version",
        description="Apply the store's missing schema migrations, in order, in one transaction, "
        "and say which version the store is at. serve does the same at start; run this to "
        "upgrade ahead of time (make a backup first: partnerboard backup DEST). A store written "
        "by a newer partnerboard is refused and left untouched.",
    )
    _store_options(migrate)
    migrate.set_defaults(run=_migrate)

    backup_cmd = commands.add_parser(
        "backup",
        help="copy the store to a backup file, also while the server runs",
        description="Copy the SQLite store to DEST with SQLite's online backup API: one "
        "consistent state of every board, taken while the server keeps running. DEST is a new "
        "file, or a folder to write partnerboard-YYYYMMDD-HHMMSS.sqlite3 in; an existing file "
        "is never overwritten. The copy is checked before the command reports success.",
    )
    backup_cmd.add_argument("dest", metavar="DEST", help="the backup file or folder")
    _store_options(backup_cmd, database=False)
    backup_cmd.set_defaults(run=_backup)

    restore_cmd = commands.add_parser(
        "restore",
        help="put a backup back in place (the server must be stopped)",
        description="Replace the store in the data dir by the backup SRC, after checking that "
        "SRC is a whole partnerboard store this version can read. Refuses while a server runs "
        "on the data dir. The store it replaces is kept beside it "
        "(partnerboard.sqlite3.before-restore-…). Start the server again afterwards.",
    )
    restore_cmd.add_argument("src", metavar="SRC", help="the backup file to restore")
    _store_options(restore_cmd, database=False)
    restore_cmd.set_defaults(run=_restore)

    plugins = commands.add_parser(
        "plugins",
        help="list installed plugins and their canvases",
        description="List installed plugins: version, canvases and state (ok; broken: not "
        "loaded, see its errors; failing: loaded, but a hook raised at run time).",
    )
    plugins.add_argument("--json", action="store_true", help="print JSON instead of text")
    plugins.set_defaults(run=_plugins)

    new = commands.add_parser(
        "new-canvas",
        help="write a new canvas plugin package",
        description="Write an installable canvas plugin package: a pyproject with the entry "
        "point, a canvas spec, a covenant hook, a README and a test that passes. Install it "
        "with pip install -e, restart the server, and the canvas is offered.",
    )
    new.add_argument(
        "name",
        metavar="NAME",
        help="the canvas id and plugin name: lowercase letters, digits and dashes, e.g. "
        "risk-matrix (the package is called partnerboard-NAME)",
    )
    new.add_argument(
        "--output",
        metavar="DIR",
        default=".",
        help="where to create the package directory (default: the current directory)",
    )
    new.set_defaults(run=_new_canvas)
    add_privacy_command(commands, _store_options)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
