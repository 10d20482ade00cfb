"""From version 1.0 to 2.0: a seat's rotation was the text "yes"/"no" under ``rotation``;
it is now the flag ``rotates``, which the browser toggles and the covenant reads."""

from __future__ import annotations

from partnerboard.plugins import BoardData


def rotation_as_flag(board: BoardData) -> None:
    for element in board["elements"].values():
        if element.get("kind") == "seat" and "rotation" in element:
            element["rotates"] = str(element.pop("rotation")).strip().lower() in ("yes", "ja")
