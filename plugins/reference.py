"""Render the hook reference of plugins/README.md from the hookspec docstrings.

The docstrings in :mod:`partnerboard.plugins.hookspecs` are the reference; the README shows the
same text between two marker comments. A test compares them, and

    python -m partnerboard.plugins.reference plugins/README.md

rewrites the README's copy after a docstring changed.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import hookspecs

__all__ = ["BEGIN", "END", "hook_names", "hook_reference", "update_readme"]

BEGIN = "<!-- hook reference: generated from plugins/hookspecs.py, do not edit -->"
END = "<!-- end of hook reference -->"

_FIELD = re.compile(r"^:(param (\w+)|return):\s*(.*)$")
_ROLE = re.compile(r":(?:class|func|mod|meth):`~?([\w.]+)`")


def hook_names() -> list[str]:
    """Every hook declared in the hookspec module, in source order."""
    found = [
        (function.__code__.co_firstlineno, name)
        for name, function in vars(hookspecs).items()
        if name.startswith("partnerboard_") and callable(function)
    ]
    return [name for _line, name in sorted(found)]


def _signature(function: Callable[..., object]) -> str:
    signature = inspect.signature(function)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
    return f"{function.__name__}({params}) -> {signature.return_annotation}"


def _markdown(docstring: str) -> str:
    """The few reStructuredText forms the hookspecs use, as Markdown."""
    lines: list[str] = []
    for raw in inspect.cleandoc(docstring).splitlines():
        line = _ROLE.sub(lambda match: f"`{match.group(1).rsplit('.', 1)[-1]}`", raw)
        line = line.replace("``", "`")
        field = _FIELD.match(line)
        if field:
            name = f"`{field.group(2)}`" if field.group(2) else "returns"
            lines.append(f"- **{name}**: {field.group(3)}")
        elif line.startswith(".. versionadded::"):
            lines.append(f"*Added in version {line.split('::', 1)[1].strip()}.*")
        elif line.startswith("    ") and lines and lines[-1].startswith("- **"):
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return "\n".join(lines)


def hook_reference() -> str:
    """The Markdown of every hook: its signature, then its docstring."""
    parts = []
    for name in hook_names():
        function = getattr(hookspecs, name)
        parts.append(f"### `{name}`\n\n```python\n{_signature(function)}\n```\n\n"
                     f"{_markdown(function.__doc__ or '')}\n")
    return "\n".join(parts)


def readme_block(text: str) -> str:
    """The generated part of a README: what lies between the markers."""
    try:
        start = text.index(BEGIN) + len(BEGIN)
        return text[start : text.index(END, start)].strip("\n")
    except ValueError:
        raise ValueError(f"the README lacks the markers {BEGIN!r} and {END!r}") from None


def update_readme(path: Path) -> bool:
    """Rewrite the hook reference in the README at ``path``; True when it changed."""
    text = path.read_text(encoding="utf-8")
    new = hook_reference().strip("\n")
    if readme_block(text) == new:
        return False
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    path.write_text(f"{before}{BEGIN}\n\n{new}\n\n{END}{after}", encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m partnerboard.plugins.reference plugins/README.md", file=sys.stderr)
        return 2
    changed = update_readme(Path(args[0]))
    print(f"{args[0]}: {'updated' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
