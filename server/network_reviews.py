"""The network's recurring review: a health check scheduled every so many months, and the
scores of every past check side by side, so the network sees its collaboration improve or slip.

Which canvas is a check is declared, not known: a canvas whose covenant section declares a
``score`` key (the building blocks declare each block's ``mean``) can be scheduled. The scores
come from the finalized boards' stored covenants, so a chart never changes after the fact.
The chart is SVG drawn on the server (no script), every text in it escaped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from partnerboard.plugins.agreement import CovenantSection
from partnerboard.plugins.manager import PluginRegistry

from .covenant_store import board_covenant
from .network_access import opened, page_action
from .network_tables import MAX_MONTHS, add_months, form_number
from .requests import HTTPProblem, read_json_object

__all__ = ["chart_svg", "page_routes", "review_view", "routes", "scored_canvases"]


def scored_canvases(registry: PluginRegistry) -> dict[str, CovenantSection]:
    """Canvas id -> its first section that declares a score."""
    found = {}
    for spec, _plugin in registry.canvases.values():
        section = next((s for s in spec.sections if s.score), None)
        if section is not None:
            found[spec.id] = section
    return found


def checks(request: Request, network: dict[str, Any], canvas: str, section: CovenantSection
           ) -> list[dict[str, Any]]:
    """Every finalized board of the canvas, oldest first: title, date, score per item."""
    state = request.app.state
    found = []
    for row in state.store.network_boards(network["id"]):
        record = state.store.get_board(row["board_id"])
        if record is None or record.state != "finalized" or record.canvas != canvas:
            continue
        try:
            stored, _digest = board_covenant(state.store, state.registry, record)
        except LookupError:
            continue
        scores = {}
        for item in stored.get("sections", {}).get(section.id, []):
            value = item.get(section.score)
            scores[str(item.get("text", ""))] = (
                value if isinstance(value, int | float) and not isinstance(value, bool) else None)
        found.append({"board": record.id, "title": record.title,
                      "finalized_at": record.finalized_at, "scores": scores})
    return sorted(found, key=lambda check: check["finalized_at"] or 0)


def review_view(request: Request, network: dict[str, Any], today: date | None = None
                ) -> dict[str, Any]:
    """The schedule (canvas, months), the next check's date, whether it is overdue, and the
    past checks with their scores."""
    today = today or datetime.now(UTC).date()
    scored = scored_canvases(request.app.state.registry)
    review = network.get("review") or {}
    canvas = review.get("canvas") or next(iter(sorted(scored)), None)
    past = checks(request, network, canvas, scored[canvas]) if canvas in scored else []
    due = None
    if review.get("every_months") and past:
        last = datetime.fromtimestamp(past[-1]["finalized_at"], UTC).date()
        due = add_months(last, review["every_months"])
    elif review.get("every_months"):  # no check yet: the first is due from the day it was set
        due = date.fromisoformat(review["since"])
    return {"canvas": canvas, "every_months": review.get("every_months", 0),
            "next_due": due.isoformat() if due else None,
            "overdue": bool(due and due <= today), "checks": past,
            "scale": list(scored[canvas].score_scale) if canvas in scored else None}


#: From the oldest check (light) to the latest (dark), spread over as many checks as there are.
_SHADES = ("#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
_LABEL_CHARS = 44


def _shade(index: int, count: int) -> str:
    return _SHADES[-1] if count == 1 else _SHADES[round(index * (len(_SHADES) - 1) / (count - 1))]


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[:_LABEL_CHARS - 1] + "…"


def chart_svg(view: dict[str, Any], title: str, dates: list[str]) -> str:
    """Per item a group of horizontal bars, one per check (oldest first), on the scale."""
    past, scale = view["checks"], view["scale"]
    if not past or not scale:
        return ""
    labels = list(dict.fromkeys(label for check in past for label in check["scores"]))
    low, high = scale
    bar, gap, left, width = 9, 8, 300, 300
    group = bar * len(past) + gap
    legend = 18 * len(past) + 10
    height = legend + group * len(labels) + 24
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="review-chart" role="img" '
           f'width="{left + width + 60}" height="{height}" '
           f'viewBox="0 0 {left + width + 60} {height}" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>"]
    for index, day in enumerate(dates):
        y = 4 + 18 * index
        out.append(f'<rect x="{left}" y="{y}" width="12" height="12" '
                   f'fill="{_shade(index, len(past))}"/>')
        out.append(f'<text x="{left + 18}" y="{y + 11}" font-size="12">{escape(day)}</text>')
    for step in range(int(low), int(high) + 1):
        x = left + (step - low) / (high - low) * width
        out.append(f'<line x1="{x:.1f}" y1="{legend - 4}" x2="{x:.1f}" y2="{height - 20}" '
                   'stroke="#d0d5dc"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="11" '
                   f'text-anchor="middle">{step}</text>')
    for row, label in enumerate(labels):
        top = legend + row * group
        out.append(f'<text x="{left - 8}" y="{top + group / 2 + 2:.1f}" font-size="12" '
                   f'text-anchor="end" class="block"><title>{escape(label)}</title>'
                   f"{escape(_short(label))}</text>")
        for index, check in enumerate(past):
            value = check["scores"].get(label)
            y = top + index * bar
            if value is None:
                out.append(f'<text x="{left + 4}" y="{y + bar - 1}" font-size="9">–</text>')
                continue
            length = max(1.0, (min(max(value, low), high) - low) / (high - low) * width)
            out.append(f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar - 1}" '
                       f'fill="{_shade(index, len(past))}" data-score="{value:g}">'
                       f"<title>{escape(label)}: {value:g}</title></rect>")
            out.append(f'<text x="{left + length + 4:.1f}" y="{y + bar - 1}" '
                       f'font-size="9">{value:g}</text>')
    out.append("</svg>")
    return "".join(out)


def set_review(request: Request, network: dict[str, Any], canvas: object, months: object
               ) -> dict[str, Any]:
    scored = scored_canvases(request.app.state.registry)
    if not isinstance(canvas, str) or canvas not in scored:
        known = ", ".join(sorted(scored)) or "none installed"
        raise HTTPProblem(400, f"field 'canvas' must be a canvas that scores ({known})")
    if isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= MAX_MONTHS:
        raise HTTPProblem(400, f"field 'every_months' must be a whole number from 0 (not "
                               f"scheduled) to {MAX_MONTHS}")
    review = {"canvas": canvas, "every_months": months,
              "since": datetime.now(UTC).date().isoformat()}
    request.app.state.store.set_network_review(network["id"], review)
    network["review"] = review
    return review_view(request, network)


async def api_read(request: Request) -> JSONResponse:
    network, _key = opened(request)
    return JSONResponse(review_view(request, network))


async def api_set(request: Request) -> JSONResponse:
    network, _key = opened(request)
    body = await read_json_object(request)
    return JSONResponse(set_review(request, network, body.get("canvas"),
                                   body.get("every_months")))


routes = [
    Route("/api/networks/{network_id}/review", api_read, methods=["GET"]),
    Route("/api/networks/{network_id}/review", api_set, methods=["PUT"]),
]


async def _page_set(request: Request, network: dict[str, Any], key: str, form: FormData
                    ) -> None:
    set_review(request, network, str(form.get("canvas", "")), form_number(form, "every_months"))


async def page_set(request: Request) -> Response:
    return await page_action(request, _page_set, anchor="review")


page_routes = [Route("/n/{network_id}/review", page_set, methods=["POST"])]
