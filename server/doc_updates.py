"""The update of one transaction, without re-encoding the whole document's delete set.

``doc.get_update(state_before)`` is the natural way to get what a change did, but Yjs' diff
encoding carries the delete set of the *whole* document: every note ever deleted and every map
value ever overwritten (each move of a note overwrites ``x`` and ``y``). On a board that has
been worked on for an hour that is kilobytes per diff, and every byte of it is walked again by
the bounded reader, stored and sent. The update a transaction emits at its commit carries only
what that transaction inserted and deleted, which is all the other replicas lack.
"""

from __future__ import annotations

from collections.abc import Callable

from pycrdt import Doc

__all__ = ["transact"]


def transact(doc: Doc, change: Callable[[Doc], None]) -> bytes:
    """Run ``change`` in one transaction and return that transaction's own update.

    Falls back to the diff against the state before when no update was emitted for the
    transaction alone (a change that changed nothing, or one nested in an outer transaction).
    """
    before = doc.get_state()
    emitted: list[bytes] = []
    subscription = doc.observe(lambda event: emitted.append(event.update))
    try:
        with doc.transaction():
            change(doc)
    finally:
        doc.unobserve(subscription)
    if len(emitted) == 1:
        return emitted[0]
    return doc.get_update(before)
