"""Build the browser bundle when setuptools builds partnerboard's wheel.

npm runs here, while a wheel is made (from a checkout or from the sdist), and never when a wheel
is installed: the wheel carries ``web/dist/`` as package data of ``partnerboard.web``. Editable
installs skip it, because in a checkout ``make web`` builds the bundle where the editable install
finds it. Like the Makefile, ``npm ci`` runs only when package.json or the lock file is newer than
the last install, and esbuild only when a source is newer than the bundle, so a wheel built right
after ``make web`` reuses that bundle.

Named in pyproject.toml as ``[tool.setuptools.cmdclass] build_py``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from setuptools.command.build_py import build_py

__all__ = ["BuildPyWithBundle"]

WEB = Path(__file__).resolve().parent.parent
CANVASES = WEB.parent / "canvases"
INSTALLED = WEB / "node_modules" / ".installed"  # the Makefile's marker too
BUNDLE = WEB / "dist" / "board.js"


def _stale(target: Path, sources: Iterable[Path]) -> bool:
    if not target.is_file():
        return True
    built = target.stat().st_mtime
    return any(source.stat().st_mtime > built for source in sources)


def _npm(*args: str) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "building partnerboard's wheel builds its browser bundle, which needs npm "
            "(Node.js 20 or later) on PATH"
        )
    done = subprocess.run([npm, *args], cwd=WEB, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`npm {' '.join(args)}` failed in {WEB} (exit {done.returncode})")


def build_bundle() -> None:
    """``npm ci`` and ``npm run build`` in web/, each only when its output is out of date."""
    manifests = [WEB / "package.json", WEB / "package-lock.json"]
    if _stale(INSTALLED, manifests):
        _npm("ci", "--no-audit", "--no-fund", "--loglevel=error")
        INSTALLED.touch()
    # The built-in canvases' browser modules are built with the core (web/tools/build.mjs).
    canvas_bundles = [entry.parent.parent / "static" / "board.js"
                      for entry in sorted(CANVASES.glob("*/web/index.js"))]
    sources = [*manifests, INSTALLED, WEB / "tools" / "build.mjs",
               *sorted((WEB / "src").rglob("*.js")), *sorted(CANVASES.glob("*/web/*.js"))]
    if any(_stale(bundle, sources) for bundle in [BUNDLE, *canvas_bundles]):
        _npm("run", "--silent", "build")
    for bundle in [BUNDLE, *canvas_bundles]:
        if not bundle.is_file():
            raise RuntimeError(f"`npm run build` did not write {bundle}")


class BuildPyWithBundle(build_py):
    """setuptools' build_py, with the bundle built before package data is collected."""

    def run(self) -> None:
        if not self.editable_mode:
            build_bundle()
            # egg_info may have listed the package data before the bundle existed; list it anew.
            self.__dict__.pop("data_files", None)
        super().run()
