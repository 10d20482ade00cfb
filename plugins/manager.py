"""Finding and loading plugins, with every failure isolated.

One :class:`PluginRegistry` per application (no module-level state): it loads the entry points
of the group ``partnerboard``, validates the canvases they declare, and remembers which plugins
are broken and why. Every hook call goes through :meth:`PluginRegistry.call_each`, so a plugin
that raises is logged and skipped while the others keep working.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .spec import CanvasSpec, SpecError

__all__ = ["ENTRY_POINT_GROUP", "PluginInfo", "PluginRegistry", "build_registry"]

ENTRY_POINT_GROUP = "partnerboard"
log = logging.getLogger("partnerboard.plugins")


@dataclass
class PluginInfo:
    """What ``partnerboard plugins`` lists about one plugin."""

    name: str
    version: str = ""
    module: str = ""
    state: str = "ok"
    errors: list[str] = field(default_factory=list)
    canvases: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "module": self.module,
            "state": self.state,
            "errors": list(self.errors),
            "canvases": list(self.canvases),
            "hooks": list(self.hooks),
        }


class PluginRegistry:
    """The plugin manager of one application, and what its plugins declared."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("partnerboard")
        self.pm.add_hookspecs(hookspecs)
        if os.environ.get("PARTNERBOARD_TRACE_PLUGINS") == "1":
            self.pm.trace.root.setwriter(lambda message: log.info("%s", message.rstrip()))
            self.pm.enable_tracing()
        self.plugins: dict[str, PluginInfo] = {}
        self.canvases: dict[str, tuple[CanvasSpec, str]] = {}

    def register(self, module: ModuleType | object, name: str, version: str = "") -> None:
        """Register a plugin object; a registration error marks it broken."""
        info = self.plugins.setdefault(name, PluginInfo(name, version, _module_name(module)))
        try:
            self.pm.register(module, name=name)
            self.pm.check_pending()
        except Exception as error:  # pluggy raises PluginValidationError and ValueError
            if self.pm.is_registered(module):
                self.pm.unregister(module)
            self.mark_broken(name, f"cannot register: {error}")
            return
        info.hooks = sorted(
            caller.name for caller in self.pm.get_hookcallers(module) or []
        )

    def mark_broken(self, name: str, problem: str) -> None:
        info = self.plugins.setdefault(name, PluginInfo(name))
        info.state = "broken"
        info.errors.append(problem)
        log.error("plugin %s is broken and skipped: %s", name, problem)

    def load_entry_points(self) -> None:
        """Import every installed plugin of the entry point group; failures mark it broken."""
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            version = entry_point.dist.version if entry_point.dist else ""
            if entry_point.name in self.plugins:
                continue
            try:
                module = entry_point.load()
            except Exception as error:
                self.plugins[entry_point.name] = PluginInfo(
                    entry_point.name, version, entry_point.value
                )
                self.mark_broken(entry_point.name, f"import failed: {error!r}")
                continue
            self.register(module, entry_point.name, version)

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call one hook on every plugin, isolated: return ``(plugin name, result)`` pairs.

        Order is pluggy's (last registered first, ``tryfirst``/``trylast`` respected). A plugin
        that raises is logged and left out; the others' results are still returned.
        """
        caller = getattr(self.pm.hook, hook_name)
        results = []
        for impl in reversed(caller.get_hookimpls()):
            try:
                args = {name: kwargs[name] for name in impl.argnames}
                result = impl.function(**args)
            except Exception as error:
                log.exception("plugin %s raised in %s", impl.plugin_name, hook_name)
                self.plugins.setdefault(impl.plugin_name, PluginInfo(impl.plugin_name))
                self.plugins[impl.plugin_name].errors.append(f"{hook_name} raised {error!r}")
                continue
            if result is not None:
                results.append((impl.plugin_name, result))
        return results

    def collect_canvases(self) -> None:
        """Ask every plugin for its canvases and keep the valid ones."""
        for plugin, specs in self.call_each("partnerboard_canvases"):
            problem = None
            valid: list[CanvasSpec] = []
            if not isinstance(specs, list | tuple):
                problem = f"partnerboard_canvases must return a list, got {type(specs).__name__}"
            else:
                for spec in specs:
                    if not isinstance(spec, CanvasSpec):
                        problem = f"partnerboard_canvases returned {type(spec).__name__}, not CanvasSpec"
                        break
                    try:
                        valid.append(spec.validate())
                    except SpecError as error:
                        problem = str(error.located(plugin=plugin))
                        break
            if problem:
                self.mark_broken(plugin, problem)
                continue
            for spec in valid:
                if spec.id in self.canvases:
                    owner = self.canvases[spec.id][1]
                    log.warning("canvas %s of plugin %s ignored: %s has it", spec.id, plugin, owner)
                    self.plugins[plugin].errors.append(f"canvas {spec.id!r} already from {owner}")
                    continue
                self.canvases[spec.id] = (spec, plugin)
                self.plugins.setdefault(plugin, PluginInfo(plugin)).canvases.append(spec.id)

    def canvas(self, canvas_id: str) -> CanvasSpec | None:
        found = self.canvases.get(canvas_id)
        return found[0] if found else None

    def working_plugins(self) -> list[str]:
        return [name for name, info in self.plugins.items() if info.state == "ok"]


def _module_name(plugin: object) -> str:
    return getattr(plugin, "__name__", type(plugin).__name__)


def build_registry(
    *, entry_points: bool = True, plugins: Iterable[tuple[str, object]] = ()
) -> PluginRegistry:
    """Build a registry: installed entry points (when asked) plus explicitly given plugins.

    Tests pass ``entry_points=False`` and exactly the plugins they need.
    """
    registry = PluginRegistry()
    for name, plugin in plugins:
        registry.register(plugin, name)
    if entry_points:
        registry.load_entry_points()
    registry.collect_canvases()
    return registry
