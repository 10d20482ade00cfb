"""Plugin static assets under ``/-/plugins/<plugin>/<path>``, and the ``/-/plugins.json`` listing.

A plugin ships a ``static/`` directory inside its package (or beside its module); the files are
found with :mod:`importlib.resources`, so they are served the same from a source checkout, an
editable install or a wheel. Only plugins that loaded without errors serve files. A request
path is checked part by part before anything is opened, so ``..``, absolute paths, hidden
files and backslashes never reach the file system, and a symlink that leads out of the
plugin's ``static/`` directory is refused.
"""

from __future__ import annotations

import mimetypes
from importlib.resources.abc import Traversable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from partnerboard.plugins.manager import PluginRegistry

__all__ = ["find_static", "plugin_asset", "plugins_json", "routes"]

#: Plugin assets may change with every plugin upgrade: let browsers revalidate.
CACHE_CONTROL = "no-cache"


def _safe_parts(path: str) -> list[str] | None:
    parts = path.split("/")
    for part in parts:
        if not part or part.startswith(".") or "\\" in part or "\x00" in part or ":" in part:
            return None
    return parts


def find_static(registry: PluginRegistry, plugin: str, path: str) -> Traversable | None:
    """The file ``path`` inside the plugin's ``static/`` directory, or None."""
    info = registry.plugins.get(plugin)
    parts = _safe_parts(path)
    if info is None or info.state == "broken" or parts is None:
        return None
    root = registry.static_root(plugin)
    if root is None:
        return None
    try:
        found = root.joinpath(*parts)
        if not found.is_file():
            return None
        if isinstance(root, Path) and isinstance(found, Path):
            if not found.resolve().is_relative_to(root.resolve()):
                return None
    except (OSError, ValueError):  # a name too long for the file system, and the like
        return None
    return found


async def plugin_asset(request: Request) -> Response:
    """``GET /-/plugins/{plugin}/{path}``: one file of a plugin's ``static/`` directory."""
    registry: PluginRegistry = request.app.state.registry
    found = find_static(registry, request.path_params["plugin"], request.path_params["path"])
    if found is None:
        return JSONResponse({"error": "no such plugin file"}, status_code=404)
    media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    headers = {"cache-control": CACHE_CONTROL}
    if isinstance(found, Path):
        return FileResponse(found, media_type=media_type, headers=headers)
    return Response(found.read_bytes(), media_type=media_type, headers=headers)


async def plugins_json(request: Request) -> Response:
    """``GET /-/plugins.json``: every plugin as ``partnerboard plugins --json`` lists it."""
    registry: PluginRegistry = request.app.state.registry
    return JSONResponse(registry.to_json())


routes = [
    Route("/-/plugins.json", plugins_json, methods=["GET"]),
    Route("/-/plugins/{plugin}/{path:path}", plugin_asset, methods=["GET"]),
]
