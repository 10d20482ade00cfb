"""The covenant as a Word document (python-docx), laid out like the HTML version."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.shared import Pt

from ..covenant_outline import outline, words


def render_docx(covenant: dict[str, Any]) -> bytes:
    w = words(covenant.get("language", "nl"))
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(f"{w['draft']}: {covenant['title']}", level=0)
    for board in covenant.get("boards") or [covenant["board"]]:
        note = document.add_paragraph(
            f"{w['provenance']}: {w['board']} “{board['title']}” ({board['canvas']}), "
            f"{w['finalized']} {board['finalized_at']}, {w['hash']} {board['snapshot_sha256']}"
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
                paragraph = document.add_paragraph(line.text, style="List Bullet")
                if line.org:
                    paragraph.add_run(f" — {line.org}").italic = True
                if line.details:
                    details = "; ".join(f"{k}: {v}" for k, v in line.details)
                    paragraph.add_run(f" ({details})").font.size = Pt(9)
    document.add_heading(w["completeness"], level=1)
    for check in covenant["completeness"]:
        text = f"{w[check['group']]} · {check['id'].replace('_', ' ')}: {w[check['status']]}"
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
        row[1].text = signature["name"] if signature else ""
        row[2].text = signature["signed_at"] if signature else ""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
