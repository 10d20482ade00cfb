"""Signing a finalized board: only a party link signs, only for its own party, once per version.

The facilitator, an observer and the guest participant link cannot sign: nobody speaks for an
organisation but the holder of its own link. A signature records the party, the name as typed,
the time and the hash of the covenant that was signed. Names are compared in a normalised
form (:func:`.names.name_key`), so the same person cannot sign twice for one version by adding
a space or a zero-width character; a name with a bidirectional control character is refused.
"""

from __future__ import annotations

import json
import time

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .api import authorize_access, still_authorized, text_field
from .finalize import iso, signed_hash, signed_versions
from .names import name_key, without_bidi
from .requests import HTTPProblem, read_json
from .tokens import Role

__all__ = ["routes", "name_key", "MAX_SIGNER_NAME"]

MAX_SIGNER_NAME = 100


async def sign(request: Request) -> JSONResponse:
    access = authorize_access(request)
    if access.party is None:
        who = "the guest participant link" if access.is_guest else f"a {access.role.value}"
        raise HTTPProblem(403, f"{who} cannot sign: only a partner's own link signs for it")
    if access.role is not Role.PARTICIPANT:  # a party link is always a participant's
        raise HTTPProblem(403, "only a partner's own link signs for it")
    record = access.record
    if record.state != "finalized":
        raise HTTPProblem(409, "only a finalized board can be signed")
    body = await read_json(request, request.app.state.settings.max_message_bytes)
    if not isinstance(body, dict):
        raise HTTPProblem(400, "request body must be a JSON object")
    name = without_bidi(text_field(body, "name", MAX_SIGNER_NAME), "name")
    key = name_key(name)
    if not key:
        raise HTTPProblem(400, "field 'name' has no visible characters")
    store = request.app.state.store
    # The token again, now the body is in: a party link re-issued meanwhile does not sign.
    with still_authorized(request, access) as now:
        record = now.record
        digest = signed_hash(record)
        party = {"id": access.party["id"], "name": access.party["name"]}
        agreed = store.covenant(board_id=record.id)
        if agreed is not None and party["id"] not in _parties_of(agreed[0]):
            raise HTTPProblem(403, f"{party['name']} is not a party of this agreement")
        earlier = signed_versions(store, record) - {digest}
        if earlier and any(s["party_id"] == party["id"] and s["covenant_sha256"] in earlier
                           for s in store.party_signatures(record.id)):
            # Signed before names were redacted: the same agreement (server/privacy.py).
            raise HTTPProblem(409, f"{party['name']} has already signed this version")
        signed_at = iso(time.time())
        clash = store.add_party_signature(record.id, {
            "party_id": party["id"], "party_name": party["name"], "name": name, "name_key": key,
            "signed_at": signed_at, "covenant_sha256": digest,
        })
    if clash == "party":
        raise HTTPProblem(409, f"{party['name']} has already signed this version")
    if clash == "name":
        raise HTTPProblem(409, f"{name!r} has already signed this version for another party")
    return JSONResponse(
        {"party": party, "name": name, "signed_at": signed_at, "covenant_sha256": digest},
        status_code=201,
    )


def _parties_of(covenant: bytes) -> set[str]:
    """The partner ids a stored covenant names as its parties."""
    try:
        parties = json.loads(covenant).get("parties")
    except (ValueError, AttributeError):
        return set()
    return {p["id"] for p in parties if isinstance(p, dict) and isinstance(p.get("id"), str)} \
        if isinstance(parties, list) else set()


routes = [Route("/api/boards/{board_id}/signatures", sign, methods=["POST"])]
