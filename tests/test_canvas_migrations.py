"""A canvas plugin's new version migrates older boards once; a newer board opens read-only.

One data directory, three servers in turn, each with the "tables" canvas plugin installed in a
version of its own (issue 15, "Migrations"; DESIGN §10): version 1.0 makes a board, version 2.0
migrates it when it is opened (as one update, kept in the history, seen by every client), and
version 1.0 again finds a board made with 2.0 and refuses every change to it.
"""

from __future__ import annotations

import asyncio
import os
import textwrap
from pathlib import Path

import httpx
import pytest
from conftest import ServerProcess
from pycrdt import Map, Text
from yclient import connected, wait_for

PLUGIN = '''
    import os

    from partnerboard.plugins import (
        CanvasSpec, ElementKind, Migration, Rect, Zone, elements_by_zone, hookimpl, item)

    VERSION = os.environ["PB_TABLES_VERSION"]


    def responsible(board):
        """2.0 calls a seat's holder its "responsible" and prefixes the text."""
        for element in board["elements"].values():
            if element.get("kind") == "seat":
                element["responsible"] = element.pop("holder", "")
                element["text"] = "Zetel: " + element.get("text", "")
        board["meta"]["tables_note"] = "migrated"


    SPEC = CanvasSpec(
        id="tables", version=VERSION,
        title={"nl": "Tafels", "en": "Tables"}, description={"nl": "Zetels", "en": "Seats"},
        size=(1000, 600),
        zones=(Zone("seats", {"nl": "Zetels", "en": "Seats"}, Rect(0, 0, 1000, 600)),),
        element_kinds=(ElementKind("seat", {"nl": "Zetel", "en": "Seat"}),),
        migrations=(Migration("1.0", "2.0", responsible),) if VERSION != "1.0" else (),
    )


    @hookimpl
    def partnerboard_canvases():
        return [SPEC]


    @hookimpl
    def partnerboard_covenant(board, canvas):
        by_zone = elements_by_zone(board.of_kind("seat"), canvas)
        return {"seats": [item(e) for e in by_zone["seats"]]}
'''


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A directory with the tables plugin 'installed' (a dist-info with its entry point)."""
    folder = tmp_path / "site"
    dist_info = folder / "pb_tables-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: pb-tables\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text("[partnerboard]\ntables = pb_tables\n")
    (folder / "pb_tables.py").write_text(textwrap.dedent(PLUGIN))
    return folder


def server(data: Path, site: Path, version: str) -> ServerProcess:
    path = os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])
    return ServerProcess(data, env={"PYTHONPATH": path, "PB_TABLES_VERSION": version}).start()


def history_by(process: ServerProcess, board: dict) -> list[str]:
    answer = httpx.get(f"{process.url}/api/boards/{board['id']}/history", timeout=10, headers={
        "Authorization": f"Bearer {board['tokens']['facilitator']}"})
    assert answer.status_code == 200, answer.text
    return [point["by"] for point in answer.json()]


def seats(doc) -> dict[str, dict]:  # noqa: ANN001
    elements = doc.get("elements", type=Map)
    return {key: {k: str(v) if isinstance(v, Text) else v for k, v in value.items()}
            for key, value in elements.items() if isinstance(value, Map)}


def test_a_newer_canvas_migrates_older_boards_once_and_an_older_one_opens_them_read_only(
    tmp_path, site
):
    data = tmp_path / "data"
    first = server(data, site, "1.0")
    try:
        board = first.create_board("tables")

        async def make_a_seat() -> None:
            async with connected(first.board_ws(board, "facilitator")) as client:
                with client.doc.transaction():
                    client.elements["s1"] = Map({
                        "kind": "seat", "x": 100, "y": 100, "w": 160, "h": 100,
                        "text": Text("Wethouder"), "holder": "Ayla", "author": "F",
                        "org": "Gemeente", "color": "#ffe066", "created": 1})
                await asyncio.sleep(0.3)

        asyncio.run(make_a_seat())
    finally:
        first.stop()

    upgraded = server(data, site, "2.0")
    try:
        async def open_twice() -> tuple[dict, dict, str]:
            async with connected(upgraded.board_ws(board, "observer")) as one:
                await wait_for(lambda: "responsible" in seats(one.doc).get("s1", {}),
                               what="the migrated seat")
                async with connected(upgraded.board_ws(board, "participant")) as two:
                    meta = two.doc.get("meta", type=Map)
                    return seats(one.doc), seats(two.doc), meta.get("canvas_version")

        seen_one, seen_two, version = asyncio.run(open_twice())
        for seen in (seen_one, seen_two):
            assert seen["s1"]["responsible"] == "Ayla" and "holder" not in seen["s1"]
            assert seen["s1"]["text"] == "Zetel: Wethouder"
        assert version == "2.0"
        assert history_by(upgraded, board).count("migration") == 1
    finally:
        upgraded.stop()
    # Opened again by the same version: nothing left to migrate.
    again = server(data, site, "2.0")
    try:
        async def look() -> dict:
            async with connected(again.board_ws(board, "observer")) as client:
                return seats(client.doc)

        assert asyncio.run(look())["s1"]["text"] == "Zetel: Wethouder"
        assert history_by(again, board).count("migration") == 1
    finally:
        again.stop()

    older = server(data, site, "1.0")
    try:
        async def try_to_change() -> dict:
            async with connected(older.board_ws(board, "facilitator")) as writer:
                with writer.doc.transaction():
                    writer.elements["s1"]["responsible"] = "Bram"
                    writer.elements["s2"] = Map({"kind": "seat", "x": 400, "y": 100, "w": 160,
                                                 "h": 100, "text": Text("Directeur")})
                await asyncio.sleep(0.5)
            async with connected(older.board_ws(board, "observer")) as reader:
                return seats(reader.doc)

        seen = asyncio.run(try_to_change())
        assert set(seen) == {"s1"} and seen["s1"]["responsible"] == "Ayla"
        assert "made with version 2.0 of the canvas 'tables'" in older.log_path.read_text()
    finally:
        older.stop()
