"""Who a token speaks for: its role, and for a party link, the partner organisation.

A board has three role links (facilitator, guest participant, observer) and one participant
link per partner ("party link"). The server decides a party link holder's organisation; a
guest's organisation is only what they typed, and is shown as such.

Every token is stored as a hash (see :mod:`.tokens`). So that the facilitator can see and share
the links again later, each link's token is also kept *sealed* under a key derived from the
facilitator's own token: the store alone cannot open them, only a request that presents the
facilitator token can. The seal is a keystream from HMAC-SHA256 (a PRF) in counter mode with a
random nonce per seal; an opened token is accepted only when its hash matches the stored one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from .store import BoardRecord
from .tokens import Role

__all__ = ["Access", "ROLE_LINKS", "link_of_party", "party_of_link", "seal", "unseal"]

#: The role links every board has, in the order pages list them.
ROLE_LINKS = ("facilitator", "participant", "observer")


def link_of_party(party_id: str) -> str:
    return f"party:{party_id}"


def party_of_link(link: str) -> str | None:
    return link.removeprefix("party:") if link.startswith("party:") else None


@dataclass(frozen=True)
class Access:
    """What a presented token grants on a board."""

    record: BoardRecord
    role: Role
    #: "facilitator", "participant" (the guest link), "observer" or "party:<id>".
    link: str
    #: The partner ``{"id", "name", "color"}`` of a party link, else None.
    party: dict[str, Any] | None = None

    @property
    def is_guest(self) -> bool:
        return self.link == Role.PARTICIPANT.value

    def party_json(self) -> dict[str, str] | None:
        return {"id": self.party["id"], "name": self.party["name"]} if self.party else None


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hmac.digest(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256))
    return b"".join(blocks)[:length]


def _seal_key(facilitator_token: str, board_id: str, link: str) -> bytes:
    material = f"partnerboard-link-seal\x00{board_id}\x00{link}".encode()
    return hmac.digest(facilitator_token.encode("utf-8", "surrogatepass"), material, "sha256")


def seal(token: str, *, facilitator_token: str, board_id: str, link: str) -> str:
    """The token, sealed so that only the facilitator token opens it (base64 text)."""
    nonce = secrets.token_bytes(16)
    data = token.encode()
    stream = _keystream(_seal_key(facilitator_token, board_id, link), nonce, len(data))
    return base64.urlsafe_b64encode(nonce + bytes(a ^ b for a, b in zip(data, stream,
                                                                          strict=True))).decode()


def unseal(sealed: str, *, facilitator_token: str, board_id: str, link: str) -> str | None:
    """The sealed token, or None when it cannot be opened with this facilitator token."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except ValueError:
        return None
    nonce, body = raw[:16], raw[16:]
    if len(nonce) < 16 or not body:
        return None
    stream = _keystream(_seal_key(facilitator_token, board_id, link), nonce, len(body))
    try:
        return bytes(a ^ b for a, b in zip(body, stream, strict=True)).decode("ascii")
    except UnicodeDecodeError:
        return None
