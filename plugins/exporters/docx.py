"""The covenant as a Word document (python-docx), laid out like the HTML version."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.shared import Mm, Pt, Twips

from ..covenant_outline import Line, outline, participant_label, words
from ..covenant_words import check_title, format_date, language_of
from ..xml_text import xml_text
from .board_png import board_png

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


def xml_safe(value: Any) -> Any:
    """``value`` with every string cleaned of characters a Word document cannot store.

    A note or name may hold them (the board keeps what people typed, and the JSON covenant
    does too); python-docx refuses them, and a finalized board's snapshot never changes, so
    without cleaning its Word covenant would fail for good.
    """
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {xml_safe(key): xml_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [xml_safe(item) for item in value]
    return value


def _picture(document: DocumentObject, covenant: dict[str, Any], heading: str) -> None:
    """The stored board picture, as a PNG (Word shows no SVG); left out without cairo."""
    png = board_png(covenant)
    if png is None:
        return
    document.add_heading(heading, level=1)
    document.add_picture(io.BytesIO(png[0]), width=Mm(170))


def render_docx(covenant: dict[str, Any]) -> bytes:
    covenant = xml_safe(covenant)
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
    if covenant.get("covenant_sha256"):
        note = document.add_paragraph(f"{w['covenant_hash']}: {covenant['covenant_sha256']}")
        note.runs[0].font.size = Pt(8)
    _dates(document, covenant)
    document.add_heading(w["parties"], level=1)
    for party in covenant["parties"]:
        document.add_paragraph(party["name"], style="List Bullet")
    if covenant["participants"]:
        people = ", ".join(participant_label(p, language_of(covenant))
                           for p in covenant["participants"])
        document.add_paragraph(f"{w['participants']}: {people}")
    _picture(document, covenant, w["picture"])
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
        text = f"{w[check['group']]} · {check_title(check, language)}: {w[check['status']]}"
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
    return _fixed_times(buffer.getvalue())


#: The earliest time a zip entry can carry; python-docx would stamp each entry with "now".
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _dates(document: DocumentObject, covenant: dict[str, Any]) -> None:
    """Every date inside the file from the covenant (its last board's finalize), not the
    clock, so the same covenant gives the same bytes on every download."""
    stamps = [board.get("finalized_at", "") for board in covenant.get("boards") or
              [covenant.get("board", {})]]
    when = datetime(2000, 1, 1)
    for stamp in sorted(filter(None, stamps), reverse=True):
        try:
            when = datetime.fromisoformat(stamp).astimezone(UTC).replace(tzinfo=None)
            break
        except ValueError:
            continue
    properties = document.core_properties
    properties.created = properties.modified = properties.last_printed = when
    properties.revision = 1
    properties.identifier = covenant.get("covenant_sha256", "")


def _fixed_times(package: bytes) -> bytes:
    """The same package with every zip entry stamped :data:`ZIP_TIME`, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(entry.filename))
    return out.getvalue()
