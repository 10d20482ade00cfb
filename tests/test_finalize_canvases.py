"""Quadrant and game-rules boards filled through a real client finalize into their sections."""

from __future__ import annotations

import asyncio

import httpx
import jsonschema
from pycrdt import Map, Text
from yclient import connected

from partnerboard.canvases.game_rules.spec import SPEC as GAME_RULES
from partnerboard.canvases.influence_dependency.spec import SPEC as QUADRANT


def finalize(server, board) -> dict:
    answer = httpx.post(f"{server.url}/api/boards/{board['id']}/finalize", timeout=10,
                        headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
    assert answer.status_code == 200, answer.text
    covenant = answer.json()["covenant"]
    jsonschema.validate(covenant, httpx.get(server.url + "/api/covenant.schema.json").json())
    return covenant


def element(kind: str, text: str, centre: tuple[float, float], **keys) -> Map:
    w, h = keys.pop("size", (160, 100))
    return Map({"kind": kind, "x": centre[0] - w / 2, "y": centre[1] - h / 2, "w": w, "h": h,
                "text": Text(text), "author": "Test", "org": keys.pop("org", "Gemeente"),
                "color": "#fff", "created": keys.pop("created", 0), **keys})


def test_quadrant_partners_above_and_below_the_ambition_line(server):
    board = server.create_board(canvas="influence-dependency")
    plot = QUADRANT.zone("plot").rect

    def at(dependency: float, influence: float) -> tuple[float, float]:
        return plot.x + dependency * plot.w, plot.y + (1 - influence) * plot.h

    async def fill() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            with client.doc.transaction():
                client.elements["police"] = element("partner", "Police", at(0.8, 0.95),
                                                    size=(60, 60), created=1)
                target = at(0.8, 0.9)
                client.elements["school"] = element("partner", "School", at(0.8, 0.3),
                                                    size=(60, 60), created=2,
                                                    target_x=target[0], target_y=target[1])
                client.elements["parked"] = element("partner", "Shop", (-500, -500),
                                                    size=(60, 60), created=3)
            await client.flush()

    asyncio.run(fill())
    items = finalize(server, board)["sections"]["partner_strategy"]
    assert [(i["text"], i["ambition"]) for i in items] == [("Police", "above"),
                                                           ("School", "below")]
    school = items[1]
    assert school["dependency"] == 0.8 and school["influence"] == 0.3
    assert school["movement"] == ["up"] and school["desired"] == {"dependency": 0.8,
                                                                   "influence": 0.9}
    assert items[0]["relationship"] == "partnership"


def test_game_rules_linked_to_the_situations_they_prevent(server):
    board = server.create_board(canvas="game-rules")

    def centre(zone: str, offset: int = 0) -> tuple[float, float]:
        rect = GAME_RULES.zone(zone).rect
        return rect.x + rect.w / 2, rect.y + 120 + offset

    async def fill() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            with client.doc.transaction():
                elements = client.elements
                elements["s1"] = element("note", "Hearing news from the press", centre(
                    "never-again"), created=1)
                elements["s2"] = element("note", "Nobody picks up the phone",
                                         centre("never-again", 130), created=2)
                elements["r1"] = element("rule", "Tell partners before the press",
                                         centre("rules"), level="management", created=3)
                elements["r2"] = element("rule", "Call within a day", centre("rules", 130),
                                         level="practice", created=4)
                elements["a1"] = element("arrow", "", (0, 0), **{"from": "s1", "to": "r1"})
                elements["a2"] = element("arrow", "", (0, 0), **{"from": "r2", "to": "s2"})
                elements["g"] = element("note", "The alderman", centre("guardian"), created=5)
                elements["c"] = element("note", "Newsletter", centre("communication"),
                                        created=6)
            await client.flush()

    asyncio.run(fill())
    sections = finalize(server, board)["sections"]
    rules = [(r["text"], r["level"], [p["text"] for p in r["prevents"]])
             for r in sections["game_rules"]]
    assert rules == [
        ("Call within a day", "practice", ["Nobody picks up the phone"]),
        ("Tell partners before the press", "management", ["Hearing news from the press"]),
    ]
    assert [g["text"] for g in sections["guardian"]] == ["The alderman"]
    assert [c["text"] for c in sections["communication"]] == ["Newsletter"]
    markdown = httpx.get(f"{server.url}/api/boards/{board['id']}/covenant",
                         params={"format": "md", "token": board["tokens"]["observer"]}).text
    assert "Nobody picks up the phone" in markdown and "'element'" not in markdown
