"""Log output that keeps secrets out and cannot be forged by what clients send.

Board links carry role tokens in their query string (``?token=…``), and uvicorn writes every
request path into its access log and every WebSocket handshake into its error log. Rather than
trusting each log call, one filter on the handler rewrites every record: query values and
``Bearer`` credentials named like secrets become ``[redacted]``, and control characters
(newlines above all) are escaped, so a board id holding ``%0A`` cannot start a line of its own.
"""

from __future__ import annotations

import logging
import re
import sys

__all__ = ["SecretFilter", "configure_logging", "scrub"]

#: Query parameters whose values are secrets: board tokens and the create key.
_SECRET_PARAM = re.compile(r"(?i)(\b(?:token|create_key|key)=)[^&\s\"'#]+")
_BEARER = re.compile(r"(?i)(\bbearer\s+)[^\s\"']+")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def scrub(text: str) -> str:
    """``text`` with secrets redacted and control characters escaped: one line, no token."""
    text = _SECRET_PARAM.sub(r"\1[redacted]", text)
    text = _BEARER.sub(r"\1[redacted]", text)
    return _CONTROL.sub(_escape, text)


class SecretFilter(logging.Filter):
    """Renders each record's message once, scrubbed; tracebacks stay as they are."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: log it rather than lose it
            message = f"{record.msg!r} {record.args!r}"
        record.msg = scrub(message)
        record.args = None
        return True


def configure_logging(level: str) -> None:
    """One stderr handler on the root logger, with :class:`SecretFilter`, for everything
    (uvicorn's loggers included: the server runs uvicorn without a log config of its own)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(SecretFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper()))
