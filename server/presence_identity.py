"""What a presence state may say about who is behind it: what the server knows, not a claim.

A presence (awareness) state is written by the client, and every other browser on the board
shows it: the people list, the cursor labels, the facilitator's count of who is done, and the
facilitator's view that everyone follows. Forwarded as written, a guest could appear as a
partner's member or as the facilitator, an observer could steer every participant's view, and a
name that is not a string froze the people list in every browser. So before a state is
forwarded, the parts that say who someone is are set from the connection:

* ``role``, when the state has one: the connection's role;
* ``follow`` (the view everyone follows): only the facilitator's is kept;
* ``user.name``: the seat's name when the connection presented a seat, else what the client
  typed (text, or empty);
* ``user.org``: a party link's partner; else the seat's typed organisation, else what the
  client typed; ``user.guest`` is true on every link but a party link and the facilitator's:
  who they are is only typed (browsers mark the organisation, or without one the name, as a
  guest's).

Everything else (cursor, colour, the note being edited, done) is the client's own, and a state
that claims nothing the server knows better is forwarded byte for byte as it came.
"""

from __future__ import annotations

import json
from typing import Any

from .attribution import Speaker
from .tokens import Role
from .yprotocol import AwarenessEntry, awareness_state

__all__ = ["vouched"]


def vouched(entry: AwarenessEntry, role: Role, speaker: Speaker | None) -> AwarenessEntry:
    """``entry`` with what it says about its sender set as the server knows it; a state that
    claims nothing the server knows better goes on unchanged. Raises ProtocolError when the
    state is not JSON (see awareness_state)."""
    value = awareness_state(entry)
    if not isinstance(value, dict):
        return entry  # "null" (gone), or a state no client shows anybody for
    before = _json(value)
    if "role" in value:
        value["role"] = role.value
    if role is not Role.FACILITATOR:
        value.pop("follow", None)
    if "user" in value:
        value["user"] = _user(value["user"], role, speaker)
    text = _json(value)
    if text == before:
        return entry
    return AwarenessEntry(entry.client_id, entry.clock, text)


def _user(claimed: object, role: Role, speaker: Speaker | None) -> dict[str, Any]:
    user = dict(claimed) if isinstance(claimed, dict) else {}
    if speaker is not None and speaker.name:  # a seat: its name and typed organisation
        user["name"], user["org"] = speaker.name, speaker.org
    if speaker is not None and speaker.party:
        user["org"] = speaker.party
    for key in ("name", "org"):
        if key in user and not isinstance(user[key], str):
            user[key] = ""
    vouched_for = role is Role.FACILITATOR or (speaker is not None and bool(speaker.party))
    if not vouched_for:
        # Only typed: browsers mark it as a guest's, the organisation or else the name (a
        # name such as "Anna (Gemeente)" read like a partner's member).
        user["guest"] = True
    elif "guest" in user:
        user["guest"] = False
    return user


def _json(value: object) -> str:
    """JSON text of ``value``; escaped to ASCII only when it holds a lone surrogate (JSON's
    ``\\ud800`` reads as one, and such a string has no UTF-8)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"))
    return text
