"""Stream entries a node can trust: sealed by a node of this deployment, in each node's order.

Whoever can write to Redis could otherwise add an entry every node applies and passes to its
clients (an update no guard checked, someone's presence, a "finalized" that freezes a board),
move a node's entry to another board's stream, add one again later (a presence state brings
back someone who left), or delete one so that a node silently misses an update. So besides its
kind (``k``), payload (``d``) and node (``n``) every entry carries:

* ``s``, its stamp ``<number>-<ms>``: a number its node raises with every entry it publishes,
  on any board, and Redis's clock when it sent the entry;
* ``p``, the stamp of the node's previous entry on the same board (empty: none it remembers);
* ``m``, an HMAC-SHA256 of the board id and all the above under the deployment's bus key,
  which is kept in the database (:meth:`Store.node_secret`), not in Redis.

A reader keeps, per board, the last stamp it heard from each node since it began reading the
board (noting where the stream ended, then catching up from the store), and judges each entry
(:class:`Hearing`). Checking the chain ``p`` rather than consecutive numbers lets one counter
serve every board, and an entry that is missing is noticed at its node's next entry on the
board: the reader then catches up from the store, which holds every update.
"""

from __future__ import annotations

import hmac
from collections.abc import Container
from enum import Enum

__all__ = ["KEY_NAME", "Doubts", "EntrySeal", "Hearing", "Publisher", "Verdict", "id_numbers"]

#: The name of the bus key among the store's node secrets.
KEY_NAME = "bus"
#: An entry whose stamp lies further than this from the time Redis took it (its id) is an old
#: one added again (a node's entries reach Redis within moments of their stamp).
STAMP_SLACK_MS = 10_000
#: Clock error and send delay allowed for when judging the first entry heard from a node (see
#: Hearing.judge): both nodes read Redis's clock, each with an error of a round trip or so.
FIRST_SLACK_MS = 1_000
#: A board is caught up because of doubtful entries at most this often...
CATCH_UP_SECONDS = 5.0
#: ...and they are logged at most this often per board (all are counted in the metrics).
LOG_SECONDS = 60.0


class Verdict(Enum):
    """A reader's judgement of an entry; the value is what its log says of one."""

    IN_ORDER = "in order"
    #: Taken, but an entry before it is missing: the board is caught up from the store.
    AFTER_A_GAP = "follows entries of its node that are missing (deleted from Redis?)"
    #: Taken, and an entry before it may be missing (see Hearing.judge): likewise, unsaid.
    PERHAPS_AFTER_A_GAP = "perhaps follows a missing entry"
    UNSEALED = "not applied: not sealed by a node of this deployment"
    STALE = "not applied: sent long before Redis took it (an old entry added again?)"
    REPLAYED = "not applied: heard before"

    @property
    def taken(self) -> bool:
        return self in (Verdict.IN_ORDER, Verdict.AFTER_A_GAP, Verdict.PERHAPS_AFTER_A_GAP)


class EntrySeal:
    """The MAC of an entry under the deployment's bus key."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def of(self, board_id: str, fields: dict[bytes, bytes]) -> bytes:
        """Every field but the payload has its length in front, so no two entries' fields
        run together into the same bytes; the payload comes last."""
        get = fields.get
        board, node, kind, stamp, previous = (
            board_id.encode(), get(b"n", b""), get(b"k", b""), get(b"s", b""), get(b"p", b""))
        head = b"%d:%b%d:%b%d:%b%d:%b%d:%b" % (
            len(board), board, len(node), node, len(kind), kind, len(stamp), stamp,
            len(previous), previous)
        return hmac.digest(self.key, head + get(b"d", b""), "sha256")

    def holds(self, board_id: str, fields: dict[bytes, bytes]) -> bool:
        return hmac.compare_digest(fields.get(b"m", b""), self.of(board_id, fields))


class Publisher:
    """This node's side: numbers, chains and seals the entries it publishes."""

    def __init__(self, seal: EntrySeal, node: bytes) -> None:
        self.seal = seal
        self.node = node
        self.number = 0
        #: board id -> the stamp of this node's last entry on the board's stream.
        self.last: dict[str, bytes] = {}

    def fields(self, board_id: str, kind: bytes, data: bytes, now_ms: int) -> dict[bytes, bytes]:
        """The fields of the next entry on the board's stream; ``now_ms`` by Redis's clock."""
        self.number += 1
        stamp = b"%d-%d" % (self.number, now_ms)
        fields = {b"n": self.node, b"k": kind, b"d": data, b"s": stamp,
                  b"p": self.last.get(board_id, b"")}
        fields[b"m"] = self.seal.of(board_id, fields)
        self.last[board_id] = stamp
        return fields

    def forget(self, keep: Container[str], before_ms: int) -> None:
        """Forget the last entry on boards not in ``keep`` that this node last published on
        before ``before_ms``. A node still reading such a board finds no previous entry in
        this node's next one there, and catches up once, needlessly but harmlessly."""
        for board_id, stamp in list(self.last.items()):
            if board_id not in keep and id_numbers(stamp)[1] < before_ms:
                del self.last[board_id]


class Hearing:
    """What this node heard on one board's stream since it began reading it at ``since_ms``
    (by Redis's clock; the board was caught up from the store after that)."""

    def __init__(self, since_ms: int) -> None:
        self.since_ms = since_ms
        #: node -> (number, stamp) of the last entry taken from it.
        self.last: dict[bytes, tuple[int, bytes]] = {}

    def judge(self, seal: EntrySeal, board_id: str, entry_id: bytes,
              fields: dict[bytes, bytes]) -> Verdict:
        if not seal.holds(board_id, fields):
            return Verdict.UNSEALED
        number, sent_ms = id_numbers(fields[b"s"])
        if abs(id_numbers(entry_id)[0] - sent_ms) > STAMP_SLACK_MS:
            return Verdict.STALE
        node, previous = fields[b"n"], fields[b"p"]
        heard = self.last.get(node)
        if heard is not None and number <= heard[0]:
            return Verdict.REPLAYED
        self.last[node] = (number, fields[b"s"])
        if heard is not None:
            if previous == heard[1]:
                return Verdict.IN_ORDER
            # No previous one: its node forgot the board (Publisher.forget), a minute after
            # its last entry there, so whatever came between would have been heard long ago.
            return Verdict.AFTER_A_GAP if previous else Verdict.PERHAPS_AFTER_A_GAP
        # The first entry heard from this node: the one before it is in the store if it was
        # sent before this node began reading, else it should have been heard. One sent
        # within the slack of that moment may be either (one catch-up too many at worst).
        if previous and id_numbers(previous)[1] >= self.since_ms - FIRST_SLACK_MS:
            return Verdict.PERHAPS_AFTER_A_GAP
        return Verdict.IN_ORDER


class Doubts:
    """Catching up and logging the boards whose streams gave cause for doubt, without letting
    a stream full of bad entries make a node load a board again and again, or fill its log."""

    def __init__(self) -> None:
        #: board id -> until when (monotonic) a doubt does not catch it up at once.
        self.quiet: dict[str, float] = {}
        #: Boards doubted during their quiet time: caught up when it ends.
        self.owed: set[str] = set()
        #: board id -> verdict -> until when (monotonic) such doubts are not logged.
        self.silent: dict[str, dict[Verdict, float]] = {}

    def catch_up_now(self, board_id: str, now: float) -> bool:
        """Whether to catch the board up now; if not, it is owed a catch-up (see due)."""
        if now >= self.quiet.get(board_id, 0.0):
            self.quiet[board_id] = now + CATCH_UP_SECONDS
            return True
        self.owed.add(board_id)
        return False

    def due(self, now: float) -> list[str]:
        """The owed boards whose quiet time ended: to catch up now."""
        ready = [board_id for board_id in self.owed if now >= self.quiet[board_id]]
        for board_id in ready:
            self.owed.discard(board_id)
            self.quiet[board_id] = now + CATCH_UP_SECONDS
        return ready

    def log_now(self, board_id: str, verdict: Verdict, now: float) -> bool:
        """Whether to log a doubt of this kind about the board now (one about a gap must
        not keep a forged entry unsaid)."""
        silent = self.silent.setdefault(board_id, {})
        if now < silent.get(verdict, 0.0):
            return False
        silent[verdict] = now + LOG_SECONDS
        return True

    def forget(self, board_id: str) -> None:
        self.quiet.pop(board_id, None)
        self.owed.discard(board_id)
        self.silent.pop(board_id, None)


def id_numbers(raw: bytes | str) -> tuple[int, int]:
    """The two numbers of a stream entry id (milliseconds, sequence) or of a stamp (number,
    milliseconds)."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    first, _dash, second = text.partition("-")
    return int(first), int(second or 0)
