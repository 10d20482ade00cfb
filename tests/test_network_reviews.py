"""Issue 17: the recurring review: a scoring canvas scheduled every so many months, when the
next check is due, and the scores of every past check side by side as server-drawn SVG."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from test_network_members import call, finalize, make_network, network_board
from yclient import connected, wait_for

from partnerboard.server.network_reviews import chart_svg
from partnerboard.server.network_tables import add_months


def blocks(server) -> list[dict]:  # noqa: ANN001
    spec = httpx.get(f"{server.url}/api/canvases/building-blocks", timeout=10).json()
    return [z for z in spec["zones"] if not z.get("parking")]


def score(server, board: dict, zone: dict, values: list[int]) -> None:  # noqa: ANN001
    async def work() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            await asyncio.wait_for(client.synced.wait(), 10)
            rect = zone["rect"]
            for index, value in enumerate(values):
                client.add_note(f"s{index}", str(value), x=rect["x"] + 10 + 40 * index,
                                y=rect["y"] + 40, kind="score", value=value, w=30, h=30)
            await client.flush()
        async with connected(server.board_ws(board, "observer")) as check:
            await wait_for(lambda: len(check.elements) == len(values), what="scores stored")

    asyncio.run(work())


def test_checks_are_scheduled_and_their_scores_charted_side_by_side(server):
    net = make_network(server)
    path = f"/api/networks/{net['id']}/review"
    assert call(server, "GET", path, net["key"]).json()["next_due"] is None
    set_ = call(server, "PUT", path, net["key"],
                json={"canvas": "building-blocks", "every_months": 12})
    assert set_.status_code == 200, set_.text
    today = datetime.now(UTC).date()
    assert (set_.json()["next_due"], set_.json()["overdue"]) == (today.isoformat(), True)

    zone = blocks(server)[0]
    first = network_board(server, net, "building-blocks", title="Check <2026> & more")
    score(server, first, zone, [2, 3])
    finalize(server, first)
    second = network_board(server, net, "building-blocks", title="Check 2027")
    score(server, second, zone, [4])
    finalize(server, second)
    review = call(server, "GET", path, net["key"]).json()
    title = zone["title"]["en"]
    assert [c["scores"][title] for c in review["checks"]] == [2.5, 4]
    assert [c["board"] for c in review["checks"]] == [first["id"], second["id"]]
    assert review["next_due"] == add_months(today, 12).isoformat()
    assert review["overdue"] is False
    assert review["scale"] == [1, 5]

    page = call(server, "GET", f"/n/{net['id']}?key={net['key']}&lang=en").text
    chart = page[page.index('<svg xmlns="http://www.w3.org/2000/svg" class="review-chart"'):]
    chart = chart[:chart.index("</svg>")]
    assert 'data-score="2.5"' in chart and 'data-score="4"' in chart
    assert "Check &lt;2026&gt; &amp; more" in chart and "<2026>" not in page
    assert "<script" not in chart
    assert "Next check due by" in page

    # Unscheduled again: no date, the past checks stay.
    off = call(server, "PUT", path, net["key"],
               json={"canvas": "building-blocks", "every_months": 0}).json()
    assert off["next_due"] is None and len(off["checks"]) == 2


def test_the_review_refuses_canvases_that_do_not_score_bad_intervals_and_wrong_keys(server):
    net, other = make_network(server), make_network(server)
    path = f"/api/networks/{net['id']}/review"
    for body, words in (
        ({"canvas": "partnership-map", "every_months": 12}, "'canvas'"),
        ({"canvas": None, "every_months": 12}, "'canvas'"),
        ({"canvas": ["building-blocks"], "every_months": 12}, "'canvas'"),
        ({"canvas": "building-blocks", "every_months": -1}, "every_months"),
        ({"canvas": "building-blocks", "every_months": 121}, "every_months"),
        ({"canvas": "building-blocks", "every_months": "12"}, "every_months"),
        ({"canvas": "building-blocks", "every_months": True}, "every_months"),
    ):
        answer = call(server, "PUT", path, net["key"], json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert words in answer.json()["error"]
    good = {"canvas": "building-blocks", "every_months": 12}
    assert call(server, "PUT", path, other["key"], json=good).status_code == 403
    assert call(server, "PUT", path, json=good).status_code == 401
    assert call(server, "GET", path, other["key"]).status_code == 403
    form = call(server, "POST", f"/n/{net['id']}/review?lang=en", follow_redirects=False,
                data={"key": net["key"], "canvas": "building-blocks", "every_months": "6"})
    assert form.status_code == 303
    assert call(server, "GET", path, net["key"]).json()["every_months"] == 6
    bad = call(server, "POST", f"/n/{net['id']}/review",
                data={"key": net["key"], "canvas": "building-blocks", "every_months": "six"})
    assert bad.status_code == 400
    # Digits of other scripts pass str.isdigit() but are no number here: a 400, not a 500.
    for months in ("²", "١٢"):
        bad = call(server, "POST", f"/n/{net['id']}/review",
                    data={"key": net["key"], "canvas": "building-blocks", "every_months": months})
        assert bad.status_code == 400 and "every_months" in bad.text, months


def test_the_chart_escapes_every_text_and_skips_blocks_without_scores():
    view = {"scale": [1, 5], "checks": [
        {"scores": {'<b onload="x">': 3.5, "Gelijkwaardigheid": None}},
        {"scores": {'<b onload="x">': 4.25, "Gelijkwaardigheid": 2}}]}
    svg = chart_svg(view, 'Scores "per" <block>', ["1 maart 2026 · <i>", "2 maart 2027"])
    assert "<b " not in svg and "<i>" not in svg and "&lt;b onload=&quot;x&quot;&gt;" in svg
    assert 'aria-label="Scores &quot;per&quot; &lt;block&gt;"' in svg
    assert svg.count("data-score=") == 3  # the missing score is a dash, not a bar
    assert chart_svg({"scale": [1, 5], "checks": []}, "t", []) == ""
