"""The example canvas plugin (examples/partnerboard-roles), installed next to partnerboard,
gets what a built-in canvas gets from a real server: its canvas and browser module, its covenant
with its own chapter, titles, item words and checklist in every format, and its migration from
version 1.0 (issue 15, "Proof")."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import jsonschema
import pytest
from conftest import ServerProcess
from docx import Document
from pycrdt import Map, Text
from yclient import connected, wait_for

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "partnerboard-roles"
TOP, ROW, GAP = 120, 360, 30


def example_site(folder: Path) -> str:
    """A PYTHONPATH on which the example is installed: its source and its entry point."""
    dist_info = folder / "partnerboard_roles-2.0.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: partnerboard-roles\nVersion: 2.0.0\n")
    (dist_info / "entry_points.txt").write_text("[partnerboard]\nroles = partnerboard_roles\n")
    return os.pathsep.join([str(folder), str(EXAMPLE),
                            *filter(None, [os.environ.get("PYTHONPATH")])])


@pytest.fixture
def roles_server(tmp_path: Path):  # noqa: ANN201
    process = ServerProcess(tmp_path / "data",
                            env={"PYTHONPATH": example_site(tmp_path / "site")}).start()
    yield process
    process.stop()


def seat(text: str, org: str, table: int, x: float = 200, **keys: object) -> Map:
    """A seat at a table (0 executive, 1 management, 2 operations)."""
    y = TOP + table * (ROW + GAP) + 120
    return Map({"kind": "seat", "x": x, "y": y, "w": 200, "h": 110,
                "text": Text(text), "author": "F", "org": org, "color": "#d8ecd2",
                "created": 1, **keys})


def test_the_examples_own_tests_pass():
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=EXAMPLE, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout


def test_a_roles_board_is_served_and_finalized_into_its_own_chapter(roles_server):
    server = roles_server
    canvases = {c["id"]: c for c in httpx.get(server.url + "/api/canvases", timeout=5).json()}
    assert canvases["roles"]["plugin"] == "roles"
    module = httpx.get(server.url + "/-/plugins/roles/board.js", timeout=5)
    assert module.status_code == 200 and "registerKind('seat'" in module.text
    board = server.create_board("roles", language="nl", title="Regio Noord",
                                partners=[{"name": "Gemeente"}, {"name": "Zorg"}])

    async def seat_people() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            with client.doc.transaction():
                client.elements["s1"] = seat("Wethouder Ayla", "Gemeente", 0)
                client.elements["s2"] = seat("Bram", "Zorg", 2, rotates=True,
                                             until="2027-06-30")
            await asyncio.sleep(0.3)

    asyncio.run(seat_people())
    answer = httpx.post(f"{server.url}/api/boards/{board['id']}/finalize", timeout=10,
                        headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
    assert answer.status_code == 200, answer.text
    covenant = answer.json()["covenant"]
    jsonschema.validate(covenant, httpx.get(server.url + "/api/covenant.schema.json").json())
    assert covenant["chapters"][0] == {"id": "representation", "order": 15,
                                       "title": "Vertegenwoordiging",
                                       "sections": ["delegation", "rotation"]}
    checks = {check["id"]: check for check in covenant["completeness"]}
    assert checks["seated"]["status"] == "fully" and checks["terms"]["status"] == "fully"
    assert {"name": "roles", "version": "2.0.0"} in covenant["built_by"]

    headers = {"Authorization": f"Bearer {board['tokens']['observer']}"}
    url = f"{server.url}/api/boards/{board['id']}/covenant"
    markdown = httpx.get(url + "?format=md", headers=headers, timeout=10).text
    html = httpx.get(url + "?format=html", headers=headers, timeout=10).text
    docx = Document(io.BytesIO(httpx.get(url + "?format=docx", headers=headers,
                                         timeout=10).content))
    word = "\n".join(paragraph.text for paragraph in docx.paragraphs)
    for text in (markdown, html, word):
        assert "Vertegenwoordiging" in text and "Delegatie per tafel" in text
        assert "Wisselende zetels" in text and "Termijnen afgesproken" in text
        assert "Overige afspraken" not in text
    assert "Bram — *Zorg* (tafel: Uitvoeringstafel; tot: 30 juni 2027)" in markdown
    # Its kind draws itself in the board picture too.
    picture = httpx.get(f"{server.url}/api/boards/{board['id']}/image?format=svg",
                        headers=headers, timeout=10).text
    assert "Wethouder Ayla" in picture and "↻ wisselt tot 2027-06-30" in picture


def test_a_board_of_version_1_0_is_migrated_when_it_is_opened(tmp_path):
    path = example_site(tmp_path / "site")
    first = ServerProcess(tmp_path / "data", env={"PYTHONPATH": path}).start()
    try:
        board = first.create_board("roles")

        async def make_it_old() -> None:
            # As a board made with version 1.0 would be: rotation as text.
            async with connected(first.board_ws(board, "facilitator")) as client:
                with client.doc.transaction():
                    client.doc.get("meta", type=Map)["canvas_version"] = "1.0"
                    client.elements["s1"] = seat("Ilse", "Zorg", 1, rotation="yes")
                await asyncio.sleep(0.3)

        asyncio.run(make_it_old())
    finally:
        first.stop()
    again = ServerProcess(tmp_path / "data", env={"PYTHONPATH": path}).start()
    try:
        async def look() -> tuple[dict, str]:
            async with connected(again.board_ws(board, "observer")) as client:
                await wait_for(lambda: "rotates" in client.elements["s1"], what="migration")
                meta = client.doc.get("meta", type=Map)
                return dict(client.elements["s1"].items()), meta.get("canvas_version")

        seat_now, version = asyncio.run(look())
        assert seat_now["rotates"] is True and "rotation" not in seat_now
        assert version == "2.0"
    finally:
        again.stop()
