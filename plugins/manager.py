"""Finding and loading plugins, with every failure isolated.

One :class:`PluginRegistry` per application (no module-level state): it loads the entry points
of the group ``partnerboard``, validates the canvases they declare, and remembers which plugins
are broken and why. Every hook call goes through :meth:`PluginRegistry.call_each`, so a plugin
that raises is logged and skipped while the others keep working.

A plugin is in one of three states:

- ``ok``: loaded, its canvases are offered;
- ``broken``: it failed to import or register, declared an invalid canvas, or raised while
  declaring its canvases; it is unregistered, so none of its hooks is ever called;
- ``failing``: loaded, but one of its hooks raised or returned nonsense at run time; that call
  was skipped, and ``errors`` says which: the hook and the exception's type, not its message
  (``float(note)`` raises with the note's text, and ``/-/plugins.json`` is anyone's to read;
  the log has the whole traceback), each problem once and at most :data:`MAX_ERRORS` of them.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from . import hookspecs
from .covenant import Sections, SectionsError, check_sections, merge_sections
from .spec import CanvasSpec, SpecError

if TYPE_CHECKING:
    from .board import BoardSnapshot

__all__ = ["ENTRY_POINT_GROUP", "MAX_ERRORS", "PluginInfo", "PluginRegistry", "build_registry"]

ENTRY_POINT_GROUP = "partnerboard"
#: Run-time problems kept per plugin: the first ones (every call that fails may add one).
MAX_ERRORS = 20
TRACE_ENV = "PARTNERBOARD_TRACE_PLUGINS"
log = logging.getLogger("partnerboard.plugins")


@dataclass
class PluginInfo:
    """What ``partnerboard plugins`` and ``/-/plugins.json`` list about one plugin."""

    name: str
    version: str = ""
    module: str = ""
    state: str = "ok"
    errors: list[str] = field(default_factory=list)
    canvases: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    static: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "module": self.module,
            "state": self.state,
            "errors": list(self.errors),
            "canvases": list(self.canvases),
            "hooks": list(self.hooks),
            "static": self.static,
        }


class PluginRegistry:
    """The plugin manager of one application, and what its plugins declared."""

    def __init__(self, *, trace: bool = False) -> None:
        self.pm = pluggy.PluginManager("partnerboard")
        self.pm.add_hookspecs(hookspecs)
        self.trace = trace
        self.plugins: dict[str, PluginInfo] = {}
        #: canvas id -> (spec, name of the plugin that declared it)
        self.canvases: dict[str, tuple[CanvasSpec, str]] = {}
        self._exporters: dict[str, Any] | None = None
        #: format -> the plugin whose exporter renders it
        self._exporter_plugins: dict[str, str] = {}

    def register(self, plugin: ModuleType | object, name: str, version: str = "") -> None:
        """Register a plugin object; a registration error marks it broken."""
        if name in self.plugins:
            log.warning("a plugin named %s is already loaded; %r skipped", name, plugin)
            return
        info = self.plugins[name] = PluginInfo(name)
        info.version = version or str(getattr(plugin, "__version__", ""))
        info.module = _module_name(plugin)
        try:
            self.pm.register(plugin, name=name)
            # Catches hooks with a typo in their name: pluggy only knows them as "pending".
            self.pm.check_pending()
        except Exception as error:  # pluggy raises PluginValidationError and ValueError
            self.mark_broken(name, f"cannot register: {error}", plugin)
            return
        callers = self.pm.get_hookcallers(plugin) or []
        for caller in callers:
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and (impl.wrapper or impl.hookwrapper):
                    self.mark_broken(name, f"{caller.name}: hook wrappers are not supported")
                    return
        info.hooks = sorted(caller.name for caller in callers)
        info.static = self.static_root(name) is not None

    def mark_broken(self, name: str, problem: str, plugin: object = None) -> None:
        """Record why a plugin cannot be used, unregister it and withdraw its canvases."""
        info = self.plugins.setdefault(name, PluginInfo(name))
        info.state = "broken"
        info.errors.append(problem)
        info.canvases.clear()
        info.static = False
        plugin = plugin if plugin is not None else self.pm.get_plugin(name)
        if plugin is not None and self.pm.is_registered(plugin):
            self.pm.unregister(plugin)
        for canvas_id in [cid for cid, (_spec, owner) in self.canvases.items() if owner == name]:
            del self.canvases[canvas_id]
        log.error("plugin %s is broken and skipped: %s", name, problem)

    def _mark_failing(self, name: str, problem: str) -> None:
        info = self.plugins.setdefault(name, PluginInfo(name))
        if info.state == "ok":
            info.state = "failing"
        if problem not in info.errors and len(info.errors) < MAX_ERRORS:
            info.errors.append(problem)

    def load_entry_points(self) -> None:
        """Import every installed plugin of the entry point group; failures mark it broken."""
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            if entry_point.name in self.plugins:
                log.warning("plugin name %s is taken; %s skipped", entry_point.name,
                            entry_point.value)
                continue
            version = entry_point.dist.version if entry_point.dist else ""
            try:
                module = entry_point.load()
            except Exception as error:
                self.plugins[entry_point.name] = PluginInfo(
                    entry_point.name, version, entry_point.value
                )
                log.debug("import of plugin %s failed", entry_point.name, exc_info=True)
                self.mark_broken(entry_point.name, f"import failed: {error!r}")
                continue
            self.register(module, entry_point.name, version)

    def call_each(
        self, hook_name: str, *, only: str | None = None, **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Call one hook on every plugin, isolated: return ``(plugin name, result)`` pairs.

        Order is pluggy's (last registered first, ``tryfirst``/``trylast`` respected); None
        results are left out. A plugin that raises is logged and left out, and marked broken
        when it raised while declaring canvases, failing otherwise; the others' results are
        still returned. Each implementation gets only the arguments it asks for, which is what
        lets hooks grow new keyword arguments without breaking older plugins. ``only`` names
        the one plugin to call. An argument that is plain data (a dict or a list: the
        covenant) is deep-copied for each implementation, so what a plugin changes in it
        reaches neither the other plugins nor what the server stores or answers.
        """
        caller = getattr(self.pm.hook, hook_name)
        results = []
        for impl in reversed(caller.get_hookimpls()):
            if only is not None and impl.plugin_name != only:
                continue
            if self.trace:
                log.info("hook %s: calling plugin %s", hook_name, impl.plugin_name)
            try:
                result = impl.function(**{name: _own(kwargs[name]) for name in impl.argnames})
            except Exception as error:
                log.exception("plugin %s raised in %s", impl.plugin_name, hook_name)
                if hook_name == "partnerboard_canvases":
                    self.mark_broken(impl.plugin_name, f"{hook_name} raised {error!r}")
                else:
                    self._mark_failing(impl.plugin_name,
                                       f"{hook_name} raised {type(error).__name__}")
                continue
            if self.trace:
                log.info("hook %s: plugin %s returned %s", hook_name, impl.plugin_name,
                         type(result).__name__)
            if result is not None:
                results.append((impl.plugin_name, result))
        return results

    def collect_canvases(self) -> None:
        """Ask every plugin for its canvases and keep the valid ones."""
        for plugin, specs in self.call_each("partnerboard_canvases"):
            try:
                valid = _valid_specs(plugin, specs)
            except SpecError as error:
                self.mark_broken(plugin, str(error))
                continue
            for spec in valid:
                if spec.id in self.canvases:
                    owner = self.canvases[spec.id][1]
                    log.warning("canvas %s of plugin %s ignored: %s has it", spec.id, plugin, owner)
                    self.plugins[plugin].errors.append(f"canvas {spec.id!r} already from {owner}")
                    continue
                self.canvases[spec.id] = (spec, plugin)
                self.plugins.setdefault(plugin, PluginInfo(plugin)).canvases.append(spec.id)

    def covenant_sections(
        self, board: BoardSnapshot, canvas: CanvasSpec, covenant: dict[str, Any]
    ) -> Sections:
        """Call ``partnerboard_covenant`` of the plugin that declared the board's canvas.

        A result that is not a valid sections mapping is logged, the plugin marked failing, and
        the covenant has no sections.
        """
        owner = self.canvases.get(canvas.id, (None, None))[1]
        if owner is None:
            return {}
        checked = []
        for plugin, result in self.call_each(
            "partnerboard_covenant", only=owner, board=board, canvas=canvas, covenant=covenant
        ):
            try:
                checked.append((plugin, check_sections(plugin, result)))
            except SectionsError as error:
                log.error("%s", error)
                self._mark_failing(plugin, str(error))
        return merge_sections(checked)

    def exporters(self) -> dict[str, Any]:
        """Format name -> exporter, collected from ``partnerboard_exporters`` once per registry
        (on first use); for a format declared twice the first plugin wins (built-ins last)."""
        if self._exporters is None:
            found: dict[str, Any] = {}
            for plugin, exporters in self.call_each("partnerboard_exporters"):
                for exporter in exporters:
                    if exporter.format not in found:
                        found[exporter.format] = exporter
                        self._exporter_plugins[exporter.format] = plugin
            self._exporters = found
        return self._exporters

    def exporter_failed(self, format_name: str, error: Exception) -> str:
        """The exporter of a format raised while rendering: log the traceback, list its plugin
        as failing (as for a hook that raised), and return the plugin's name."""
        plugin = self._exporter_plugins.get(format_name, "")
        log.error("plugin %s: the exporter of format %r raised", plugin, format_name,
                  exc_info=error)
        self._mark_failing(plugin, f"exporter {format_name!r} raised {type(error).__name__}")
        return plugin

    def canvas(self, canvas_id: str) -> CanvasSpec | None:
        found = self.canvases.get(canvas_id)
        return found[0] if found else None

    def static_root(self, name: str) -> Traversable | None:
        """The ``static/`` directory shipped next to a registered plugin's module, if any."""
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            return None
        root = _static_dir(plugin)
        return root if root is not None and root.is_dir() else None

    def to_json(self) -> list[dict[str, Any]]:
        """Every plugin, sorted by name, as ``partnerboard plugins --json`` prints them."""
        return [self.plugins[name].to_json() for name in sorted(self.plugins)]


def _valid_specs(plugin: str, specs: object) -> list[CanvasSpec]:
    if not isinstance(specs, list | tuple):
        raise SpecError(
            "partnerboard_canvases", f"must return a list, got {type(specs).__name__}",
            plugin=plugin,
        )
    valid = []
    for index, spec in enumerate(specs):
        if not isinstance(spec, CanvasSpec):
            raise SpecError(
                f"partnerboard_canvases[{index}]",
                f"must be a CanvasSpec, got {type(spec).__name__}",
                plugin=plugin,
            )
        try:
            valid.append(spec.validate())
        except SpecError as error:
            raise error.located(plugin=plugin) from None
    return valid


def _own(argument: Any) -> Any:
    """A plugin's own copy of a plain-data hook argument (other arguments are immutable or
    too large to copy for every call: a board snapshot is read-only by contract)."""
    return copy.deepcopy(argument) if isinstance(argument, dict | list) else argument


def _module_name(plugin: object) -> str:
    return getattr(plugin, "__name__", type(plugin).__name__)


def _static_dir(plugin: object) -> Traversable | None:
    """``static/`` inside a package plugin, or beside a plain module plugin."""
    if not isinstance(plugin, ModuleType):
        return None
    if hasattr(plugin, "__path__"):
        return resources.files(plugin.__name__) / "static"
    if plugin.__package__:
        return resources.files(plugin.__package__) / "static"
    if getattr(plugin, "__file__", None):
        return Path(plugin.__file__).parent / "static"
    return None


def build_registry(
    *,
    entry_points: bool = True,
    plugins: Iterable[tuple[str, object]] = (),
    trace: bool | None = None,
) -> PluginRegistry:
    """Build a registry: explicitly given plugins, then installed entry points (when asked).

    Tests pass ``entry_points=False`` and exactly the plugins they need. ``trace`` logs every
    hook call; by default it follows ``PARTNERBOARD_TRACE_PLUGINS=1``, read here, once.
    """
    if trace is None:
        trace = os.environ.get(TRACE_ENV) == "1"
    registry = PluginRegistry(trace=trace)
    for name, plugin in plugins:
        registry.register(plugin, name)
    if entry_points:
        registry.load_entry_points()
    registry.collect_canvases()
    return registry
