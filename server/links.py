"""Who a token speaks for: its role, and for a party link, the partner organisation.

A board has three role links (facilitator, guest participant, observer) and one participant
link per partner ("party link"). The server decides a party link holder's organisation; a
guest's organisation is only what they typed, and is shown as such.

Every token is stored as a hash (see :mod:`.tokens`). So that the facilitator can see and share
the links again later, each link's token is also kept *sealed* under a key derived from the
facilitator's own token: the store alone cannot open them, only a request that presents the
facilitator token can. The seal is AES-256-GCM (a random 96-bit nonce per seal, the board id and
link name as associated data) under a key derived with HKDF-SHA256 from the facilitator token,
the board id and the link name; an opened token is also accepted only when its hash matches the
stored one.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .store import BoardRecord
from .tokens import Role

__all__ = [
    "Access", "ROLE_LINKS", "SEAL_VERSION", "link_of_party", "party_of_link", "seal", "unseal",
]

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


#: Marks the current seal: version 2 is HKDF-SHA256 and AES-256-GCM. Version 1 (a home-made
#: HMAC keystream, used only during the second development round) is not opened any more: such
#: a link shows as "re-issue this link to see it again".
SEAL_VERSION = "v2."
_NONCE_BYTES = 12


def _seal_key(facilitator_token: str, board_id: str, link: str) -> bytes:
    """A 256-bit key for one link of one board, derived from the facilitator's token."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"partnerboard-link-seal",
        info=_bound(board_id, link),
    ).derive(facilitator_token.encode("utf-8", "surrogatepass"))


def _bound(board_id: str, link: str) -> bytes:
    """What a sealed token is bound to: moved to another board or link, it does not open."""
    return f"{board_id}\x00{link}".encode("utf-8", "surrogatepass")


def seal(token: str, *, facilitator_token: str, board_id: str, link: str) -> str:
    """The token, sealed so that only the facilitator token opens it (``v2.`` + base64 text)."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    body = AESGCM(_seal_key(facilitator_token, board_id, link)).encrypt(
        nonce, token.encode(), _bound(board_id, link)
    )
    return SEAL_VERSION + base64.urlsafe_b64encode(nonce + body).decode()


def unseal(sealed: str, *, facilitator_token: str, board_id: str, link: str) -> str | None:
    """The sealed token, or None when it cannot be opened with this facilitator token (another
    token, another board or link, a changed value, or a seal of an older version)."""
    if not sealed.startswith(SEAL_VERSION):
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed[len(SEAL_VERSION):].encode())
    except ValueError:
        return None
    nonce, body = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    if len(nonce) < _NONCE_BYTES or not body:
        return None
    try:
        token = AESGCM(_seal_key(facilitator_token, board_id, link)).decrypt(
            nonce, body, _bound(board_id, link)
        )
        return token.decode("ascii")
    except (InvalidTag, UnicodeDecodeError):
        return None
