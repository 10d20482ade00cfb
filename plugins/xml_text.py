"""Text as XML 1.0 can hold it: what the board picture (SVG) and the Word covenant are made of.

A note may hold characters XML has no place for (C0 controls but tab, newline and return;
U+FFFE and U+FFFF): the board keeps what people wrote, and the JSON covenant does too. In an
XML document they make it not well-formed, and every reader refuses the whole document.
"""

from __future__ import annotations

import re

__all__ = ["NOT_XML", "xml_text"]

#: Characters XML 1.0 cannot hold (C0 controls but tab/newline/return, surrogates, U+FFFE/F).
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold."""
    return NOT_XML.sub("", text)
