"""The covenant as a PDF (A4), drawn with reportlab from the same outline as the other formats.

Reproducible: no creation date or random id goes in (reportlab's ``invariant``), so the same
stored covenant gives the same bytes on every download. Text is set in DejaVu Sans when the
system has it (every character of a Dutch or English covenant, arrows included), else in
Helvetica. The board picture comes in as a PNG (see :mod:`.board_png`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..covenant_outline import Line, outline, participant_label, words
from ..covenant_words import check_title, format_date, language_of
from .board_png import board_png

__all__ = ["render_pdf"]

_FONTS = Path("/usr/share/fonts/truetype/dejavu")


def _font() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans registered once when present, else Helvetica."""
    if "PB-Sans" in pdfmetrics.getRegisteredFontNames():
        return "PB-Sans", "PB-Sans-Bold"
    regular, bold = _FONTS / "DejaVuSans.ttf", _FONTS / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        pdfmetrics.registerFont(TTFont("PB-Sans", str(regular)))
        pdfmetrics.registerFont(TTFont("PB-Sans-Bold", str(bold)))
        return "PB-Sans", "PB-Sans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _font()
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("pb-title", parent=base["Title"], fontName=bold, fontSize=18,
                                leading=22, alignment=0),
        "h1": ParagraphStyle("pb-h1", parent=base["Heading1"], fontName=bold, fontSize=14),
        "h2": ParagraphStyle("pb-h2", parent=base["Heading2"], fontName=bold, fontSize=12),
        "body": ParagraphStyle("pb-body", parent=base["BodyText"], fontName=regular,
                               fontSize=10, leading=13),
        "small": ParagraphStyle("pb-small", parent=base["BodyText"], fontName=regular,
                                fontSize=7.5, leading=10, textColor="#52606d"),
    }


def _text(value: object) -> str:
    return escape(str(value))


def _line(line: Line, styles: dict[str, ParagraphStyle]) -> list[Any]:
    text = _text(line.text) + (f" <i>— {_text(line.org)}</i>" if line.org else "")
    if line.details:
        text += "<br/><font size=8>" + "; ".join(
            f"{_text(key)}: {_text(value)}" for key, value in line.details) + "</font>"
    flowables: list[Any] = [Paragraph(text, styles["body"])]
    if line.notes:
        flowables.append(ListFlowable(
            [ListItem(Paragraph(_text(note.text), styles["body"])) for note in line.notes],
            bulletType="bullet", leftIndent=12))
    return flowables


def render_pdf(covenant: dict[str, Any]) -> bytes:
    language = language_of(covenant)
    w = words(language)
    styles = _styles()
    title = f"{w['draft']}: {covenant['title']}"
    story: list[Any] = [Paragraph(_text(title), styles["title"])]
    for board in covenant.get("boards") or [covenant["board"]]:
        story.append(Paragraph(_text(
            f"{w['provenance']}: {w['board']} “{board['title']}” "
            f"({board.get('canvas_title') or board['canvas']}), {w['finalized']} "
            f"{format_date(board['finalized_at'], language)}, {w['hash']} "
            f"{board['snapshot_sha256']}"), styles["small"]))
    if covenant.get("covenant_sha256"):
        story.append(Paragraph(_text(f"{w['covenant_hash']}: {covenant['covenant_sha256']}"),
                               styles["small"]))
    story += [Paragraph(_text(w["parties"]), styles["h1"]),
              ListFlowable([ListItem(Paragraph(_text(p["name"]), styles["body"]))
                            for p in covenant["parties"]] or
                           [ListItem(Paragraph(_text(w["empty"]), styles["body"]))],
                           bulletType="bullet")]
    if covenant["participants"]:
        people = ", ".join(participant_label(p, language) for p in covenant["participants"])
        story.append(Paragraph(_text(f"{w['participants']}: {people}"), styles["body"]))
    png = board_png(covenant)
    if png is not None:
        picture = Image(io.BytesIO(png[0]))
        width = 170 * mm
        picture.drawWidth, picture.drawHeight = width, width * png[2] / png[1]
        story += [Paragraph(_text(w["picture"]), styles["h1"]), picture]
    for chapter in outline(covenant):
        story.append(Paragraph(_text(chapter.title), styles["h1"]))
        for section in chapter.sections:
            story.append(Paragraph(_text(section.title), styles["h2"]))
            items = [ListItem(_line(line, styles)) for line in section.lines]
            story.append(ListFlowable(items, bulletType="bullet") if items else
                         Paragraph(f"<i>{_text(w['empty'])}</i>", styles["body"]))
    story.append(Paragraph(_text(w["completeness"]), styles["h1"]))
    checks = []
    for check in covenant["completeness"]:
        text = f"{w[check['group']]} · {check_title(check, language)}: {w[check['status']]}"
        if check["notes"]:
            text += " — " + "; ".join(check["notes"])
        checks.append(ListItem(Paragraph(_text(text), styles["body"])))
    story += [ListFlowable(checks, bulletType="bullet"), PageBreak(),
              Paragraph(_text(w["signatures"]), styles["h1"])]
    signed = {s["organisation"]: s for s in covenant["signatures"]}
    rows = [[w["parties"], w["name"], w["date"]]]
    for party in covenant["parties"]:
        signature = signed.get(party["name"])
        rows.append([party["name"], signature["name"] if signature else w["not_signed"],
                     format_date(signature["signed_at"], language) if signature else ""])
    table = Table([[Paragraph(_text(cell), styles["body"]) for cell in row] for row in rows],
                  colWidths=(60 * mm, 70 * mm, 40 * mm))
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#9aa5b1"),
                               ("BACKGROUND", (0, 0), (-1, 0), "#eef1f4")]))
    story += [table, Spacer(1, 8 * mm)]
    buffer = io.BytesIO()
    authors = ", ".join(p["name"] for p in covenant["parties"])
    SimpleDocTemplate(buffer, pagesize=A4, title=title, author=authors, creator="partnerboard",
                      producer="partnerboard", lang=language, invariant=1,
                      leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm).build(story)
    return buffer.getvalue()
