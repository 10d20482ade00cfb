"""The covenant as Markdown. Every user text is escaped: it stays text in any renderer."""

from __future__ import annotations

import re
from typing import Any

from ..covenant_outline import Line, outline, participant_label, words
from ..covenant_words import check_title, format_date

#: Characters that start inline syntax anywhere in a line: emphasis, code, links, raw HTML
#: and autolinks, strikethrough. Other punctuation (``-``, ``.``, ``(``, ``#`` inside a text)
#: means nothing there, and escaping it made covenants read ``Noord\-Veluwe``.
_INLINE = re.compile(r"([\\`*_\[\]<>~])")
#: ``&`` only matters where it would start a character reference such as ``&amp;``.
_REFERENCE = re.compile(r"&(?=#?\w+;)")
#: What a text may not start with, as it would make the line a heading, quote, list item or
#: rule: ``# ``, ``> ``, ``- ``, ``+ ``, ``---``, ``1. ``, ``2) ``.
_BLOCK_START = re.compile(r"^(\d{1,9}(?=[.)](?:\s|$))|(?=>|[#+\-](?:[\s#\-]|$)))(.)")

#: A heading drops a closing run of ``#`` ("Noord #" would read "Noord").
_HEADING_END = re.compile(r"(^|\s)(#+)$")


def escape(text: str) -> str:
    """Escape Markdown syntax and HTML, and fold line breaks, so user text renders literally."""
    text = " ".join(str(text).split())
    text = _REFERENCE.sub(r"\\&", _INLINE.sub(r"\\\1", text))
    text = _HEADING_END.sub(r"\1\\\2", text)
    return _BLOCK_START.sub(lambda m: f"{m.group(1) or ''}\\{m.group(2)}", text)


def _header(covenant: dict[str, Any], w: dict[str, str], language: str) -> list[str]:
    lines = [f"# {w['draft']}: {escape(covenant['title'])}", ""]
    boards = covenant.get("boards") or [covenant["board"]]
    for board in boards:
        lines.append(
            f"*{w['provenance']}: {w['board']} {escape(board['title'])}"
            f" ({escape(board.get('canvas_title') or board['canvas'])}),"
            f" {w['finalized']} {escape(format_date(board['finalized_at'], language))},"
            f" {w['hash']} `{board['snapshot_sha256']}`*  "
        )
    if covenant.get("covenant_sha256"):
        lines.append(f"*{w['covenant_hash']}:* `{covenant['covenant_sha256']}`  ")
    lines += ["", f"## {w['parties']}", ""]
    lines += [f"- {escape(party['name'])}" for party in covenant["parties"]] or [f"- {w['empty']}"]
    if covenant["participants"]:
        people = ", ".join(participant_label(p, language, escape)
                           for p in covenant["participants"])
        lines += ["", f"{w['participants']}: {people}"]
    return lines


def _item(line: Line, indent: str = "") -> str:
    text = f"{indent}- {escape(line.text)}"
    if line.org:
        text += f" — *{escape(line.org)}*"
    if line.details:
        text += " (" + "; ".join(f"{escape(k)}: {escape(v)}" for k, v in line.details) + ")"
    return text


def render_markdown(covenant: dict[str, Any]) -> str:
    language = covenant.get("language", "nl")
    w = words(language)
    lines = _header(covenant, w, language)
    for chapter in outline(covenant):
        lines += ["", f"## {escape(chapter.title)}"]
        for section in chapter.sections:
            lines += ["", f"### {escape(section.title)}", ""]
            if not section.lines:
                lines.append(f"*{w['empty']}*")
            for line in section.lines:
                lines.append(_item(line))
                lines += [_item(note, "  ") for note in line.notes]
    lines += ["", f"## {w['completeness']}", ""]
    for check in covenant["completeness"]:
        notes = "; ".join(escape(n) for n in check["notes"])
        lines.append(
            f"- **{w[check['group']]}** · {escape(check_title(check, language))}: "
            f"{w[check['status']]}" + (f" — {notes}" if notes else "")
        )
    lines += ["", f"## {w['signatures']}", ""]
    signed = {s["organisation"]: s for s in covenant["signatures"]}
    for party in covenant["parties"]:
        signature = signed.get(party["name"])
        lines.append(f"**{escape(party['name'])}**  ")
        if signature:
            lines.append(
                f"{w['signed']}: {escape(signature['name'])}, "
                f"{escape(format_date(signature['signed_at'], language))}"
            )
        else:
            lines.append(f"*{w['not_signed']}*  ")
            lines.append(f"{w['name']}: ______________________  {w['date']}: ____________  ")
            lines.append(f"{w['signature']}: ______________________")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
