"""The covenant as a print-ready HTML page (A4), rendered with autoescaped Jinja2."""

from __future__ import annotations

import base64
import hashlib
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..covenant_outline import outline, participant_label, words
from ..covenant_words import check_title, format_date, language_of

_TEMPLATES = resources.files(__package__) / "templates"
_environment = Environment(
    loader=FileSystemLoader(str(_TEMPLATES)),
    autoescape=select_autoescape(default=True, default_for_string=True),
)

#: The stylesheet is inlined so a saved or mailed copy prints the same; the server allows it
#: by its hash in the Content-Security-Policy (see STYLE_SHA256), no 'unsafe-inline'.
STYLESHEET = (_TEMPLATES / "covenant.css").read_text(encoding="utf-8")
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLESHEET.encode()).digest()).decode()
#: The covenant page runs no script at all and allows only its own stylesheet.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src data:; "
    "script-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def picture_uri(covenant: dict[str, Any]) -> str:
    """The stored board picture as a data: URI for an <img> (an SVG there runs nothing)."""
    picture = covenant.get("picture")
    if not isinstance(picture, str) or not picture.startswith("<svg"):
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(picture.encode("utf-8")).decode()


def render_html(covenant: dict[str, Any]) -> str:
    language = language_of(covenant)
    signed = {s["organisation"]: s for s in covenant["signatures"]}
    return _environment.get_template("covenant.html").render(
        covenant=covenant,
        boards=covenant.get("boards") or [covenant["board"]],
        chapters=outline(covenant),
        w=words(language),
        lang=language,
        signed=signed,
        stylesheet=STYLESHEET,
        picture=picture_uri(covenant),
        check_title=lambda check: check_title(check, language),
        date=lambda value: format_date(str(value), language),
        participant=lambda person: participant_label(person, language),
    )
