"""Browser rendering benchmark for the board page (a script, not a pytest test).

    .venv/bin/python tests/benchmarks/browser_render.py [--notes 2000] [--runs 3]

Starts a partnerboard server on a loopback port, fills a board with N notes through a pycrdt
client, opens it in the system Chromium (``PARTNERBOARD_CHROMIUM`` or /usr/bin/chromium) and
measures:

* first complete render: from navigation start until every note is in the DOM and the frame
  after it has been laid out and painted (cold: a fresh browser context, no IndexedDB copy);
* frame times while panning (a pan step every frame, the whole board in view, so every note
  is on screen), from requestAnimationFrame timestamps;
* frame times while another client (pycrdt, in a thread) drags 5 notes at 30 steps a second,
  and, as a stress case, while it moves 40 random notes every 50 ms.

It prints a table against the targets, and saves screenshots of a realistic board and of the
crowded one in tests/benchmarks/out/. ``--trace FILE`` also records a Chromium trace of the stress
phase (open it in Perfetto or chrome://tracing; tracing slows that phase a little) and prints
where its frames' time went.
Chromium runs with --disable-gpu (software compositing), on the same cores as the server and the
moving client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/: conftest.ServerProcess, yclient

from conftest import ServerProcess  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from pycrdt import Map, Text  # noqa: E402
from yclient import YClient, connected, wait_for  # noqa: E402

OUT = HERE / "out"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
TARGETS = {"first_render_s": 1.0, "median_frame_ms": 16.0, "p95_frame_ms": 33.0}
PARTNERS = ["Gemeente Noordstad", "Zorggroep Oost", "Politie", "Bibliotheek", "Wijkteam"]

# Runs in the page before the board script: marks the moment the first full render is painted.
PAINT_PROBE = """
new MutationObserver((_, observer) => {
  const app = document.getElementById('app')
  if (!app || app.dataset.rendered !== 'true') return
  observer.disconnect()
  void document.body.offsetHeight  // style and layout of the new DOM, now
  requestAnimationFrame(() => setTimeout(() => performance.mark('bench:painted'), 0))
}).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-rendered'] })
"""

# Records requestAnimationFrame intervals for `ms`, optionally panning a little every frame
# (the board's own panBy, as dragging with space/middle button/touch does; a wheel or trackpad
# swipe scrolls natively on the compositor and is cheaper still).
FRAME_PROBE = """
async ([ms, pan]) => {
  const board = window.partnerboard.board
  const times = []
  let direction = 1
  return await new Promise(resolve => {
    const start = performance.now()
    function frame (now) {
      times.push(now)
      if (pan) {
        if (times.length % 90 === 0) direction = -direction
        board.viewport.panBy(7 * direction, 4 * direction)
      }
      if (now - start < ms) requestAnimationFrame(frame)
      else resolve(times.slice(1).map((t, i) => t - times[i]))
    }
    requestAnimationFrame(frame)
  })
}
"""


def run_async(make_coro) -> None:  # noqa: ANN001
    """asyncio.run in a thread of its own: Playwright's sync API keeps a loop running here."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(make_coro())
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


# Chromium's per-frame timers of the renderer's main thread (one event per frame, never nested),
# and the raster tasks, whose CPU time (tdur) the other processes on the machine do not inflate.
PHASES = {"Blink.Animate.UpdateTime": "script (animation frames)",
          "Blink.Style.UpdateTime": "style", "Blink.Layout.UpdateTime": "layout",
          "Blink.PrePaint.UpdateTime": "pre-paint",
          "Blink.Paint.UpdateTime": "paint", "Blink.CompositingCommit.UpdateTime": "layerize",
          "RasterTask": "raster (worker threads)"}
TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "cc",
                    "benchmark", "toplevel"]


def trace_summary(trace: bytes) -> str:
    """CPU time per phase in a trace: in all, and in its most expensive frame (or raster task)."""
    total: dict[str, float] = {}
    largest: dict[str, float] = {}
    for event in json.loads(trace)["traceEvents"]:
        phase = PHASES.get(event.get("name"))
        if phase and event.get("ph") == "X":
            ms = event.get("tdur", event.get("dur", 0)) / 1000
            total[phase] = total.get(phase, 0) + ms
            largest[phase] = max(largest.get(phase, 0), ms)
    return "\n".join(f"  {phase:<26} {total.get(phase, 0):8.1f} ms CPU, at most "
                     f"{largest.get(phase, 0):.1f} ms at once" for phase in PHASES.values())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def fill_board(server: ServerProcess, board: dict, count: int) -> list[str]:
    """Add `count` notes in a grid over the whole canvas; returns their ids."""
    ids = [f"bench-{i:05d}" for i in range(count)]
    columns = max(1, int((count * 2400 / 1500) ** 0.5))

    async def fill() -> None:
        async with connected(server.board_ws(board)) as client:
            for start in range(0, count, 250):
                with client.doc.transaction():
                    for i in range(start, min(count, start + 250)):
                        row, col = divmod(i, columns)
                        client.elements[ids[i]] = Map({
                            "kind": "note", "x": 20 + col * 2360 / columns,
                            "y": 20 + row * 1460 / (count / columns + 1), "w": 110, "h": 64,
                            "text": Text(f"Note {i}: shared goal, action or condition"),
                            "author": f"Person {i % 37}", "org": PARTNERS[i % len(PARTNERS)],
                            "color": "#fff3a8", "created": time.time() * 1000,
                        })
            # The server has them all once another client sees them.
            async with connected(server.board_ws(board)) as check:
                await wait_for(lambda: len(check.elements) >= count, 30,
                               what=f"{count} notes on the server")

    run_async(fill)
    return ids


class Mover(threading.Thread):
    """Another participant moving notes through a pycrdt client, in a thread of its own.

    ``drag``: like a person dragging a selection of 5 neighbouring notes, 30 steps a second.
    ``storm``: a stress case, 40 notes anywhere on the board every 50 ms.
    """

    def __init__(self, url: str, ids: list[str], mode: str = "drag") -> None:
        super().__init__(daemon=True)
        self.url, self.ids, self.mode = url, ids, mode
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.moves = 0

    def run(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        client = await YClient(self.url).connect()
        await asyncio.wait_for(client.synced.wait(), 10)
        self.ready.set()
        rng = random.Random(7)
        step = 0
        group = self.ids[1000:1005]
        try:
            while not self.stop.is_set():
                step += 1
                if self.mode == "drag":
                    chosen, interval = group, 1 / 30
                    dx, dy = (6, 3) if (step // 60) % 2 == 0 else (-6, -3)
                else:
                    chosen, interval = rng.sample(self.ids, 40), 0.05
                with client.doc.transaction():
                    for note_id in chosen:
                        note = client.elements[note_id]
                        if self.mode != "drag":
                            dx, dy = rng.uniform(-8, 8), rng.uniform(-8, 8)
                        note["x"] = float(note["x"]) + dx
                        note["y"] = float(note["y"]) + dy
                self.moves += len(chosen)
                await asyncio.sleep(interval)
        finally:
            await client.close()


def open_page(browser, board: dict, name: str, org: str, init: str = ""):  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    key = json.dumps(f"partnerboard-identity-{board['id']}")
    identity = json.dumps(json.dumps({"name": name, "org": org}))
    context.add_init_script(f"localStorage.setItem({key}, {identity});\n{init}")
    page = context.new_page()
    return context, page


def measure(browser, server: ServerProcess, notes: int, runs: int,  # noqa: ANN001
            trace: Path | None = None) -> dict:
    board = server.create_board(title="Benchmark", partners=[{"name": p} for p in PARTNERS])
    ids = fill_board(server, board, notes)
    renders = []
    for _ in range(runs):
        context, page = open_page(browser, board, "Bench", PARTNERS[0], PAINT_PROBE)
        page.goto(board["links"]["participant"])
        page.wait_for_function("() => performance.getEntriesByName('bench:painted').length > 0",
                               timeout=60_000)
        renders.append(page.evaluate(
            "() => performance.getEntriesByName('bench:painted')[0].startTime") / 1000)
        shown = page.locator(".note").count()
        assert shown == notes, f"{shown} of {notes} notes rendered"
        context.close()

    context, page = open_page(browser, board, "Bench", PARTNERS[0])
    page.goto(board["links"]["participant"])
    page.wait_for_selector("#app[data-rendered=true]")
    page.evaluate(FRAME_PROBE, [500, False])  # settle
    idle = page.evaluate(FRAME_PROBE, [2000, False])
    panning = page.evaluate(FRAME_PROBE, [3000, True])
    page.locator("[data-action=fit]").click()
    remote = {}
    for mode in ("drag", "storm"):
        mover = Mover(server.board_ws(board), ids, mode)
        mover.start()
        mover.ready.wait(10)
        if trace and mode == "storm":
            browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
        remote[mode] = page.evaluate(FRAME_PROBE, [3000, False])
        if trace and mode == "storm":
            trace.write_bytes(browser.stop_tracing())
        mover.stop.set()
        mover.join(10)
        remote[f"{mode}_moves"] = mover.moves
    page.screenshot(path=str(OUT / f"board-{notes}-notes.png"))
    context.close()
    return {"renders": renders, "idle": idle, "panning": panning, "remote": remote["drag"],
            "storm": remote["storm"], "remote_moves": remote["drag_moves"],
            "storm_moves": remote["storm_moves"]}


REALISTIC = {
    "values": ["Children grow up safely in every neighbourhood",
               "Each partner keeps its own mandate", "Success = fewer repeat reports"],
    "relations": ["Monthly case table, chaired in turn", "Shared privacy protocol",
                  "Decisions by consent of the core partners"],
    "acting": ["Library hosts the walk-in hour", "Police shares signals the same day",
               "One contact person per organisation"],
    "conditions": ["0.4 FTE coordinator for two years", "Room in the community centre",
                   "Budget line in the 2026 plan"],
    "actions": ["Draft the covenant text", "Invite the schools to the next session",
                "Pilot in two neighbourhoods"],
}


def realistic_board(server: ServerProcess, browser) -> None:  # noqa: ANN001
    """A board as a group would leave it after an hour, for the screenshot."""
    board = server.create_board(title="Veilig opgroeien in Noordstad", language="nl",
                                partners=[{"name": p} for p in PARTNERS])
    columns = {"actions": 40, "conditions": 500, "acting": 960, "relations": 1420, "values": 1880}
    colors = ["#fff3a8", "#ffd6a5", "#f9c6d9", "#c5e3f6", "#cdeccd"]

    async def fill() -> None:
        async with connected(server.board_ws(board)) as client:
            with client.doc.transaction():
                for zone, texts in REALISTIC.items():
                    for i, text in enumerate(texts):
                        extra = {"owner": PARTNERS[i], "due": f"2025-0{i + 3}-15"} \
                            if zone == "actions" else {}
                        client.elements[f"{zone}-{i}"] = Map({
                            "kind": "note", "x": columns[zone] + 30 + (i % 2) * 200,
                            "y": 330 + i * 170, "w": 180, "h": 120, "text": Text(text),
                            "author": ["Anna", "Bram", "Chris", "Dewi", "Eva"][i],
                            "org": PARTNERS[(i + len(zone)) % len(PARTNERS)],
                            "color": colors[i % len(colors)], "created": time.time() * 1000,
                            **extra})
                client.elements["parked-0"] = Map({
                    "kind": "note", "x": 80, "y": 1260, "w": 200, "h": 110,
                    "text": Text("Ask the province about funding (later)"), "author": "Eva",
                    "org": PARTNERS[4], "color": "#ffffff", "created": time.time() * 1000})
                client.elements["arrow-0"] = Map({
                    "kind": "arrow", "x": 0, "y": 0, "w": 1, "h": 1, "text": Text(""),
                    "from": "conditions-0", "to": "actions-0", "author": "Anna",
                    "org": PARTNERS[0], "color": "", "created": time.time() * 1000})

    run_async(fill)
    guest_context, guest = open_page(browser, board, "Bram", PARTNERS[1])
    guest.goto(board["links"]["participant"])
    guest.wait_for_selector("#app[data-joined=true]")
    context, page = open_page(browser, board, "Anna", PARTNERS[0])
    page.goto(board["links"]["participant"])
    page.wait_for_selector("#app[data-joined=true]")
    page.wait_for_selector(".person >> nth=1")
    target = guest.evaluate("""() => {
        const b = window.partnerboard.board, box = b.container.getBoundingClientRect()
        const p = b.viewport.toScreen(1250, 520); return [box.left + p.x, box.top + p.y] }""")
    guest.mouse.move(*target)
    page.wait_for_selector(".cursor")
    page.locator(".note", has_text="Pilot in two").click()
    page.screenshot(path=str(OUT / "board.png"))
    context.close()
    guest_context.close()


def row(name: str, value: float, unit: str, target: float) -> str:
    ok = "ok" if value < target else "MISSED"
    return f"| {name:<58} | {value:>9.1f} {unit:<2} | < {target:>5g} {unit:<2} | {ok:<6} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--trace", type=Path, help="save a Chromium trace of the stress phase here")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    executable = os.environ.get("PARTNERBOARD_CHROMIUM", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory(prefix="pb-bench-") as tmp:
        server = ServerProcess(Path(tmp)).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable,
                                                     args=CHROMIUM_ARGS)
                try:
                    result = measure(browser, server, args.notes, args.runs, args.trace)
                    realistic_board(server, browser)
                finally:
                    browser.close()
        finally:
            server.stop()

    first = statistics.median(result["renders"])
    print(f"\nBoard page, {args.notes} notes, Chromium {executable} (--disable-gpu), "
          f"{os.cpu_count()} cores shared with the server and the moving client\n")
    print(f"| {'measure':<58} | {'measured':>12} | {'target':>10} | {'':<6} |")
    print(f"|{'-' * 60}|{'-' * 14}|{'-' * 12}|{'-' * 8}|")
    print(row(f"first complete render (median of {args.runs}, cold)", first, "s",
              TARGETS["first_render_s"]))
    for label, key in (("idle", "idle"), ("panning (a pan step every frame)", "panning"),
                       ("another client dragging 5 notes (30 steps/s)", "remote"),
                       ("stress: 40 random notes moved every 50 ms", "storm")):
        frames = result[key]
        print(row(f"{label}: median frame *", statistics.median(frames), "ms",
                  TARGETS["median_frame_ms"] + 0.9))
        print(row(f"{label}: p95 frame", percentile(frames, 0.95), "ms", TARGETS["p95_frame_ms"]))
    print("\n* requestAnimationFrame ticks at the display's 60 Hz, so a frame is never measured "
          "shorter than 16.7 ms: a median of 16.7 ms (every frame on time) meets the 16 ms target.")
    print(f"first renders: {', '.join(f'{r:.2f} s' for r in result['renders'])}; "
          f"frames counted: idle {len(result['idle'])}, panning {len(result['panning'])}, "
          f"drag {len(result['remote'])} ({result['remote_moves']} note moves sent), "
          f"stress {len(result['storm'])} ({result['storm_moves']} moves); max frame: panning "
          f"{max(result['panning']):.1f} ms, drag {max(result['remote']):.1f} ms, "
          f"stress {max(result['storm']):.1f} ms")
    print(f"screenshots: {OUT / 'board.png'}, {OUT / f'board-{args.notes}-notes.png'}")
    if args.trace:
        print(f"trace of the stress phase: {args.trace}\n{trace_summary(args.trace.read_bytes())}")


if __name__ == "__main__":
    main()
