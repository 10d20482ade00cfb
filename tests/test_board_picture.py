"""The board as a picture (issue 14): SVG, PNG and PDF drawn by a real server without a
browser, for open and finalized boards, with what participants typed as text only."""

from __future__ import annotations

import asyncio
import struct
import xml.etree.ElementTree as ET

import httpx
import pytest
from pycrdt import Map, Text
from yclient import connected

from partnerboard.canvases.influence_dependency.spec import SPEC as QUADRANT

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def image(server, board: dict, fmt: str = "svg", role: str = "observer") -> httpx.Response:  # noqa: ANN001
    return httpx.get(f"{server.url}/api/boards/{board['id']}/image?format={fmt}", timeout=30,
                     headers={"Authorization": f"Bearer {board['tokens'][role]}"})


def fill_quadrant(server, board: dict) -> None:  # noqa: ANN001
    plot = QUADRANT.zone("plot").rect

    async def write() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            with client.doc.transaction():
                client.elements["m1"] = Map({
                    "kind": "partner", "x": plot.x + 100, "y": plot.y + 100, "w": 180, "h": 52,
                    "text": Text("Woningcorporatie"), "author": "F", "org": "Gemeente",
                    "color": "", "created": 1, "target_x": plot.x + 400,
                    "target_y": plot.y + 60})
                client.elements["n1"] = Map({
                    "kind": "note", "x": plot.x + 500, "y": plot.y + 300, "w": 160, "h": 100,
                    "text": Text(HOSTILE), "author": "Anna", "org": "Zorg",
                    "color": "#ffe066", "created": 2})
                client.elements["a1"] = Map({
                    "kind": "arrow", "x": 0, "y": 0, "w": 0, "h": 0, "text": Text(""),
                    "author": "F", "org": "Gemeente", "color": "", "from": "m1", "to": "n1",
                    "created": 3})
            await asyncio.sleep(0.3)

    asyncio.run(write())


def texts(svg: ET.Element) -> str:
    """Every line of text in the picture, one after the other."""
    return " ".join(span.text or "" for span in svg.iter(f"{SVG}tspan"))


def test_an_open_board_is_drawn_as_svg_with_its_canvas_kinds_and_text_as_text(server):
    board = server.create_board("influence-dependency", language="en")
    fill_quadrant(server, board)
    answer = image(server, board)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    svg = ET.fromstring(answer.content)
    assert svg.get("viewBox") == f"0 0 {QUADRANT.size[0]} {QUADRANT.size[1]}"
    # Compared without spaces: long words and lines wrap.
    written = "".join(texts(svg).split())
    for expected in ("Woningcorporatie", HOSTILE, "Dependency on the partner", "Zorg · Anna"):
        assert "".join(expected.split()) in written
    # The typed markup stays text: no element of it, and nothing that runs.
    tags = {node.tag.removeprefix(SVG) for node in svg.iter()}
    assert not tags & {"script", "b", "foreignObject", "a", "image"}
    lines = list(svg.iter(f"{SVG}line"))
    assert any(line.get("stroke") == "#c0392b" for line in lines)  # the ambition line
    assert sum(line.get("marker-end") == "url(#arrow-head)" for line in lines) >= 2


def test_png_and_pdf_are_made_from_the_same_picture(server):
    board = server.create_board("building-blocks", language="nl")
    png = image(server, board, "png")
    assert png.status_code == 200, png.text
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png.content[16:24])
    spec = httpx.get(f"{server.url}/api/canvases/building-blocks", timeout=5).json()
    assert (width, height) == (spec["size"]["w"], spec["size"]["h"])
    pdf = image(server, board, "pdf", role="participant")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"


def test_a_finalized_board_is_drawn_from_its_snapshot(server):
    board = server.create_board("influence-dependency", language="nl")
    fill_quadrant(server, board)
    before = image(server, board).content
    done = httpx.post(f"{server.url}/api/boards/{board['id']}/finalize", timeout=10,
                      headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
    assert done.status_code == 200
    after = image(server, board)
    assert after.status_code == 200 and after.content == before
    assert "Afhankelijkheid van de partner" in texts(ET.fromstring(after.content))


@pytest.mark.parametrize(("fmt", "headers", "status"), [
    ("gif", True, 400), ("svg", False, 401), ("svg", "wrong", 403)])
def test_bad_requests_get_a_clear_answer(server, fmt, headers, status):
    board = server.create_board()
    token = {True: board["tokens"]["observer"], "wrong": "x" * 40}.get(headers)
    answer = httpx.get(f"{server.url}/api/boards/{board['id']}/image?format={fmt}", timeout=10,
                       headers={"Authorization": f"Bearer {token}"} if token else {})
    assert answer.status_code == status
    assert answer.json()["error"]


def test_the_covenant_keeps_the_finalized_boards_picture_in_html_and_word(server):
    import base64
    import io

    from docx import Document

    board = server.create_board("influence-dependency", language="nl")
    fill_quadrant(server, board)
    done = httpx.post(f"{server.url}/api/boards/{board['id']}/finalize", timeout=10,
                      headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
    covenant = done.json()["covenant"]
    assert covenant["picture"] == image(server, board).text  # the same drawing, stored
    url = f"{server.url}/api/boards/{board['id']}/covenant"
    headers = {"Authorization": f"Bearer {board['tokens']['observer']}"}
    html = httpx.get(url + "?format=html", headers=headers, timeout=10).text
    uri = "data:image/svg+xml;base64," + base64.b64encode(
        covenant["picture"].encode()).decode()
    assert f'src="{uri}"' in html and "Het bord zoals het is afgerond" in html
    first = httpx.get(url + "?format=docx", headers=headers, timeout=30).content
    assert httpx.get(url + "?format=docx", headers=headers, timeout=30).content == first
    document = Document(io.BytesIO(first))
    assert len(document.inline_shapes) == 1
    assert "Het bord zoals het is afgerond" in [p.text for p in document.paragraphs]


def test_the_pdf_covenant_is_fixed_a4_and_carries_the_picture(server):
    board = server.create_board("influence-dependency", language="en", title="Youth North")
    fill_quadrant(server, board)
    httpx.post(f"{server.url}/api/boards/{board['id']}/finalize", timeout=10,
               headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
    url = f"{server.url}/api/boards/{board['id']}/covenant?format=pdf"
    headers = {"Authorization": f"Bearer {board['tokens']['observer']}"}
    first = httpx.get(url, headers=headers, timeout=30)
    assert first.status_code == 200 and first.headers["content-type"] == "application/pdf"
    assert 'filename="' in first.headers["content-disposition"]
    body = first.content
    assert body.startswith(b"%PDF-") and b"/Subtype /Image" in body
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in body  # A4
    assert b"Youth North" in body  # the document's title, in its properties
    assert httpx.get(url, headers=headers, timeout=30).content == body
