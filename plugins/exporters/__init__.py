"""The built-in covenant formats: JSON, Markdown, print-ready HTML, DOCX and PDF.

Registered through ``partnerboard_exporters`` like any plugin's formats, and ``trylast`` so an
installed plugin can replace one by declaring the same format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .. import hookimpl
from .docx import render_docx
from .html import CONTENT_SECURITY_POLICY, render_html
from .markdown import render_markdown
from .pdf import render_pdf

__all__ = ["Exporter", "BUILT_IN"]


class Exporter(Protocol):
    format: str
    media_type: str
    extension: str
    #: Optional: the Content-Security-Policy this format's documents need when served.
    content_security_policy: str | None

    def render(self, covenant: dict[str, Any]) -> bytes | str: ...


@dataclass(frozen=True)
class FunctionExporter:
    format: str
    media_type: str
    extension: str
    function: Any
    content_security_policy: str | None = None

    def render(self, covenant: dict[str, Any]) -> bytes | str:
        return self.function(covenant)


def _json(covenant: dict[str, Any]) -> str:
    import json

    return json.dumps(covenant, ensure_ascii=False, indent=2)


BUILT_IN = (
    FunctionExporter("json", "application/json", "json", _json),
    FunctionExporter("md", "text/markdown; charset=utf-8", "md", render_markdown),
    FunctionExporter(
        "html", "text/html; charset=utf-8", "html", render_html, CONTENT_SECURITY_POLICY
    ),
    FunctionExporter(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        render_docx,
    ),
    FunctionExporter("pdf", "application/pdf", "pdf", render_pdf),
)


@hookimpl(trylast=True)
def partnerboard_exporters() -> list[FunctionExporter]:
    return list(BUILT_IN)
