"""Group commit: the updates of one event-loop turn are committed together, before any is sent.

The room stores an update before it pushes it to the other connections, and the store used to
commit every update on its own: one WAL write of the table's and both indexes' pages per
update. Now the SQLite store opens one transaction for the updates that arrive in the same turn
of the event loop and registers its commit here. The commit runs

* before any byte goes to any connection (the WebSocket transports call :func:`commit_pending`
  before they write), so every update is still stored before anyone receives it, and
* at the latest in the next turn (a callback scheduled with the first update), so an update
  that nobody else receives is committed just as soon.

A crash before the commit loses only updates that no client received but their sender, and the
sender's client still holds them and sends them again when it reconnects, as after a crash
before the insert.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

__all__ = ["commit_pending", "defer_commit", "in_event_loop"]

log = logging.getLogger("partnerboard.store")

_pending: list[Callable[[], None]] = []


def in_event_loop() -> bool:
    """Whether the caller runs in an event loop (a server), so a commit can wait for the
    turn's end; commands and tests that use a store directly commit at once."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def defer_commit(commit: Callable[[], None]) -> None:
    """Run ``commit`` before the next write to any connection, or in the next turn."""
    if not _pending:
        asyncio.get_running_loop().call_soon(commit_pending)
    _pending.append(commit)


def commit_pending() -> bool:
    """Commit what this turn stored. False when a commit failed: what it held is not stored,
    so nothing of this turn may be sent (the caller drops it)."""
    ok = True
    while _pending:
        commit = _pending.pop(0)
        try:
            commit()
        except Exception:
            log.exception("committing this turn's updates failed; they are not sent")
            ok = False
    return ok
