"""Bringing a network member's fields onto one open board, as an update the server makes.

The board's stored partner list and its live document change together, while the board is held
still (PostgreSQL: its row lock): a finalize on another node either comes first (the board is
left as it was agreed) or after (its snapshot has the change). Every connected client receives
the update, like a restore. Notes carrying the old name as their organisation follow, so the
open board's covenant still credits them to a partner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map

from .store import BoardFrozen, BoardRecord, board_transaction

__all__ = ["MEMBER_KEYS", "sync_partner"]

#: The member keys a board partner carries besides its id (the board shows name and colour).
MEMBER_KEYS = ("name", "short_name", "color", "contact")
_OPTIONAL = ("short_name", "contact")


def _renamed(partner_id: str, member: dict[str, Any], old_name: str) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        entry = doc.get("partners", type=Map).get(partner_id)
        if not isinstance(entry, Map):
            return
        for key in MEMBER_KEYS:
            if member.get(key):
                entry[key] = member[key]
            elif key in _OPTIONAL and key in entry:
                del entry[key]
        if member["name"] != old_name:
            for element in doc.get("elements", type=Map).values():
                if isinstance(element, Map) and element.get("org") == old_name:
                    element["org"] = member["name"]
    return change


def sync_partner(state: Any, record: BoardRecord, partner_id: str, member: dict[str, Any]
                 ) -> bool:
    """Give the open board's partner the member's fields; False when the board is finalized
    (or the partner is gone) and was left alone.

    The partner list is read under the board's lock: one read before it missed a partner
    another node added meanwhile, and writing it back took that partner (and its link) away.
    """
    try:
        with board_transaction(state.store, record.id) as now:
            fresh = state.store.get_board(record.id)
            if now != "open" or fresh is None:
                return False
            partners = [dict(p) for p in fresh.partners]
            partner = next((p for p in partners if p["id"] == partner_id), None)
            if partner is None:
                return False
            old_name = partner["name"]
            partner.update({k: member[k] for k in MEMBER_KEYS if member.get(k)})
            for key in _OPTIONAL:
                if not member.get(key):
                    partner.pop(key, None)
            if partner == next(p for p in fresh.partners if p["id"] == partner_id):
                return True  # nothing to bring
            state.rooms.server_change(record.id, _renamed(partner_id, member, old_name),
                                      by="facilitator", note="network member")
            state.store.set_partners(record.id, partners)
    except BoardFrozen:  # finalized a moment ago, on another node
        return False
    return True
