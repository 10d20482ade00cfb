"""The hook specifications: the reference for plugin authors.

Each hook's docstring is its documentation; plugins/README.md is checked against these
docstrings by a test. Hooks only ever grow by new keyword arguments, so a plugin written today
keeps working. Pluggy calls implementations last-registered first; built-ins are ``trylast``
so an installed plugin comes before them.
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

    Called once, when the server builds its plugin manager at start-up.

    :return: a list of :class:`~partnerboard.plugins.CanvasSpec`. Each is validated; an invalid
        spec is logged, the plugin is listed as broken, and the other canvases still load.

    Collects a list from every plugin. Canvas ids must be unique across plugins: the first
    plugin to declare an id (installed plugins before built-ins) wins, and the other is reported.

    .. versionadded:: 0.1
    """


@hookspec
def partnerboard_covenant(
    board: BoardSnapshot, canvas: CanvasSpec, covenant: dict[str, Any]
) -> dict[str, list[dict[str, Any]]] | None:
    """Turn a finalized board into covenant sections.

    Called once per finalize, for every plugin; most implementations return None unless
    ``board.canvas`` is one of their canvases.

    :param board: the frozen board as plain data (never the live document).
    :param canvas: the spec of the board's canvas.
    :param covenant: the covenant built so far (``board``, ``parties``, ``participants``), read
        only: return sections instead of changing it.
    :return: a mapping of section id to a list of items, each item a dict with at least
        ``text``, ``org`` and ``element`` (the source element id), or None.

    Collects results from every plugin; sections with the same id are concatenated in call
    order. A hook that raises is logged and skipped; the other sections are still built.

    .. versionadded:: 0.1
    """


@hookspec
def partnerboard_exporters() -> list[Any]:
    """Declare extra covenant formats.

    Called when the server starts.

    :return: a list of exporter objects with ``format`` (str, used in ``?format=``),
        ``media_type`` (str) and ``render(covenant: dict) -> bytes | str``.

    Collects a list from every plugin; for a format declared twice the first one wins
    (installed plugins before built-ins).

    .. versionadded:: 0.1
    """


@hookspec
def partnerboard_board_created(board: BoardSnapshot) -> None:
    """Event: a board was created.

    :param board: the new board (metadata and partners; no elements yet).
    :return: nothing. A hook that raises is logged and the board is created all the same.

    .. versionadded:: 0.1
    """


@hookspec
def partnerboard_board_finalized(board: BoardSnapshot, covenant: dict[str, Any]) -> None:
    """Event: a board was finalized and its covenant built.

    :param board: the frozen board.
    :param covenant: the covenant data, read only.
    :return: nothing. A hook that raises is logged; the board stays finalized.

    .. versionadded:: 0.1
    """
