"""Presence (y-protocols awareness) of one room: whose cursor is where, and who may say so.

Rules, each closing a way one link holder could disturb the others:

* a connection sets and removes only the states of its own client ids: an id first shown (or
  written with) by another link is not its to change, nor one another connection shows (two
  guests share the guest link), so nobody can overwrite or erase another person's presence,
  or appear as the facilitator;
* a state over :data:`MAX_STATE_BYTES` is dropped (presence is a name, a colour and a cursor;
  a megabyte of it would be sent to every newcomer);
* a connection shows at most :data:`MAX_IDS_PER_CONNECTION` client ids;
* a connection has at most its allowance forwarded (:func:`.allowance.presence_allowance`):
  every message goes to every other connection of the board, so one connection sending as
  fast as it can made each of them receive 185 MiB a second. What is over it is dropped, the
  connection stays. Only what is accepted counts: y-websocket clients echo every other
  client's presence they receive, which is dropped here and costs them nothing. The allowance
  is the seat's (or, without a seat, the link's from one address) and outlives the
  connection: reconnecting to get a fresh burst made a watcher receive 38 times the bound;
* the board's presence sent to one person (when a connection opens, and as the answer to an
  awareness query) is within that person's :func:`.allowance.answer_allowance`, which also
  outlives the connection: a one-byte query is answered with up to 512 KiB, so one observer
  link asking over a new connection each time (each with a fresh allowance then) was sent
  66 MiB in 3 s, and twenty connections at once 40 MiB. What is over it is not sent; a newcomer
  still sees everyone's presence as each renews it (clients do every 15 s);
* a message holds at most as many entries as an echo of the board's presence could
  (:meth:`Presence.most_entries`); a longer one is dropped unread, and only the states a
  connection may set are read as JSON (one 800 KB message of 200,000 tiny states held the
  node for 3.7 s);
* what a state says about its sender (name, organisation, role, the view everyone follows)
  is set from what the server knows (:mod:`.presence_identity`);
* the states a board keeps are at most :data:`MAX_BOARD_PRESENCE_BYTES` together: every
  newcomer gets them all in one frame (200 connections showing 128 KiB each cost the server
  2.1 GiB). A new state beyond it is dropped; a connection may still replace its own state
  with one no bigger. One person's states (:func:`person_of`) take at most
  :data:`MAX_PERSON_PRESENCE_BYTES` of it, and the facilitator's are not held to it: one guest
  with five idle connections filled it, and nobody saw the facilitator or anyone after;

What is accepted is re-encoded for the others, so a dropped entry is never forwarded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import yprotocol as yp
from .allowance import Allowance, answer_allowance, presence_allowance
from .bounded import make_room
from .client_ids import ClientIds
from .presence_identity import vouched
from .tokens import Role

if TYPE_CHECKING:
    from .peer import Peer

__all__ = ["Presence", "MAX_STATE_BYTES", "MAX_IDS_PER_CONNECTION", "MAX_BOARD_PRESENCE_BYTES",
           "MAX_PERSON_PRESENCE_BYTES", "person_of"]

log = logging.getLogger("partnerboard.presence")

MAX_STATE_BYTES = 8 * 1024
MAX_IDS_PER_CONNECTION = 16
#: Presence a board keeps, all states together: a thousand people (this node's default limit
#: of connections to a board) with half a kilobyte each, where ours show about 300 bytes.
MAX_BOARD_PRESENCE_BYTES = 512 * 1024
#: Seconds between two log lines about a board's full presence.
FULL_REPORT_EVERY = 10.0
#: Presence from another node not renewed for this long is not passed to newcomers.
REMOTE_PRESENCE_SECONDS = 30.0
#: A shown id not renewed for this long may be taken by another connection of its link.
TAKEOVER_SECONDS = 30.0
#: Presence allowances a board keeps (those of closed connections until they refill).
MAX_ALLOWANCES = 4096
#: Presence one person's states may take together (a browser tab's is about 300 bytes).
MAX_PERSON_PRESENCE_BYTES = 16 * 1024

#: Who the server can tell apart: a seat, or without one a link from one address.
Person = tuple[str, str]


def person_of(peer: Peer) -> Person:
    """The person behind a connection, as far as presence is concerned: its allowance and
    its share of the board's presence outlive the connection and are shared by its tabs."""
    return (peer.link, peer.seat) if peer.seat else (peer.link, "@" + peer.address)


class Presence:
    def __init__(self, board_id: str, client_ids: ClientIds) -> None:
        self.board_id = board_id
        self.client_ids = client_ids
        self.states: dict[int, yp.AwarenessEntry] = {}
        self.holders: dict[int, Peer] = {}
        #: When each held id's state was last set by its holder (monotonic seconds).
        self.renewed: dict[int, float] = {}
        #: When presence of another node's client was last renewed (monotonic seconds).
        self.remote_seen: dict[int, float] = {}
        #: The bytes of all states in ``states`` (see MAX_BOARD_PRESENCE_BYTES).
        self.size = 0
        #: What each person that sent presence may still have forwarded.
        self.allowances: dict[Person, Allowance] = {}
        #: How much of the board's presence each person may still be sent.
        self.answers: dict[Person, Allowance] = {}
        #: Who holds each of our clients' states, and the bytes each person's states take.
        self.person_of: dict[int, Person] = {}
        self.person_bytes: dict[Person, int] = {}
        self.full_reported = -FULL_REPORT_EVERY

    def _set(self, entry: yp.AwarenessEntry, person: Person | None = None,
             exempt: bool = False) -> bool:
        """Keep ``entry`` (a state or "null") in place of its client's state, held by
        ``person`` (None: another node's client), unless it is a new state that would take the
        person's presence past MAX_PERSON_PRESENCE_BYTES or the board's past
        MAX_BOARD_PRESENCE_BYTES (False; the facilitator's is ``exempt`` from the board's). A
        state no bigger than the one it replaces is always kept."""
        client_id = entry.client_id
        old = self.states.get(client_id)
        before = len(old.state) if old is not None else 0
        old_person = self.person_of.pop(client_id, None)
        if old_person is not None:
            self.person_bytes[old_person] -= before
            if not self.person_bytes[old_person]:
                del self.person_bytes[old_person]
        if entry.state == "null":
            if old is not None:
                del self.states[client_id]
                self.size -= before
            return True
        after = len(entry.state)
        full = None
        if after > before:
            if person is not None and (self.person_bytes.get(person, 0) + after
                                       > MAX_PERSON_PRESENCE_BYTES):
                full = f"its sender's presence is full ({MAX_PERSON_PRESENCE_BYTES} bytes)"
            elif not exempt and self.size - before + after > MAX_BOARD_PRESENCE_BYTES:
                full = f"the board's presence is full ({MAX_BOARD_PRESENCE_BYTES} bytes)"
        if full is not None:
            if old_person is not None:  # the state it had stays, and stays its
                self.person_of[client_id] = old_person
                self.person_bytes[old_person] = self.person_bytes.get(old_person, 0) + before
            now = time.monotonic()
            if now - self.full_reported >= FULL_REPORT_EVERY:
                self.full_reported = now
                log.info("board %s: dropped a presence state: %s", self.board_id, full)
            return False
        self.states[client_id] = entry
        self.size += after - before
        if person is not None:
            self.person_of[client_id] = person
            self.person_bytes[person] = self.person_bytes.get(person, 0) + after
        return True

    def everyone_for(self, peer: Peer) -> bytes | None:
        """:meth:`everyone`, for a newcomer or as the answer to its query, when its person's
        allowance takes it (see :func:`.allowance.answer_allowance`), else None."""
        allowance = _person_allowance(self.answers, peer, answer_allowance)
        if allowance.take(self.size):
            return self.everyone()
        allowance.report(self.board_id, "answers with the board's presence")
        return None

    def everyone(self) -> bytes:
        """The awareness message a newcomer gets: our clients' states, and other nodes'
        clients' renewed lately (clients renew every 15 s; a node that died cannot say they
        left)."""
        now = time.monotonic()
        for client_id, seen in list(self.remote_seen.items()):
            if now - seen > REMOTE_PRESENCE_SECONDS and client_id not in self.holders:
                self._set(yp.AwarenessEntry(client_id, 0, "null"))
                del self.remote_seen[client_id]
        return yp.awareness_message(yp.encode_awareness(list(self.states.values())))

    def held(self) -> bytes | None:
        """Our own clients' states, as an awareness update (for another node that just opened
        the board), or None when none of them shows one."""
        entries = [self.states[client_id] for client_id in self.holders
                   if client_id in self.states]
        return yp.encode_awareness(entries) if entries else None

    def receive_remote(self, payload: bytes) -> bytes | None:
        """Presence another node accepted from its clients; the message for our peers (only
        the entries taken here: a state for a client of ours is not passed on), or None."""
        taken = []
        for entry in yp.parse_awareness(payload):
            if entry.client_id in self.holders:
                continue  # a client of ours now; its own presence wins
            if not self._set(entry):
                continue
            if entry.state == "null":
                self.remote_seen.pop(entry.client_id, None)
            else:
                self.remote_seen[entry.client_id] = time.monotonic()
            taken.append(entry)
        if not taken:
            return None
        return yp.awareness_message(yp.encode_awareness(taken))

    def receive(self, peer: Peer, payload: bytes) -> bytes | None:
        """Take a peer's awareness update; the accepted part (an awareness update for the
        others), or None when nothing was accepted."""
        now = time.monotonic()
        count = yp.awareness_count(payload)
        if count > self.most_entries():
            log.warning("board %s: dropped a presence message of %d entries, more than the "
                     "board's presence", self.board_id, count)
            return None
        own = []
        for entry in yp.parse_awareness(payload, check_states=False):
            if len(entry.state) > MAX_STATE_BYTES:
                log.info("board %s: dropped a presence state of %d bytes",
                         self.board_id, len(entry.state))
            elif self._may_set(peer, entry, now):
                own.append(vouched(entry, peer.role, peer.speaker))
            else:
                # y-websocket clients echo every state they learn of: normal, so not logged
                # above debug, and never taken as the echoing connection's own.
                log.debug("board %s: dropped presence for client id %d, not this connection's",
                          self.board_id, entry.client_id)
        if not own or not self._within_allowance(peer, own):
            return None
        accepted = []
        person = person_of(peer)
        for entry in own:
            client_id = entry.client_id
            if not self._set(entry, person, exempt=peer.role is Role.FACILITATOR):
                continue
            previous = self.holders.get(client_id)
            if previous is not None and previous is not peer:
                previous.awareness_ids.discard(client_id)
            if entry.state == "null":
                self.holders.pop(client_id, None)
                self.renewed.pop(client_id, None)
                peer.awareness_ids.discard(client_id)
            else:
                self.holders[client_id] = peer
                self.renewed[client_id] = now
                peer.awareness_ids.add(client_id)
            accepted.append(entry)
        if not accepted:
            return None
        return yp.encode_awareness(accepted)

    def most_entries(self) -> int:
        """The most entries a message may hold: an echo of every state the board shows (and
        of as many that left meanwhile), and a connection's own."""
        return 2 * (len(self.states) + MAX_IDS_PER_CONNECTION)

    def _within_allowance(self, peer: Peer, entries: list[yp.AwarenessEntry]) -> bool:
        """Spend the peer's presence allowance on a message of ``entries`` (its own), or say
        it is over (the message is dropped)."""
        allowance = _person_allowance(self.allowances, peer, presence_allowance)
        if allowance.take(sum(len(entry.state) for entry in entries)):
            return True
        allowance.report(self.board_id, "presence messages")
        return False

    def _may_set(self, peer: Peer, entry: yp.AwarenessEntry, now: float) -> bool:
        """Whether ``peer`` may set or remove the presence of ``entry``'s client id now.

        Ids belong to links (:meth:`ClientIds.may_show`: the link that wrote with the id, or
        whose writing connection showed it first), and a shown id to its connection: another
        connection, even of the same link (a shared guest link), takes it over only from a
        connection of another link after the id's writer came (the id is the writer's), or
        from one of its own link that stopped renewing it (clients renew every 15 s; after
        :data:`TAKEOVER_SECONDS` everyone's client drops the state as outdated anyway): a
        client reconnecting before the server noticed its old connection is gone.

        The holder is judged before the link, so a state echoed by another client (y-websocket
        clients send every state they learn of, the removals too) ties nothing to the echoing
        link; and removing a state one does not show removes nothing."""
        client_id = entry.client_id
        mine = client_id in peer.awareness_ids
        if not mine and (entry.state == "null"
                         or len(peer.awareness_ids) >= MAX_IDS_PER_CONNECTION
                         or client_id in self.remote_seen):  # shown by another node's client
            return False
        holder = self.holders.get(client_id)
        if holder is not None and holder is not peer and not holder.closing:
            if holder.link != peer.link:
                if self.client_ids.writer(client_id) != peer.link:
                    return False
            elif now - self.renewed.get(client_id, 0.0) < TAKEOVER_SECONDS:
                return False
        if not self.client_ids.may_show(client_id, peer.link, claims=peer.role.can_write):
            if mine:  # its writer came: the id is not this connection's now
                peer.awareness_ids.discard(client_id)
                self.holders.pop(client_id, None)
            return False
        return True

    def forget(self, peer: Peer) -> bytes | None:
        """A closed peer's cursors are gone (as y-websocket's server says); the awareness
        update saying so, or None."""
        gone = []
        for client_id in peer.awareness_ids:
            entry = self.states.get(client_id)
            self._set(yp.AwarenessEntry(client_id, 0, "null"))
            self.holders.pop(client_id, None)
            self.renewed.pop(client_id, None)
            self.client_ids.release_presence(client_id, peer.link)
            if entry is not None:
                gone.append(yp.AwarenessEntry(client_id, entry.clock + 1, "null"))
        peer.awareness_ids.clear()
        if not gone:
            return None
        return yp.encode_awareness(gone)


def _person_allowance(allowances: dict[Person, Allowance], peer: Peer,
                      new: Callable[[], Allowance]) -> Allowance:
    """The allowance of the person behind ``peer`` in ``allowances``, made (``new``) at first;
    at most MAX_ALLOWANCES are kept (see bounded.make_room)."""
    key = person_of(peer)
    allowance = allowances.get(key)
    if allowance is None:
        make_room(allowances, MAX_ALLOWANCES, lambda kept: kept.full, lambda kept: kept.stamp)
        allowance = allowances[key] = new()
    return allowance
