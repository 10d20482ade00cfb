"""Role tokens: random, stored only as hashes, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum

__all__ = ["Role", "new_token", "hash_token", "matches"]


class Role(StrEnum):
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"
    OBSERVER = "observer"

    @property
    def can_write(self) -> bool:
        return self is not Role.OBSERVER


def new_token() -> str:
    """A fresh token of 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """Tokens carry 192 bits of entropy, so a plain SHA-256 is enough (no need to stretch)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def matches(token: str, token_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), token_hash)
