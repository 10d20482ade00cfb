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

__all__ = ["compaction_due", "transact"]

#: Boards whose document is larger than this are folded by size as well as by count.
LARGE_BOARD_BYTES = 256 * 1024
#: A large board is folded at the latest once the updates since its last fold number its size
#: over this many bytes (and at least ten times --compact-every): a 16 MB board every 31,000
#: updates. Its price is paid by a load that finds them all: 26 us an update (applied, and read
#: for the index), 0.6 -> 1.4 s for that board. That load happens only after a crash, or on a
#: second node while the first is being edited, as a room folds whatever is pending before it
#: sleeps, unloads or stops. Sustained benchmark against 2,048 bytes: 8,397 and 9,593 against
#: 7,989 and 7,995 edits/s.
BYTES_PER_REPLAY = 512


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


def compaction_due(pending: int, pending_bytes: int, snapshot_bytes: int, every: int) -> bool:
    """Whether ``pending`` stored updates (``pending_bytes`` together) should be folded into a
    new snapshot now; called once there are at least ``every`` (--compact-every) of them.

    Folding encodes the whole document and writes it twice (the snapshot, and the history
    checkpoint): on a large board every 500 small updates that cost more than the updates
    themselves (measured: 19% of the server's samples at 1,600-3,200 edits/s on a board that grew
    to thousands of notes). So a board over 256 KiB is folded once the updates since the last
    fold add up to a quarter of it, or once they number its size over BYTES_PER_REPLAY. The
    work per update then stays bounded however large the board grows (a fixed count, 5,000,
    let a 16 MB board be folded every 0.7 s at 6,800 edits/s: 90 ms of encoding and 32 MB
    written each time, 12% of the samples, and the step failed on p99).
    """
    if snapshot_bytes <= LARGE_BOARD_BYTES:
        return True
    return (pending_bytes * 4 >= snapshot_bytes
            or pending >= max(10 * every, snapshot_bytes // BYTES_PER_REPLAY))
