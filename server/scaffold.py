"""``partnerboard new-canvas``: write an installable canvas plugin package whose test passes.

The files come from ``scaffold_templates/`` (``string.Template``, ``$name`` placeholders), found
with :mod:`importlib.resources` so the command works from a wheel as well as from a checkout.
The package is what plugins/README.md walks through: a pyproject with the entry point, a
canvas spec, a covenant hook, a README and a test built on ``partnerboard.plugins.testing``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

__all__ = ["Scaffold", "ScaffoldError", "new_canvas", "scaffold_for"]

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

#: template file -> path in the new package ({module} is filled in).
FILES = (
    ("pyproject.toml.tmpl", "pyproject.toml"),
    ("README.md.tmpl", "README.md"),
    ("__init__.py.tmpl", "{module}/__init__.py"),
    ("spec.py.tmpl", "{module}/spec.py"),
    ("board.js.tmpl", "{module}/static/board.js"),
    ("test_canvas.py.tmpl", "tests/test_canvas.py"),
)


class ScaffoldError(ValueError):
    """The canvas cannot be scaffolded; the message says why and what to do instead."""


@dataclass(frozen=True)
class Scaffold:
    """The names one canvas plugin package is built from."""

    name: str  # canvas id and plugin (entry point) name: "risk-matrix"
    dist: str  # distribution name: "partnerboard-risk-matrix"
    module: str  # import name: "partnerboard_risk_matrix"
    title: str  # first title of the canvas, to be translated: "Risk matrix"

    def substitutions(self) -> dict[str, str]:
        return {"name": self.name, "dist": self.dist, "module": self.module, "title": self.title}


def scaffold_for(name: str) -> Scaffold:
    """The names for canvas ``name``; raise :class:`ScaffoldError` when it is not a slug."""
    if not _NAME.match(name):
        raise ScaffoldError(
            f"{name!r} is not a canvas name: use lowercase letters, digits and single dashes, "
            "starting with a letter, e.g. 'risk-matrix'"
        )
    dist = name if name.startswith("partnerboard-") else f"partnerboard-{name}"
    return Scaffold(name, dist, dist.replace("-", "_"), name.replace("-", " ").capitalize())


def new_canvas(name: str, output: Path) -> tuple[Path, list[Path]]:
    """Write the package for canvas ``name`` into ``output/<dist>``; return it and its files.

    Refuses to write into an existing non-empty directory, so nothing is ever overwritten.
    """
    scaffold = scaffold_for(name)
    root = output / scaffold.dist
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ScaffoldError(f"{root} already exists and is not empty: choose another --output")
    templates = resources.files(__package__) / "scaffold_templates"
    written = []
    for template_name, target in FILES:
        text = Template(templates.joinpath(template_name).read_text(encoding="utf-8"))
        path = root / target.format(module=scaffold.module)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.substitute(scaffold.substitutions()), encoding="utf-8")
        written.append(path)
    return root, written
