"""The covenant as a Word document (python-docx), laid out like the HTML version."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.shared import Mm, Pt, Twips

from ..covenant_outline import Line, outline, words
from ..covenant_words import check_title, format_date, language_of

#: Word's own language tags for the document's core properties.
_LANGUAGE_TAGS = {"nl": "nl-NL", "en": "en-GB"}


def _page_and_properties(document: DocumentObject, covenant: dict[str, Any], title: str) -> None:
    """A4 paper as everywhere the covenant is signed (python-docx starts from US Letter), and
    the document's title, authors and language from the covenant instead of "python-docx"."""
    for section in document.sections:
        section.page_width, section.page_height = Twips(11906), Twips(16838)  # A4
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin, section.bottom_margin = Mm(22), Mm(24)
    properties = document.core_properties
    parties = ", ".join(party["name"] for party in covenant["parties"])
    properties.title = title[:255]
    properties.author = properties.last_modified_by = (parties or title)[:255]
    properties.language = _LANGUAGE_TAGS[language_of(covenant)]
    properties.comments = ""


def _item(document: DocumentObject, line: Line, style: str) -> None:
    paragraph = document.add_paragraph(line.text, style=style)
    if line.org:
        paragraph.add_run(f" — {line.org}").italic = True
    if line.details:
        details = "; ".join(f"{k}: {v}" for k, v in line.details)
        paragraph.add_run(f" ({details})").font.size = Pt(9)


def render_docx(covenant: dict[str, Any]) -> bytes:
    language = language_of(covenant)
    w = words(language)
    document = Document()
    title = f"{w['draft']}: {covenant['title']}"
    _page_and_properties(document, covenant, title)
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(title, level=0)
    for board in covenant.get("boards") or [covenant["board"]]:
        note = document.add_paragraph(
            f"{w['provenance']}: {w['board']} “{board['title']}” "
            f"({board.get('canvas_title') or board['canvas']}), "
            f"{w['finalized']} {format_date(board['finalized_at'], language)}, "
            f"{w['hash']} {board['snapshot_sha256']}"
        )
        note.runs[0].font.size = Pt(8)
    document.add_heading(w["parties"], level=1)
    for party in covenant["parties"]:
        document.add_paragraph(party["name"], style="List Bullet")
    if covenant["participants"]:
        people = ", ".join(
            p["name"] + (f" ({p['organisation']})" if p["organisation"] else "")
            for p in covenant["participants"]
        )
        document.add_paragraph(f"{w['participants']}: {people}")
    for chapter in outline(covenant):
        document.add_heading(chapter.title, level=1)
        for section in chapter.sections:
            document.add_heading(section.title, level=2)
            if not section.lines:
                document.add_paragraph(w["empty"]).runs[0].italic = True
            for line in section.lines:
                _item(document, line, "List Bullet")
                for note in line.notes:
                    _item(document, note, "List Bullet 2")
    document.add_heading(w["completeness"], level=1)
    for check in covenant["completeness"]:
        text = f"{w[check['group']]} · {check_title(check['id'], language)}: {w[check['status']]}"
        if check["notes"]:
            text += " — " + "; ".join(check["notes"])
        document.add_paragraph(text, style="List Bullet")
    document.add_page_break()
    document.add_heading(w["signatures"], level=1)
    signed = {s["organisation"]: s for s in covenant["signatures"]}
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, (w["parties"], w["name"], w["date"]), strict=True):
        cell.text = label
    for party in covenant["parties"]:
        row = table.add_row().cells
        row[0].text = party["name"]
        signature = signed.get(party["name"])
        row[1].text = signature["name"] if signature else w["not_signed"]
        row[2].text = format_date(signature["signed_at"], language) if signature else ""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
