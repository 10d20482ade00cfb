"""A network's boards: made for it, listed whatever way they were made, opened with its key.

A board made from the network page has its facilitator token sealed for the network's key. A
new version made through the board itself (``POST /api/boards/{id}/versions``, with the
predecessor's facilitator token) joins the network too: its facilitator token is sealed for
the predecessor's, which the network's key opens, so the key opens the whole line of versions
while the server, holding only seals and hashes, opens none of them.

Each board also remembers which member each of its partners is (members may be renamed, and
leave), and the table it was made for, if any.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request

from .api import board_link, check_create_rate
from .boards import Boards, NewBoard, snapshot_of_record
from .links import seal, unseal
from .network_sync import sync_partner
from .requests import HTTPProblem
from .store import BoardRecord, Store
from .tokens import Role

__all__ = ["adopt_version", "boards_of", "create_for", "partner_members"]

_SEAL_LINK = "network"
_VERSION_SEAL = "network-version"


def partner_members(row: dict[str, Any], record: BoardRecord, network: dict[str, Any]
                    ) -> dict[str, str]:
    """The board's partner id -> member id.

    Boards made before migration 0009 did not record it; their partners are the members with
    the same name (they were made with the members' names, and no member could be renamed).
    """
    if row["partners"] is not None:
        return dict(row["partners"])
    by_name = {m["name"].casefold(): m["id"] for m in network["members"]}
    return {p["id"]: by_name[p["name"].casefold()] for p in record.partners
            if p["name"].casefold() in by_name}


def _facilitator_tokens(rows: list[dict[str, Any]], records: dict[str, BoardRecord],
                        key: str) -> dict[str, str | None]:
    """Each board's facilitator token: opened with the network's key, or with its
    predecessor's token (itself opened first: predecessors are older)."""
    tokens: dict[str, str | None] = {}
    for row in sorted(rows, key=lambda r: records[r["board_id"]].created_at):
        board_id, opener, link = row["board_id"], key, _SEAL_LINK
        if row["sealed_with"]:
            opener, link = tokens.get(row["sealed_with"]), _VERSION_SEAL
        tokens[board_id] = unseal(row["sealed"], facilitator_token=opener, board_id=board_id,
                                  link=link) if opener else None
    return tokens


def _took_part(store: Store, board_id: str) -> list[dict[str, Any]]:
    """Who joined the board (their seats: name and organisation as given) and when."""
    return [{"name": seat["name"], "org": seat["org"], "at": seat["created_at"]}
            for seat in store.seats(board_id)]


def boards_of(request: Request, network: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The network's boards, newest first: canvas, state (a finalized one with a newer version
    is "superseded"), dates, partners, who took part, and the facilitator link the key opens."""
    store = request.app.state.store
    rows, records = [], {}
    for row in store.network_boards(network["id"]):
        record = store.get_board(row["board_id"])
        if record is not None:
            rows.append(row)
            records[record.id] = record
    tokens = _facilitator_tokens(rows, records, key)
    listed = []
    for row in rows:
        record = records[row["board_id"]]
        token = tokens.get(record.id)
        listed.append({
            "id": record.id, "title": record.title, "canvas": record.canvas,
            "state": record.state, "created_at": record.created_at,
            "finalized_at": record.finalized_at, "predecessor": record.predecessor,
            "delegation": row["delegation"],
            "partners": [p["name"] for p in record.partners],
            "members": partner_members(row, record, network),
            "took_part": _took_part(store, record.id),
            "link": board_link(request, record.id, token) if token else None,
        })
    replaced = {row["predecessor"] for row in listed if row["predecessor"]}
    for row in listed:
        if row["id"] in replaced and row["state"] == "finalized":
            row["state"] = "superseded"
    return sorted(listed, key=lambda row: -row["created_at"])


def create_for(request: Request, network: dict[str, Any], key: str, canvas_id: str,
               title: str, language: str, members: list[dict[str, Any]],
               delegation: str | None = None) -> NewBoard:
    """A board of the network: ``members`` as partners (with their colours), party links."""
    spec = request.app.state.registry.canvas(canvas_id)
    if spec is None:
        raise HTTPProblem(404, f"unknown canvas {canvas_id!r}: see GET /api/canvases")
    check_create_rate(request)
    boards: Boards = request.app.state.boards
    created = boards.create(spec, title, language, [m["name"] for m in members],
                            [m["color"] for m in members],
                            [{k: m.get(k, "") for k in ("short_name", "contact")}
                             for m in members])
    sealed = seal(created.tokens[Role.FACILITATOR], facilitator_token=key,
                  board_id=created.record.id, link=_SEAL_LINK)
    request.app.state.store.add_network_board(
        network["id"], created.record.id, sealed, delegation=delegation,
        partners={f"p{index + 1}": m["id"] for index, m in enumerate(members)})
    request.app.state.registry.call_each(
        "partnerboard_board_created", board=snapshot_of_record(created.record))
    return created


def adopt_version(state: Any, predecessor: BoardRecord, created: NewBoard,
                  predecessor_token: str) -> None:
    """A new version made through a network board joins the network (nothing otherwise),
    and its partners take their members' fields of now (the finalized predecessor kept the
    ones it was agreed with)."""
    store: Store = state.store
    row = store.network_of_board(predecessor.id)
    if row is None:
        return
    sealed = seal(created.tokens[Role.FACILITATOR], facilitator_token=predecessor_token,
                  board_id=created.record.id, link=_VERSION_SEAL)
    store.add_network_board(row["network_id"], created.record.id, sealed,
                            partners=row["partners"], delegation=row["delegation"],
                            sealed_with=predecessor.id)
    found = store.network(row["network_id"])
    if found is None:
        return
    members = {m["id"]: m for m in found[0]["members"]}
    for partner_id, member_id in partner_members(row, created.record, found[0]).items():
        if member_id in members:
            sync_partner(state, created.record, partner_id, members[member_id])
            created = replace(created, record=store.get_board(created.record.id))
