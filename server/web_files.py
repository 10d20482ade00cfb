"""Where the server finds its web files: page templates, static files and the esbuild bundle.

They belong to the ``partnerboard.web`` package. In a checkout that package is ``web/`` (the
editable install maps it there, and ``make web`` builds ``web/dist/``); in an installed wheel it is
``site-packages/partnerboard/web``, with the bundle built when the wheel was made. Looking them up
through :mod:`importlib.resources` instead of relative to this file makes both work.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["BUNDLE_FILES", "BundleMissing", "bundle_dir", "check_bundle", "web_dir"]

#: What esbuild writes into ``dist/`` and every board page loads.
BUNDLE_FILES = ("board.js",)


class BundleMissing(RuntimeError):
    """The front-end bundle was never built (a checkout without ``make web``)."""


def web_dir() -> Path:
    """The folder of the ``partnerboard.web`` package."""
    try:
        root = resources.files("partnerboard.web")
    except ModuleNotFoundError as error:
        # An editable install made before web/ became a package does not map it yet.
        raise RuntimeError(
            "partnerboard.web is not installed: in a checkout run `make install` again"
        ) from error
    if not isinstance(root, Path):
        # Starlette's StaticFiles and Jinja's loader serve from folders, not from an archive.
        raise RuntimeError(f"partnerboard's web files must be installed as files, not {root!r}")
    return root


def bundle_dir() -> Path:
    return web_dir() / "dist"


def check_bundle() -> None:
    """Fail with a message that says how to build the bundle when a file of it is missing.

    Without it every board page would load and then stay empty, a failure an operator would
    only notice in a browser's console.
    """
    missing = [bundle_dir() / name for name in BUNDLE_FILES if not (bundle_dir() / name).is_file()]
    if missing:
        raise BundleMissing(
            f"the browser bundle is missing ({', '.join(map(str, missing))}). In a source "
            "checkout, build it with `make web` (npm and esbuild in web/); a wheel made with "
            "`python -m build` always carries it, so reinstall partnerboard from such a wheel."
        )
