"""People's names in a network's covenant versions, redacted with the boards they came from.

A version of the network's covenant (:mod:`.network_covenant`) is stored once, as canonical JSON
copied from its boards' covenants: their participants, and each item with its ``edited_by`` and
``owner``. When a finalized board of the network is redacted (erasure or retention, see
:mod:`.privacy`), every version made of that board is redacted the same way, or it would keep
the names the board no longer holds. Like a board's covenant, a version's bytes and hash
change: the new hash is stored, and the version's own ``redactions`` list records when, why,
the board, and the hash before. The signatures stay on the boards, bound to the hashes of the
boards' covenants, so a version still counts the signatures made before.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pycrdt import Doc

from .covenant_store import iso
from .redaction import Changes, NameRule, redact_network_covenant
from .store import BoardRecord

__all__ = ["redact_network_versions"]


def redact_network_versions(store: Any, record: BoardRecord, final: Doc, rule: NameRule,
                            known: dict[str, str], people: set[tuple[str, str]],
                            edited: set[str], reason: str, now: float) -> int:
    """Redact each version of the board's network that was made of this board; return how
    many changed.

    ``final`` is the board's redacted final snapshot, ``edited`` the elements whose editors
    were renamed in it, and ``people`` the (name, organisation) pairs its covenant named
    before the redaction.
    """
    row = store.network_of_board(record.id)
    if row is None:
        return 0
    changed = 0
    for made in store.network_covenants(row["network_id"]):
        if not any(board.get("id") == record.id for board in made["boards"]):
            continue
        entry = {"at": iso(now), "reason": reason, "board": record.id,
                 "covenant_sha256_before": made["sha256"],
                 "what": "the names of one board's people replaced by their organisation, as "
                         "in that board's covenant; its signatures still name that covenant's "
                         "hash before"}
        body = redact_network_covenant(made["body"], final, record.id, rule, known, people,
                                       entry, Changes(edited=set(edited)))
        if body is None:
            continue
        # A version redacted meanwhile by another node (the same work) is left as it made it.
        if store.replace_network_covenant(row["network_id"], made["version"], body,
                                          hashlib.sha256(body).hexdigest(), made["sha256"]):
            changed += 1
    return changed
