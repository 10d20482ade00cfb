"""The covenant as Markdown. Every user text is escaped: it stays text in any renderer."""

from __future__ import annotations

import re
from typing import Any

from ..covenant_outline import outline, words

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def escape(text: str) -> str:
    """Escape Markdown syntax and HTML, and fold line breaks, so user text renders literally."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def _header(covenant: dict[str, Any], w: dict[str, str]) -> list[str]:
    lines = [f"# {w['draft']}: {escape(covenant['title'])}", ""]
    boards = covenant.get("boards") or [covenant["board"]]
    for board in boards:
        lines.append(
            f"*{w['provenance']}: {w['board']} {escape(board['title'])}"
            f" ({escape(board['canvas'])}),"
            f" {w['finalized']} {escape(board['finalized_at'])},"
            f" {w['hash']} `{board['snapshot_sha256']}`*  "
        )
    lines += ["", f"## {w['parties']}", ""]
    lines += [f"- {escape(party['name'])}" for party in covenant["parties"]] or [f"- {w['empty']}"]
    if covenant["participants"]:
        people = ", ".join(
            escape(p["name"]) + (f" ({escape(p['organisation'])})" if p["organisation"] else "")
            for p in covenant["participants"]
        )
        lines += ["", f"{w['participants']}: {people}"]
    return lines


def render_markdown(covenant: dict[str, Any]) -> str:
    w = words(covenant.get("language", "nl"))
    lines = _header(covenant, w)
    for chapter in outline(covenant):
        lines += ["", f"## {escape(chapter.title)}"]
        for section in chapter.sections:
            lines += ["", f"### {escape(section.title)}", ""]
            if not section.lines:
                lines.append(f"*{w['empty']}*")
            for line in section.lines:
                text = f"- {escape(line.text)}"
                if line.org:
                    text += f" — *{escape(line.org)}*"
                if line.details:
                    text += " (" + "; ".join(
                        f"{escape(k)}: {escape(v)}" for k, v in line.details
                    ) + ")"
                lines.append(text)
    lines += ["", f"## {w['completeness']}", ""]
    for check in covenant["completeness"]:
        notes = "; ".join(escape(n) for n in check["notes"])
        lines.append(
            f"- **{w[check['group']]}** · {escape(check['id'].replace('_', ' '))}: "
            f"{w[check['status']]}" + (f" — {notes}" if notes else "")
        )
    lines += ["", f"## {w['signatures']}", ""]
    signed = {s["organisation"]: s for s in covenant["signatures"]}
    for party in covenant["parties"]:
        signature = signed.get(party["name"])
        lines.append(f"**{escape(party['name'])}**  ")
        if signature:
            lines.append(
                f"{w['signed']}: {escape(signature['name'])}, {escape(signature['signed_at'])}"
            )
        else:
            lines.append(f"{w['name']}: ______________________  {w['date']}: ____________  ")
            lines.append(f"{w['signature']}: ______________________")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
