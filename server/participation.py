"""Who takes part: notes and edits per organisation and per step, and who has been silent.

The method asks that every partner takes an active part, and warns that an outer ring of
partners easily goes unheard; this gives the facilitator the numbers to act on it.

Edits are counted per connection by the server (a party link's partner, or a guest link's
typed organisation, kept apart and marked ``guest``), never from presence states. Notes count
for the organisation the server stamped on them; a guest's note counts for the guest entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from partnerboard.plugins import BoardSnapshot, CanvasSpec, zone_of

from . import heavy
from .api import authorize
from .requests import HTTPProblem
from .tokens import Role

__all__ = ["participation", "routes"]

#: How a guest's self-declared organisation is keyed (it is never a partner's).
GUEST = "guest:"


def participation(
    board: BoardSnapshot, spec: CanvasSpec, edits: Mapping[tuple[str, int], int]
) -> dict[str, Any]:
    """Counts per organisation and per step; ``edits`` maps (organisation, step) to updates."""
    step_of_zone = {zone_id: index + 1 for index, zone_id in enumerate(spec.steps)}
    partners = [partner.name for partner in board.partners]
    organisations: dict[str, dict[str, Any]] = {
        name: {"name": name, "invited": True, "notes": 0, "edits": 0, "notes_per_step": {}}
        for name in partners
    }

    def entry(key: str) -> dict[str, Any]:
        if key not in organisations:
            guest = key.startswith(GUEST)
            organisations[key] = {"name": key.removeprefix(GUEST), "invited": False,
                                  "notes": 0, "edits": 0, "notes_per_step": {}}
            if guest:
                organisations[key]["guest"] = True
        return organisations[key]

    steps = {index + 1: {"step": index + 1, "zone": zone_id, "notes": 0, "edits": 0}
             for index, zone_id in enumerate(spec.steps)}
    for element in board.of_kind(*spec.kinds("content")):
        if not element.org:
            continue
        row = entry(GUEST + element.org if element.get("guest") is True else element.org)
        row["notes"] += 1
        zone = zone_of(element, spec)
        step = step_of_zone.get(zone.id) if zone else None
        if step is not None:
            row["notes_per_step"][str(step)] = row["notes_per_step"].get(str(step), 0) + 1
            steps[step]["notes"] += 1
    for (org, step), count in edits.items():
        if org:
            entry(org)["edits"] += count
        if step in steps:
            steps[step]["edits"] += count
    silent = [name for name in partners if organisations[name]["notes"] == 0
              and organisations[name]["edits"] == 0]
    return {
        "organisations": sorted(organisations.values(), key=lambda row: (-row["notes"],
                                                                         row["name"])),
        "steps": list(steps.values()),
        "silent_partners": silent,
    }


async def participation_route(request: Request) -> Response:
    record, _role = authorize(request, Role.FACILITATOR)
    state = request.app.state
    spec = state.registry.canvas(record.canvas)
    if spec is None:
        raise HTTPProblem(409, f"the canvas {record.canvas!r} of this board is not installed")
    edits = dict(state.store.activity(record.id))
    room = state.rooms.loaded.get(record.id)
    for key, count in (room.activity.items() if room else ()):
        edits[key] = edits.get(key, 0) + count
    updates = heavy.stored_updates(state.rooms, record.id)
    counts = await heavy.on_updates(participation_stored, record.id, updates, spec, edits)
    return await heavy.json_response(counts)


def participation_stored(
    board_id: str, updates: list[bytes], spec: CanvasSpec, edits: Mapping[tuple[str, int], int]
) -> dict[str, Any]:
    """:func:`participation` of a board's stored updates (run in a worker process)."""
    return participation(heavy.snapshot_of_updates(board_id, updates), spec, edits)


routes = [Route("/api/boards/{board_id}/participation", participation_route)]
