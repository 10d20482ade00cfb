"""The hook specifications: the reference for plugin authors.

Each hook's docstring is its documentation; the hook reference in plugins/README.md is rendered
from these docstrings (:mod:`partnerboard.plugins.reference`) and a test keeps the two equal.
Hooks only ever grow by new keyword arguments, and an implementation asks only for the
arguments it needs, so a plugin written today keeps working. No hook is ``firstresult``: every
hook collects the results of all plugins, except ``partnerboard_covenant``, which the server
calls on one plugin only. Pluggy calls implementations last-registered first; the built-in
canvases are ``trylast``, so an installed plugin comes before them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .board import BoardSnapshot
    from .spec import CanvasSpec

hookspec = pluggy.HookspecMarker("partnerboard")


@hookspec
def partnerboard_canvases() -> list[CanvasSpec]:
    """Declare the canvases this plugin provides.

    Called once, when the server builds its plugin registry at start-up (and by
    ``partnerboard plugins``).

    :return: a list of :class:`~partnerboard.plugins.CanvasSpec`. Each one is validated; if one
        is invalid, or the hook raises, the plugin is logged, listed as broken and skipped as a
        whole (none of its hooks is called), while the other plugins' canvases load.

    Not firstresult: the lists of all plugins are collected. Canvas ids are unique across
    plugins: the first plugin to declare an id (installed plugins before the ``trylast``
    built-ins) wins, and the later declaration is reported in that plugin's errors.

    .. versionadded:: 0.1
    """


@hookspec
def partnerboard_covenant(
    board: BoardSnapshot, canvas: CanvasSpec, covenant: dict[str, Any]
) -> dict[str, list[dict[str, Any]]] | None:
    """Turn a finalized board into covenant sections.

    Called only on the plugin that declared the board's canvas (a plugin with several
    canvases tells them apart by ``board.canvas``), at these moments:

    * once when the board is finalized; the covenant is then stored and never built again, so
      upgrading or removing the plugin later does not change it;
    * once for a board finalized by release 0.1.0 (before covenants were stored), the first
      time its covenant is read;
    * on every covenant preview the facilitator asks for while the board is open, with the
      board as it is at that moment; a preview is never stored.

    The titles, chapters and checklist checks of the sections come from the canvas spec
    (``CanvasSpec.sections``), not from this hook.

    :param board: the board as plain data (:class:`~partnerboard.plugins.BoardSnapshot`, never
        the live document): frozen at finalize, or as it is now for a preview. Use
        :func:`~partnerboard.plugins.elements_by_zone` to apply the zone rule; parked elements
        must not become covenant data.
    :param canvas: the spec of the board's canvas.
    :param covenant: the covenant built so far (``board``, ``parties``, ``participants``); read
        it, never change it: return sections instead.
    :return: None, or a dict of section id (snake_case) to a list of items. Each item is a dict
        with at least ``text``, ``org`` (the author's organisation) and ``element`` (the source
        element id, "" for an item that sums up several elements), plus JSON-safe keys of its
        own. :func:`~partnerboard.plugins.item` builds one from an element.

    Not firstresult, but only one plugin is called: its result is the covenant's sections. A
    hook that raises, or returns something else than sections, is logged, its plugin is listed
    as failing, and the covenant is built without sections.

    .. versionadded:: 0.1
    """


@hookspec
def partnerboard_exporters() -> list[Any]:
    """Declare extra covenant formats.

    Called once per plugin registry (the server builds one at start-up), the first time a
    covenant is rendered; the exporters it returns are kept and used for every later request.

    :return: a list of exporter objects, each with ``format`` (str, the value of
        ``?format=``), ``media_type`` (str) and ``render(covenant: dict) -> bytes | str``.

    Not firstresult: the lists of all plugins are collected; for a format declared twice the
    first one wins (installed plugins before the ``trylast`` built-ins). A hook that raises is
    logged and its plugin listed as failing; so is an exporter whose ``render`` raises, and
    the request for that format is answered 500 with a JSON error naming plugin and format.

    .. versionadded:: 0.1
    """


@hookspec
def partnerboard_board_created(board: BoardSnapshot) -> None:
    """Event: a board was created.

    Called after the board is stored, before its links are returned to the facilitator.

    :param board: the new board (metadata and partners; no elements yet).
    :return: nothing; a return value is ignored.

    Not firstresult: every plugin is called. A hook that raises is logged, its plugin listed as
    failing, and the board is created all the same.

    .. versionadded:: 0.1
    """


@hookspec
def partnerboard_board_finalized(board: BoardSnapshot, covenant: dict[str, Any]) -> None:
    """Event: a board was finalized and its covenant built.

    Called once per board, after the snapshot and the covenant are stored.

    :param board: the frozen board.
    :param covenant: the covenant data; read it, never change it.
    :return: nothing; a return value is ignored.

    Not firstresult: every plugin is called. A hook that raises is logged, its plugin listed as
    failing, and the board stays finalized.

    .. versionadded:: 0.1
    """
