"""A guest's organisation is self-declared, and every covenant format says so: the participant
list and the items a guest wrote show "(Omega, guest)" / "(Omega, gast)", read from the covenant
stored at finalize. A guest who types a partner's name does not make that partner a contributor.
"""

from __future__ import annotations

import asyncio
import io
import xml.etree.ElementTree as ET

import pytest
from docx import Document
from pypdf import PdfReader
from test_attribution import call, party, seat, url, values_spot
from yclient import connected, wait_for


def finalized_board_with_a_guest(server, language: str) -> dict:
    board = server.create_board(language=language)
    zorg = party(board, "Zorg")
    guest = board["tokens"]["participant"]
    ayla = seat(server, board, zorg, "Ayla")
    gijs = seat(server, board, guest, "Gijs", org="Omega")
    # A second guest who says they are Gemeente: still a guest, not the partner.
    greta = seat(server, board, guest, "Greta", org="Gemeente")

    async def scenario() -> None:
        async with connected(url(server, board, zorg, ayla)) as a, \
                connected(url(server, board, guest, gijs)) as g, \
                connected(url(server, board, guest, greta)) as h, \
                connected(server.board_ws(board, "observer")) as watcher:
            a.add_note("a1", "Short lines", **values_spot())
            g.add_note("g1", "Ask the residents", **values_spot(120))
            h.add_note("h1", "Open data", **values_spot(240))
            for client in (a, g, h):
                await client.flush()
            await wait_for(lambda: all(
                (e := watcher.elements.get(k)) is not None and e.get("author")
                for k in ("a1", "g1", "h1")), what="three stamped notes")

    asyncio.run(scenario())
    answer = call(server, "POST", f"/api/boards/{board['id']}/finalize",
                  board["tokens"]["facilitator"])
    assert answer.status_code == 200, answer.text
    return board


def download(server, board: dict, fmt: str) -> bytes:
    answer = call(server, "GET", f"/api/boards/{board['id']}/covenant?format={fmt}",
                  board["tokens"]["observer"])
    assert answer.status_code == 200, answer.text
    return answer.content


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def pdf_text(data: bytes) -> str:
    """The PDF's text, lines joined with spaces (its paragraphs wrap at the page width)."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


@pytest.mark.parametrize(("language", "mark"), [("en", "guest"), ("nl", "gast")])
def test_every_covenant_format_marks_a_guests_organisation(server, language, mark):
    board = finalized_board_with_a_guest(server, language)
    covenant = call(server, "GET", f"/api/boards/{board['id']}/covenant",
                    board["tokens"]["facilitator"]).json()
    people = {p["name"]: p for p in covenant["participants"]}
    assert people["Ayla"] == {"name": "Ayla", "organisation": "Zorg"}
    assert people["Gijs"] == {"name": "Gijs", "organisation": "Omega", "guest": True}
    assert people["Greta"] == {"name": "Greta", "organisation": "Gemeente", "guest": True}
    items = {i["element"]: i for i in covenant["sections"]["values"]}
    assert items["g1"]["guest"] is True and items["g1"]["org"] == "Omega"
    assert "guest" not in items["a1"]

    html = download(server, board, "html").decode()
    markdown = download(server, board, "md").decode()
    word = docx_text(download(server, board, "docx"))
    pdf = pdf_text(download(server, board, "pdf"))
    for text in (html, markdown, word, pdf):
        assert f"Gijs (Omega, {mark})" in text
        assert f"Greta (Gemeente, {mark})" in text
        assert "Ayla (Zorg)" in text
    # The items a guest wrote: "— Omega (guest)" after the text in every document.
    assert f'Ask the residents <span class="org">— Omega ({mark})</span>' in html
    assert f"- Ask the residents — *Omega ({mark})*" in markdown.splitlines()
    assert f"Ask the residents — Omega ({mark})" in word.splitlines()
    assert f"Ask the residents — Omega ({mark})" in pdf
    assert f"Zorg ({mark})" not in html + markdown + word + pdf

    # A guest typing "Gemeente" is not Gemeente's contribution: Gemeente still counts as silent.
    contributions = next(c for c in covenant["completeness"] if c["id"] == "contributions")
    assert contributions["status"] == "partly"
    assert any("Gemeente" in note for note in contributions["notes"])


def test_the_marks_come_from_the_stored_covenant(server):
    """Documents are rendered from the covenant stored at finalize: the same bytes on every
    download, and the guest flag is in the stored JSON itself."""
    board = finalized_board_with_a_guest(server, "en")
    for fmt in ("html", "md", "docx"):
        assert download(server, board, fmt) == download(server, board, fmt)
    [(body,)] = server.query(f"SELECT body FROM covenants WHERE board_id = '{board['id']}'")
    body = bytes(body)
    assert b'{"guest":true,"name":"Gijs","organisation":"Omega"}' in body
    assert b'{"name":"Ayla","organisation":"Zorg"}' in body


@pytest.mark.parametrize(("language", "mark"), [("en", "guest"), ("nl", "gast")])
def test_the_board_picture_marks_a_guest_and_gives_no_partner_colour(server, language, mark):
    """The server-drawn picture (also in the covenant documents) captions a guest's card as the
    board does, and a guest who typed a partner's name does not get that partner's colour."""
    board = finalized_board_with_a_guest(server, language)
    svg = ET.fromstring(download_picture(server, board))
    written = "".join(" ".join(span.text or "" for span in svg.iter(f"{SVG}tspan")).split())
    # (A long caption is cut to the card's width: Greta's ends after her organisation.)
    for caption in (f"Omega ({mark}) · Gijs", f"Gemeente ({mark}) ·", "Zorg · Ayla"):
        assert "".join(caption.split()) in written
    gemeente = next(p["color"] for p in
                    call(server, "GET", f"/api/boards/{board['id']}/covenant",
                         board["tokens"]["observer"]).json()["parties"] if p["name"] == "Gemeente")
    fills = {rect.get("fill", "").lower() for rect in svg.iter(f"{SVG}rect")}
    assert gemeente.lower() not in fills  # Greta's card has no band: no note of Gemeente's


SVG = "{http://www.w3.org/2000/svg}"


def download_picture(server, board: dict) -> bytes:
    answer = call(server, "GET", f"/api/boards/{board['id']}/image?format=svg",
                  board["tokens"]["observer"])
    assert answer.status_code == 200, answer.text
    return answer.content
