"""Heavy requests (compare, participation, covenant rendering) run off the event loop.

A real server holds a 5,000-note board; while several clients keep asking for its comparison
and its Word covenant, /healthz must keep answering promptly. The bound is generous (this runs
on a shared machine): before, one comparison held the loop for many seconds.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import ServerProcess
from pycrdt import Doc, Map, Text

from partnerboard.canvases.partnership_map.spec import SPEC
from partnerboard.plugins import snapshot_from_doc
from partnerboard.server.merge import _similar, _words, compare

VOCABULARY = [f"{stem}{ending}" for stem in (
    "samen", "wijk", "jeugd", "sport", "school", "zorg", "geld", "tijd", "ruimte", "plan",
    "buurt", "ouder", "kind", "veilig", "groen", "markt", "huis", "werk", "taal", "club",
) for ending in ("", "en", "heid", "lijk", "plek")]


def big_document(base: bytes, notes: int, seed: int = 1) -> tuple[Doc, bytes]:
    """``base`` plus ``notes`` notes over every zone, texts from a shared vocabulary."""
    rng = random.Random(seed)
    doc = Doc()
    doc.apply_update(base)
    before = doc.get_state()
    elements = doc.get("elements", type=Map)
    zones = [zone for zone in SPEC.zones if not zone.parking]
    with doc.transaction():
        for index in range(notes):
            rect = zones[index % len(zones)].rect
            text = " ".join(rng.sample(VOCABULARY, rng.randint(2, 7)))
            elements[f"n{index}"] = Map({
                "kind": "note", "x": rect.x + rng.random() * (rect.w - 170),
                "y": rect.y + 60 + rng.random() * (rect.h - 170), "w": 160.0, "h": 100.0,
                "text": Text(text), "org": "Gemeente", "group": f"g{index % 3}",
                "group_label": f"Groep {index % 3}",
            })
    return doc, doc.get_update(before)


def reference_compare(board, spec) -> list[dict]:  # noqa: ANN001
    """The definition, text by text against every earlier one (quadratic)."""
    result = []
    for zone in spec.zones:
        if zone.parking:
            continue
        clusters: list[dict] = []
        for element in board.of_kind("note", "rule", "situation"):
            found = board_zone(element, spec)
            if found != zone.id or not element.text.strip():
                continue
            words = _words(element.text)
            entry = {"text": element.text, "element": element.id,
                     "group": str(element.get("group", "")),
                     "group_label": str(element.get("group_label", ""))}
            home = next((c for c in clusters if any(_similar(words, w) for w in c["words"])),
                        None)
            if home is None:
                home = {"words": [], "texts": []}
                clusters.append(home)
            home["words"].append(words)
            home["texts"].append(entry)
        shaped = [{"texts": c["texts"], "groups": sorted({t["group_label"] for t in c["texts"]})}
                  for c in clusters]
        result.append({"zone": zone.id, "title": zone.title,
                       "shared": [c for c in shaped if len(c["groups"]) > 1],
                       "single": [c for c in shaped if len(c["groups"]) <= 1]})
    return result


def board_zone(element, spec) -> str | None:  # noqa: ANN001
    from partnerboard.plugins import zone_of

    found = zone_of(element, spec)
    return found.id if found else None


def test_compare_groups_exactly_as_the_pairwise_definition():
    base = Doc()
    for seed in range(12):
        doc, _update = big_document(base.get_update(), notes=150, seed=seed)
        elements = doc.get("elements", type=Map)
        rng = random.Random(seed)
        with doc.transaction():  # short texts, repeats and empty ones: the edge cases
            for index in range(40):
                elements[f"n{index}"]["text"] = Text(rng.choice(
                    ["", "  ", "de", "x", "samen", "samen wijk", "wijk samen", "samen wijk kind",
                     rng.choice(VOCABULARY)]))
        board = snapshot_from_doc(doc, "b")
        assert compare(board, SPEC) == reference_compare(board, SPEC), seed


@pytest.mark.timeout(600)
def test_healthz_stays_prompt_while_clients_hammer_a_big_board(tmp_path: Path):
    server = ServerProcess(tmp_path / "data").start()
    try:
        board = server.create_board(title="Groot bord")
        base = server.query("SELECT data FROM snapshots WHERE board_id = ?", board["id"])[0][0]
        _doc, update = big_document(base, notes=5000)
        server.query("INSERT INTO updates (board_id, data) VALUES (?, ?)", board["id"], update)
        token = board["tokens"]["observer"]
        url = f"{server.url}/api/boards/{board['id']}"
        first = httpx.get(f"{url}/compare?token={token}", timeout=300)
        assert first.status_code == 200
        assert sum(len(c["texts"]) for z in first.json()["zones"]
                   for c in z["shared"] + z["single"]) == 5000

        with httpx.Client(timeout=60) as probe:  # the same machine, nothing heavy running
            idle = []
            for _ in range(20):
                started = time.perf_counter()
                probe.get(f"{server.url}/healthz")
                idle.append(time.perf_counter() - started)
        stop = threading.Event()
        done: list[int] = []

        def hammer(path: str) -> None:
            with httpx.Client(timeout=300) as client:
                while not stop.is_set():
                    done.append(client.get(f"{url}/{path}").status_code)

        facilitator = board["tokens"]["facilitator"]
        paths = [f"compare?token={token}", f"compare?token={token}",
                 f"participation?token={facilitator}", f"covenant/preview?token={facilitator}"]
        workers = [threading.Thread(target=hammer, args=(p,)) for p in paths]
        for worker in workers:
            worker.start()
        latencies: list[float] = []
        deadline = time.monotonic() + 240
        try:
            with httpx.Client(timeout=60) as probe:
                while (len(done) < 4 or len(latencies) < 60) and time.monotonic() < deadline:
                    started = time.perf_counter()
                    assert probe.get(f"{server.url}/healthz").status_code == 200
                    latencies.append(time.perf_counter() - started)
                    stop.wait(0.05)
        finally:
            stop.set()
            for worker in workers:
                worker.join(300)
    finally:
        server.stop()
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"\n/healthz under load: {len(latencies)} probes, p50 {p50 * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; "
          f"{len(done)} heavy requests answered; idle p50 {statistics.median(idle) * 1000:.0f} ms")
    assert set(done) == {200}
    assert len(done) >= 4
    assert p99 < 2.0, f"/healthz p99 {p99:.2f} s while heavy requests ran"
    assert "Traceback" not in server.log_path.read_text()
