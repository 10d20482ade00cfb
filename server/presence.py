"""Presence (y-protocols awareness) of one room: whose cursor is where, and who may say so.

Rules, each closing a way one link holder could disturb the others:

* a connection sets and removes only the states of its own client ids: an id first shown (or
  written with) by another link is not its to change, nor one another connection shows (two
  guests share the guest link), so nobody can overwrite or erase another person's presence,
  or appear as the facilitator;
* a state over :data:`MAX_STATE_BYTES` is dropped (presence is a name, a colour and a cursor;
  a megabyte of it would be sent to every newcomer);
* a connection shows at most :data:`MAX_IDS_PER_CONNECTION` client ids.

What is accepted is re-encoded for the others, so a dropped entry is never forwarded.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from . import yprotocol as yp
from .client_ids import ClientIds

if TYPE_CHECKING:
    from .peer import Peer

__all__ = ["Presence", "MAX_STATE_BYTES", "MAX_IDS_PER_CONNECTION"]

log = logging.getLogger("partnerboard.presence")

MAX_STATE_BYTES = 8 * 1024
MAX_IDS_PER_CONNECTION = 16
#: Presence from another node not renewed for this long is not passed to newcomers.
REMOTE_PRESENCE_SECONDS = 30.0
#: A shown id not renewed for this long may be taken by another connection of its link.
TAKEOVER_SECONDS = 30.0


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

    def everyone(self) -> bytes:
        """The awareness message a newcomer gets: our clients' states, and other nodes'
        clients' renewed lately (clients renew every 15 s; a node that died cannot say they
        left)."""
        now = time.monotonic()
        for client_id, seen in list(self.remote_seen.items()):
            if now - seen > REMOTE_PRESENCE_SECONDS and client_id not in self.holders:
                self.states.pop(client_id, None)
                del self.remote_seen[client_id]
        return yp.awareness_message(yp.encode_awareness(list(self.states.values())))

    def receive_remote(self, payload: bytes) -> bytes | None:
        """Presence another node accepted from its clients; the message for our peers (only
        the entries taken here: a state for a client of ours is not passed on), or None."""
        taken = []
        for entry in yp.parse_awareness(payload):
            if entry.client_id in self.holders:
                continue  # a client of ours now; its own presence wins
            if entry.state == "null":
                self.states.pop(entry.client_id, None)
                self.remote_seen.pop(entry.client_id, None)
            else:
                self.states[entry.client_id] = entry
                self.remote_seen[entry.client_id] = time.monotonic()
            taken.append(entry)
        if not taken:
            return None
        return yp.awareness_message(yp.encode_awareness(taken))

    def receive(self, peer: Peer, payload: bytes) -> bytes | None:
        """Take a peer's awareness update; the accepted part (an awareness update for the
        others), or None when nothing was accepted."""
        accepted = []
        now = time.monotonic()
        for entry in yp.parse_awareness(payload):
            client_id = entry.client_id
            if len(entry.state) > MAX_STATE_BYTES:
                log.info("board %s: dropped a presence state of %d bytes",
                         self.board_id, len(entry.state))
                continue
            if not self._may_set(peer, client_id, now):
                # y-websocket clients echo every state they learn of: normal, so not logged
                # above debug, and never taken as the echoing connection's own.
                log.debug("board %s: dropped presence for client id %d, not this connection's",
                          self.board_id, client_id)
                continue
            previous = self.holders.get(client_id)
            if previous is not None and previous is not peer:
                previous.awareness_ids.discard(client_id)
            if entry.state == "null":
                self.states.pop(client_id, None)
                self.holders.pop(client_id, None)
                self.renewed.pop(client_id, None)
                peer.awareness_ids.discard(client_id)
            else:
                self.states[client_id] = entry
                self.holders[client_id] = peer
                self.renewed[client_id] = now
                peer.awareness_ids.add(client_id)
            accepted.append(entry)
        if not accepted:
            return None
        return yp.encode_awareness(accepted)

    def _may_set(self, peer: Peer, client_id: int, now: float) -> bool:
        """Whether ``peer`` may set or remove the presence of ``client_id`` now.

        Ids belong to links (:meth:`ClientIds.may_show`: the link that wrote with the id, or
        whose writing connection showed it first), and a shown id to its connection: another
        connection, even of the same link (a shared guest link), takes it over only from a
        connection of another link after the id's writer came (the id is the writer's), or
        from one of its own link that stopped renewing it (clients renew every 15 s; after
        :data:`TAKEOVER_SECONDS` everyone's client drops the state as outdated anyway): a
        client reconnecting before the server noticed its old connection is gone."""
        if client_id not in peer.awareness_ids and (
                len(peer.awareness_ids) >= MAX_IDS_PER_CONNECTION
                or client_id in self.remote_seen):  # shown by a client of another node
            return False
        if not self.client_ids.may_show(client_id, peer.link, claims=peer.role.can_write):
            if client_id in peer.awareness_ids:  # its writer came: the id is not ours now
                peer.awareness_ids.discard(client_id)
                self.holders.pop(client_id, None)
            return False
        holder = self.holders.get(client_id)
        if holder is None or holder is peer:
            return True
        if holder.link != peer.link:
            return self.client_ids.writer(client_id) == peer.link
        return now - self.renewed.get(client_id, 0.0) >= TAKEOVER_SECONDS

    def forget(self, peer: Peer) -> bytes | None:
        """A closed peer's cursors are gone (as y-websocket's server says); the awareness
        update saying so, or None."""
        gone = []
        for client_id in peer.awareness_ids:
            entry = self.states.pop(client_id, None)
            self.holders.pop(client_id, None)
            self.renewed.pop(client_id, None)
            self.client_ids.release_presence(client_id, peer.link)
            if entry is not None:
                gone.append(yp.AwarenessEntry(client_id, entry.clock + 1, "null"))
        peer.awareness_ids.clear()
        if not gone:
            return None
        return yp.encode_awareness(gone)
