"""``partnerboard privacy apply-retention``: apply the networks' retention periods now.

A running server applies them itself, at start and every hour (see :mod:`.privacy`); this
command is for a store no server is serving (a cron job with the server stopped, or before
starting one). It refuses a SQLite data dir a server is serving: the server holds open boards
in memory, and a change made beside it would be undone when it writes them back.
"""

from __future__ import annotations

import argparse
import sys
from types import SimpleNamespace

__all__ = ["add_privacy_command"]


def _apply_retention(args: argparse.Namespace) -> int:
    from partnerboard.plugins.manager import build_registry

    from .backup import DataDirLock
    from .privacy import apply_retention
    from .rooms import Rooms
    from .settings import SettingsError, load_settings
    from .store import StoreError, open_store

    try:
        settings = load_settings({"data_dir": args.data_dir, "database_url": args.database_url})
    except SettingsError as error:
        print(f"partnerboard: {error}", file=sys.stderr)
        return 2
    lock = None
    if not settings.database_url:
        lock = DataDirLock(settings.data_dir)
        if not lock.acquire():
            print(f"partnerboard: a server is serving {settings.data_dir}; it applies the "
                  "retention periods itself every hour (stop it to run this command)",
                  file=sys.stderr)
            return 2
    try:
        store = open_store(settings)
    except StoreError as error:
        print(f"partnerboard: {error}", file=sys.stderr)
        return 2
    try:
        state = SimpleNamespace(store=store, rooms=Rooms(store, settings),
                                registry=build_registry())
        done = apply_retention(state)
    finally:
        store.close()
        if lock is not None:
            lock.release()
    print(f"retention applied: names replaced on {len(done)} board(s)")
    for board in done:
        print(f"  {board['id']}: {board['names']} name(s) replaced")
    return 0


def add_privacy_command(commands: argparse._SubParsersAction, store_options: object) -> None:
    """The ``privacy`` command and its subcommands; ``store_options`` adds --data-dir and
    --database-url as ``serve`` takes them."""
    privacy = commands.add_parser(
        "privacy", help="personal data on networks' boards",
        description="Personal data on the boards of networks (see docs/privacy.md).")
    actions = privacy.add_subparsers(dest="action", required=True, metavar="ACTION")
    apply = actions.add_parser(
        "apply-retention", help="apply every network's retention period now",
        description="Replace people's names by their organisation on every network board "
        "unchanged for longer than its network's retention period (set on the network page "
        "or with PUT /api/networks/{id}/retention). A running server does this itself at "
        "start and every hour; run this with no server serving the store. Boards redacted "
        "before are left alone until they change again.")
    store_options(apply)  # type: ignore[operator]
    apply.set_defaults(run=_apply_retention)
