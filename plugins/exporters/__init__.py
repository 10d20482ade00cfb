"""The built-in covenant formats: JSON, Markdown, print-ready HTML, DOCX and PDF.

Registered through ``partnerboard_exporters`` like any plugin's formats, and ``trylast`` so an
installed plugin can replace one by declaring the same format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .. import hookimpl
from .html import CONTENT_SECURITY_POLICY, render_html
from .markdown import render_markdown

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


# DOCX and PDF are imported when a covenant is first rendered in them: python-docx and
# ReportLab were half the CPU time of a server's start-up (0.23 of 0.47 s), paid again by
# every server the test suite starts (hundreds per pass).
def render_docx(covenant: dict[str, Any]) -> bytes:
    from .docx import render_docx as render

    return render(covenant)


def render_pdf(covenant: dict[str, Any]) -> bytes:
    from .pdf import render_pdf as render

    return render(covenant)


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
