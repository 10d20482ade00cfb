"""Make the README's pictures of a finished board: the board picture the server draws and the
covenant page that shows it.

    .venv/bin/python docs/make_pictures.py [--out docs]

It starts a server of this checkout on a free port with an empty data directory, fills an
influence/dependency board as a group would, finalizes it, and saves docs/board-picture.png
(GET /api/boards/{id}/image?format=png) and docs/covenant-picture.png (the HTML covenant in
Chromium). Needs `make web` and Chromium, as the browser tests do.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright
from pycrdt import Map, Text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import ServerProcess  # noqa: E402
from yclient import connected  # noqa: E402

from partnerboard.canvases.influence_dependency.spec import SPEC  # noqa: E402

PARTNERS = [("Woningcorporatie Noord", 0.15, 0.8, (0.35, 0.85)), ("GGD", 0.7, 0.75, None),
            ("Jongerenwerk", 0.55, 0.3, (0.6, 0.55)), ("Bibliotheek", 0.2, 0.2, None)]


def fill(server: ServerProcess, board: dict) -> None:
    plot = SPEC.zone("plot").rect

    async def write() -> None:
        async with connected(server.board_ws(board, "facilitator")) as client:
            with client.doc.transaction():
                for index, (name, dependency, influence, desired) in enumerate(PARTNERS):
                    x = plot.x + dependency * plot.w - 90
                    y = plot.y + (1 - influence) * plot.h - 26
                    keys = {"target_x": plot.x + desired[0] * plot.w,
                            "target_y": plot.y + (1 - desired[1]) * plot.h} if desired else {}
                    client.elements[f"p{index}"] = Map({
                        "kind": "partner", "x": x, "y": y, "w": 180, "h": 52,
                        "text": Text(name), "author": "Fiona", "org": "Gemeente", "color": "",
                        "created": index + 1, **keys})
                client.elements["n1"] = Map({
                    "kind": "note", "x": plot.x + 1000, "y": plot.y + 120, "w": 200, "h": 110,
                    "text": Text("Samen een buurtteam voor jongeren opzetten"), "author": "Anna",
                    "org": "Jongerenwerk", "color": "#ffe066", "created": 10})
            await asyncio.sleep(0.5)

    asyncio.run(write())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        server = ServerProcess(Path(folder) / "data").start()
        try:
            board = server.create_board("influence-dependency", language="nl",
                                        title="Jeugd in Noord",
                                        partners=[{"name": "Gemeente"}, {"name": "Jongerenwerk"}])
            fill(server, board)
            facilitator = {"Authorization": f"Bearer {board['tokens']['facilitator']}"}
            httpx.post(f"{server.url}/api/boards/{board['id']}/finalize", headers=facilitator,
                       timeout=30).raise_for_status()
            picture = httpx.get(f"{server.url}/api/boards/{board['id']}/image?format=png",
                                headers=facilitator, timeout=30)
            picture.raise_for_status()
            (args.out / "board-picture.png").write_bytes(picture.content)
            chromium = os.environ.get("PARTNERBOARD_CHROMIUM", "/usr/bin/chromium")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium)
                page = browser.new_page(viewport={"width": 900, "height": 1200})
                page.goto(f"{server.url}/api/boards/{board['id']}/covenant?format=html"
                          f"&token={board['tokens']['observer']}")
                page.locator(".board-picture").scroll_into_view_if_needed()
                page.screenshot(path=str(args.out / "covenant-picture.png"))
                browser.close()
        finally:
            server.stop()
    print(f"wrote {args.out / 'board-picture.png'} and {args.out / 'covenant-picture.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
