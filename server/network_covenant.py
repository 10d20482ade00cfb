"""The network's covenant: one agreement from the latest finalized board of each canvas.

A version is made when the facilitator asks for one (API or page), not at every finalize: a
network agreement is a step the group takes on purpose, and one table's board being finalized
should not silently rewrite what the whole network agreed. Each version is stored once, as
canonical JSON with its sha256, with the boards (and their covenants' hashes) it was composed
of; making a version when none of those changed is refused (409).

Signing stays where it is: a member organisation signs a board's covenant with its own party
link (:mod:`.signatures`), bound to that covenant's hash. A network version is signed by a
member when the member signed every board of the version it is a partner of; the page shows,
per version, who signed all, some or none of its parts. No second kind of signature is needed,
and none can be made for content nobody saw on a board.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from partnerboard.plugins.covenant_build import combine_covenants

from .covenant_api import render_covenant
from .covenant_diff import covenant_changes
from .covenant_store import board_covenant, canonical, covenant_document
from .finalize import signatures_of
from .network_access import opened, page_action
from .network_boards import partner_members
from .requests import HTTPProblem
from .store import BoardRecord

__all__ = ["routes", "page_routes", "versions", "pending_boards"]


def _latest_finalized(request: Request, network: dict[str, Any]
                      ) -> list[tuple[dict[str, Any], BoardRecord]]:
    """(network board row, record) of the latest finalized board of each canvas."""
    store = request.app.state.store
    latest: dict[str, tuple[dict[str, Any], BoardRecord]] = {}
    for row in store.network_boards(network["id"]):
        record = store.get_board(row["board_id"])
        if record is None or record.state != "finalized":
            continue
        kept = latest.get(record.canvas)
        if kept is None or (record.finalized_at or 0) > (kept[1].finalized_at or 0):
            latest[record.canvas] = (row, record)
    return sorted(latest.values(), key=lambda pair: pair[1].finalized_at or 0)


def compose(request: Request, network: dict[str, Any]) -> tuple[dict[str, Any],
                                                                list[dict[str, Any]]]:
    """The network's covenant of now (without signatures) and the boards it is made of."""
    state = request.app.state
    covenants, boards = [], []
    for _row, record in _latest_finalized(request, network):
        try:
            stored, digest = board_covenant(state.store, state.registry, record)
        except LookupError as error:
            raise HTTPProblem(409, str(error)) from None
        document = covenant_document(stored, digest, [])
        document["board"] = {**document["board"], "covenant_sha256": digest}
        covenants.append(document)
        boards.append({"id": record.id, "canvas": record.canvas, "title": record.title,
                       "finalized_at": record.finalized_at, "covenant_sha256": digest})
    if not covenants:
        raise HTTPProblem(409, "the network has no finalized board yet: finalize one first")
    combined = combine_covenants(network["name"], covenants)
    combined["signatures"] = []  # shown from the boards' own signatures, never stored here
    combined["network"] = {"id": network["id"], "name": network["name"]}
    return combined, boards


def make_version(request: Request, network: dict[str, Any]) -> dict[str, Any]:
    store = request.app.state.store
    combined, boards = compose(request, network)
    made = store.network_covenants(network["id"])
    if made and [b["covenant_sha256"] for b in made[-1]["boards"]] == [
            b["covenant_sha256"] for b in boards]:
        raise HTTPProblem(409, f"version {made[-1]['version']} is made of these very boards: "
                               "finalize a board first")
    body = canonical(combined)
    digest = hashlib.sha256(body).hexdigest()
    if store.add_network_covenant(network["id"], time.time(), boards, body, digest) is None:
        raise HTTPProblem(409, "another version was made at the same moment: look again")
    return versions(request, network)[-1]


def _signatures(request: Request, network: dict[str, Any], boards: list[dict[str, Any]]
                ) -> list[dict[str, Any]]:
    """Per member: of the version's boards it is a partner of, which it signed (for the very
    covenant the version holds), and who signed."""
    store = request.app.state.store
    rows = {row["board_id"]: row for row in store.network_boards(network["id"])}
    per_member: dict[str, dict[str, Any]] = {}
    for board in boards:
        record = store.get_board(board["id"])
        row = rows.get(board["id"])
        if record is None or row is None:
            continue
        signed = {s["party_id"]: s["name"] for s in store.party_signatures(record.id)
                  if s["covenant_sha256"] == board["covenant_sha256"]}
        for party_id, member_id in partner_members(row, record, network).items():
            entry = per_member.setdefault(member_id, {"member": member_id, "parts": 0,
                                                      "signed": 0, "signers": []})
            entry["parts"] += 1
            if party_id in signed:
                entry["signed"] += 1
                entry["signers"].append(signed[party_id])
    names = {m["id"]: m["name"] for m in network["members"]}
    return [{**entry, "name": names.get(member, member)}
            for member, entry in sorted(per_member.items(),
                                        key=lambda pair: names.get(pair[0], pair[0]))]


def versions(request: Request, network: dict[str, Any]) -> list[dict[str, Any]]:
    """Every version, oldest first: its boards, what changed since the one before, who
    signed."""
    listed, before = [], None
    for made in request.app.state.store.network_covenants(network["id"]):
        body = json.loads(made["body"])
        listed.append({
            "version": made["version"], "made_at": made["made_at"], "sha256": made["sha256"],
            "boards": made["boards"], "changes": covenant_changes(before, body),
            "signatures": _signatures(request, network, made["boards"]),
        })
        before = body
    return listed


def pending_boards(request: Request, network: dict[str, Any], made: list[dict[str, Any]]
                   ) -> list[BoardRecord]:
    """Latest finalized boards not in the last version (what a new version would add)."""
    included = {b["covenant_sha256"] for b in made[-1]["boards"]} if made else set()
    return [record for _row, record in _latest_finalized(request, network)
            if (record.covenant_sha256 or "") not in included]


async def api_make(request: Request) -> JSONResponse:
    network, _key = opened(request)
    return JSONResponse(make_version(request, network), status_code=201)


async def api_versions(request: Request) -> JSONResponse:
    network, _key = opened(request)
    return JSONResponse(versions(request, network))


async def api_version(request: Request) -> Response:
    """One version in any covenant format, with the signatures its boards have now."""
    network, _key = opened(request)
    wanted = request.path_params["version"]
    made = next((m for m in request.app.state.store.network_covenants(network["id"])
                 if str(m["version"]) == wanted), None)
    if made is None:
        raise HTTPProblem(404, f"this network has no covenant version {wanted[:20]!r}")
    document = json.loads(made["body"])
    document["covenant_sha256"] = made["sha256"]
    store = request.app.state.store
    for board in made["boards"]:
        record = store.get_board(board["id"])
        if record is not None:
            document["signatures"] += [s for s in signatures_of(store, record)
                                       if s["covenant_sha256"] == board["covenant_sha256"]]
    response = await render_covenant(request, document, f"network-covenant-{made['version']}")
    response.headers["x-covenant-sha256"] = made["sha256"]
    return response


routes = [
    Route("/api/networks/{network_id}/covenants", api_make, methods=["POST"]),
    Route("/api/networks/{network_id}/covenants", api_versions, methods=["GET"]),
    Route("/api/networks/{network_id}/covenants/{version}", api_version, methods=["GET"]),
]


async def _page_make(request: Request, network: dict[str, Any], key: str, form: FormData
                     ) -> None:
    make_version(request, network)


async def page_make(request: Request) -> Response:
    return await page_action(request, _page_make, anchor="covenant")


page_routes = [Route("/n/{network_id}/covenants", page_make, methods=["POST"])]
