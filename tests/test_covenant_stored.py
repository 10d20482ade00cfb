"""The covenant is built once at finalize and stored; plugins changing later never alter it."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from conftest import app_settings
from docx import Document
from pycrdt import Doc, Map, Text
from starlette.testclient import TestClient

from partnerboard.canvases import partnership_map
from partnerboard.canvases.partnership_map.spec import SPEC
from partnerboard.plugins import Chapter, CovenantSection, exporters, hookimpl
from partnerboard.plugins.manager import PluginRegistry
from partnerboard.server.app import create_app
from partnerboard.server.covenant_store import canonical

FORMATS = ("json", "md", "html", "docx", "pdf")


class Extra:
    """The partnership map's plugin in several versions: each declares the canvas with its own
    section titles and chapters, and builds one more section of its own."""

    def __init__(self, version: str) -> None:
        self.__version__ = version
        self.section = "extra_" + version.replace(".", "_")

    @hookimpl
    def partnerboard_canvases(self):  # noqa: ANN201
        renamed = tuple(replace(s, title={"nl": f"{s.title['nl']} ({self.__version__})",
                                          "en": f"{s.title['en']} ({self.__version__})"})
                        for s in SPEC.sections)
        extra = CovenantSection(self.section, {"nl": f"Extra {self.__version__}",
                                               "en": f"Extra {self.__version__}"},
                                Chapter("extra", {"nl": f"Hoofdstuk {self.__version__}",
                                                  "en": f"Chapter {self.__version__}"}, 5))
        return [replace(SPEC, version=self.__version__, sections=(*renamed, extra))]

    @hookimpl
    def partnerboard_covenant(self, board, canvas):  # noqa: ANN001, ANN201
        built = partnership_map.covenant_sections(board, canvas)
        built[self.section] = [{"text": f"built by {self.__version__}", "org": "", "element": ""}]
        return built


def registry(extra_version: str, *, with_canvas: bool = True) -> PluginRegistry:
    """The partnership map in version ``extra_version``, or (``with_canvas`` false) gone."""
    built = PluginRegistry()
    if with_canvas:
        built.register(Extra(extra_version), "pb-extra", extra_version)
    built.register(exporters, "covenant-formats", "0.1.0")
    built.collect_canvases()
    return built


@contextmanager
def running(data: Path, plugins: PluginRegistry,
            database_url: str) -> Iterator[tuple[TestClient, object]]:
    app = create_app(app_settings(data, database_url), plugins)
    with TestClient(app) as client:
        yield client, app


def add_notes(doc: Doc) -> None:
    elements = doc.get("elements", type=Map)
    for index, zone in enumerate(("values", "actions")):
        rect = SPEC.zone(zone).rect
        elements[f"n{index}"] = Map({
            "kind": "note", "x": rect.x + 10, "y": rect.y + 10, "w": 160, "h": 100,
            "text": Text(f"Samen {zone} ✓"), "author": "Ayla", "org": "Gemeente",
            "color": "#ffe066", "created": 1_700_000_000_000,
        })


def downloads(client: TestClient, board: dict) -> dict[str, bytes]:
    headers = {"Authorization": f"Bearer {board['tokens']['observer']}"}
    found = {}
    for fmt in FORMATS:
        answer = client.get(f"/api/boards/{board['id']}/covenant?format={fmt}", headers=headers)
        assert answer.status_code == 200, answer.text
        found[fmt] = answer.content
    return found


def test_plugin_upgrades_and_removal_never_change_a_finalized_covenant(tmp_path, database_url):
    data = tmp_path / "data"
    with running(data, registry("1.0"), database_url) as (client, app):
        board = client.post("/api/boards", json={
            "canvas": "partnership-map", "title": "Wijkteam Oost", "language": "nl",
            "partners": [{"name": "Gemeente"}, {"name": "Zorg"}],
        }).json()
        app.state.rooms.server_change(board["id"], add_notes)
        answer = client.post(f"/api/boards/{board['id']}/finalize",
                             headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
        assert answer.status_code == 200, answer.text
        digest = answer.json()["covenant_sha256"]
        covenant = answer.json()["covenant"]
        assert "extra_1_0" in covenant["sections"]
        assert covenant["section_titles"]["values"] == "Gedeelde waarden en doelen (1.0)"
        assert covenant["chapters"][0] == {"id": "extra", "order": 5, "title": "Hoofdstuk 1.0",
                                           "sections": ["extra_1_0"]}
        assert {"name": "pb-extra", "version": "1.0"} in covenant["built_by"]
        first = downloads(client, board)
        # Downloading twice gives the same bytes, DOCX included (no stamp comes from the clock:
        # see the test of the DOCX's fixed times below).
        assert downloads(client, board) == first
        info = client.get(f"/api/boards/{board['id']}",
                          headers={"Authorization": f"Bearer {board['tokens']['observer']}"})
        assert info.json()["covenant_sha256"] == digest

    # covenant_sha256 is the sha256 of the stored canonical JSON.
    document = json.loads(first["json"])
    assert document["covenant_sha256"] == digest
    stored = {k: v for k, v in document.items() if k not in ("covenant_sha256", "signatures")}
    assert hashlib.sha256(canonical(stored)).hexdigest() == digest

    # A newer plugin that builds other sections under other titles and chapters, then the
    # canvas plugin removed altogether.
    for later in (registry("2.0"), registry("3.0", with_canvas=False)):
        with running(data, later, database_url) as (client, _app):
            again = downloads(client, board)
            info = client.get(f"/api/boards/{board['id']}",
                              headers={"Authorization": f"Bearer {board['tokens']['observer']}"})
        assert again == first
        assert info.json()["covenant_sha256"] == digest


def test_every_document_prints_the_covenant_hash_and_the_docx_is_fixed(tmp_path, database_url):
    with running(tmp_path / "data", registry("1.0"), database_url) as (client, app):
        board = client.post("/api/boards", json={
            "canvas": "partnership-map", "title": "Wijkteam Oost", "language": "en",
            "partners": [{"name": "Gemeente"}, {"name": "Zorg"}],
        }).json()
        app.state.rooms.server_change(board["id"], add_notes)
        digest = client.post(
            f"/api/boards/{board['id']}/finalize",
            headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"},
        ).json()["covenant_sha256"]
        found = downloads(client, board)
    for fmt in ("md", "html"):
        assert digest in found[fmt].decode()
    package = zipfile.ZipFile(io.BytesIO(found["docx"]))
    assert {entry.date_time for entry in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    document = Document(io.BytesIO(found["docx"]))
    assert any(digest in paragraph.text for paragraph in document.paragraphs)
    properties = document.core_properties
    assert properties.title.endswith("Wijkteam Oost")
    assert properties.author == "Gemeente, Zorg"
    assert "python-docx" not in (properties.last_modified_by, properties.author)
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_a_combined_covenant_is_stored_when_created_with_its_own_hash(tmp_path, database_url):
    with running(tmp_path / "data", registry("1.0"), database_url) as (client, app):
        boards = []
        for title in ("Noord", "Zuid"):
            board = client.post("/api/boards", json={
                "canvas": "partnership-map", "title": title, "language": "nl",
                "partners": [{"name": "Gemeente"}],
            }).json()
            app.state.rooms.server_change(board["id"], add_notes)
            client.post(f"/api/boards/{board['id']}/finalize",
                        headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
            boards.append(board)
        body = {"title": "Regio", "boards": [
            {"id": b["id"], "token": b["tokens"]["observer"]} for b in boards
        ]}
        answer = client.post("/api/covenants?format=json", json=body)
        assert answer.status_code == 200, answer.text
        digest = answer.headers["x-covenant-sha256"]
        combined = answer.json()
        assert combined["covenant_sha256"] == digest
        assert [b["covenant_sha256"] for b in combined["boards"]] == [
            client.get(f"/api/boards/{b['id']}", headers={
                "Authorization": f"Bearer {b['tokens']['observer']}"}).json()["covenant_sha256"]
            for b in boards
        ]
        stored = {k: v for k, v in combined.items() if k != "covenant_sha256"}
        assert hashlib.sha256(canonical(stored)).hexdigest() == digest
        assert app.state.store.covenant(sha256=digest) == (canonical(stored), digest)
        docx = client.post("/api/covenants?format=docx", json=body).content
        assert client.post("/api/covenants?format=docx", json=body).content == docx
        for language in (["en"], {"en": 1}, 5, "de"):  # was a 500 for a list or an object
            refused = client.post("/api/covenants", json={**body, "language": language})
            assert refused.status_code == 400
            assert "language" in refused.json()["error"]


def test_combined_covenants_are_stored_within_the_create_limit_and_a_board_counts_once(
        tmp_path, database_url):
    """Each combined covenant is stored: an observer link listing one large board twenty times
    under ever new titles stored 19 MiB a request (10 notes of 100,000 characters), as fast as
    it asked, filling the disk."""
    app = create_app(app_settings(tmp_path / "data", database_url, create_per_minute=3),
                     registry("1.0"))
    with TestClient(app) as client:
        board = client.post("/api/boards", json={
            "canvas": "partnership-map", "title": "Noord", "language": "nl",
            "partners": [{"name": "Gemeente"}],
        }).json()
        app.state.rooms.server_change(board["id"], add_notes)
        client.post(f"/api/boards/{board['id']}/finalize",
                    headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"})
        entry = {"id": board["id"], "token": board["tokens"]["observer"]}
        twice = client.post("/api/covenants", json={"title": "Regio", "boards": [entry] * 2})
        assert twice.status_code == 400
        assert "listed twice" in twice.json()["error"]
        for title in ("Regio 1", "Regio 2"):
            made = client.post("/api/covenants", json={"title": title, "boards": [entry]})
            assert made.status_code == 200, made.text
        refused = client.post("/api/covenants", json={"title": "Regio 3", "boards": [entry]})
        assert refused.status_code == 429
        assert "retry-after" in refused.headers
