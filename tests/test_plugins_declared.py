"""A canvas plugin declares what the generic layers need; nothing outside canvases/ knows the
built-in canvases by name (issue 15, "declared, not known" and "honest reference").

The "roles" canvas here is a third-party plugin made in the test: its own chapter, section
titles in both languages, checklist checks and element kinds with roles. What a built-in canvas
gets from the core — a chapter in the agreement, titles, checklist lines, the agreed-only rule —
it must get too.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import ModuleType

import pytest
from docx import Document

from partnerboard.canvases import building_blocks, game_rules, influence_dependency, partnership_map
from partnerboard.plugins import (
    COOPERATION,
    CanvasSpec,
    Chapter,
    Check,
    CovenantSection,
    ElementKind,
    Migration,
    NewerVersion,
    Rect,
    SpecError,
    Zone,
    exporters,
    hookimpl,
    item,
)
from partnerboard.plugins.covenant_build import build_covenant
from partnerboard.plugins.manager import build_registry
from partnerboard.plugins.testing import build_board, element, point_in
from partnerboard.plugins.versions import migrated, migrations_for

ROOT = Path(__file__).resolve().parent.parent
BUILT_IN = (partnership_map, influence_dependency, game_rules, building_blocks)
#: Kinds every canvas may use, drawn by the core board (DESIGN §6): not canvas-specific.
CORE_KINDS = {"note", "arrow"}

TABLES = Chapter("tables", {"nl": "Wie aan welke tafel zit", "en": "Who sits at which table"}, 15)

ROLES = CanvasSpec(
    id="roles-tables",
    version="1.0",
    title={"nl": "Rollen en tafels", "en": "Roles and tables"},
    description={"nl": "Wie vertegenwoordigt wie.", "en": "Who represents whom."},
    size=(1000, 600),
    zones=(
        Zone("seats", {"nl": "Zetels", "en": "Seats"}, Rect(0, 0, 480, 500)),
        Zone("rotation", {"nl": "Wisseling", "en": "Rotation"}, Rect(520, 0, 480, 500)),
    ),
    element_kinds=(
        ElementKind("note", {"nl": "Notitie", "en": "Note"}, markable=True),
        ElementKind("seat", {"nl": "Zetel", "en": "Seat"}, {"table": "string"}, markable=True),
        ElementKind("sticker", {"nl": "Sticker", "en": "Sticker"}, content=False),
    ),
    sections=(
        CovenantSection("seats", {"nl": "Zetels per tafel", "en": "Seats per table"}, TABLES,
                        checks=(Check("seated", "what", {"nl": "Iedereen aan tafel",
                                                         "en": "Everyone seated"},
                                      "complete_items", keys=("table",), notes={
                                          "item": {"nl": "zetel zonder tafel: {text}",
                                                   "en": "seat without a table: {text}"},
                                          "empty": {"nl": "nog geen zetels",
                                                    "en": "no seats yet"}}),)),
        CovenantSection("rotation", {"nl": "Wisselschema", "en": "Rotation schedule"},
                        COOPERATION,
                        checks=(Check("rotates", "what", {"nl": "Wisseling afgesproken",
                                                          "en": "Rotation agreed"}, "filled",
                                      notes={"empty": {"nl": "niets onder “{section}”",
                                                       "en": "nothing under “{section}”"}}),)),
    ),
)


def roles_plugin(calls: list[str]) -> ModuleType:
    module = ModuleType("roles_tables")

    def partnerboard_canvases() -> list[CanvasSpec]:
        return [ROLES]

    def partnerboard_covenant(board, canvas):  # noqa: ANN001, ANN202
        calls.append(board.canvas)
        zones = {"seats": [], "rotation": []}
        for found in board.of_kind("note", "seat"):
            for zone in canvas.zones:
                if zone.rect.contains(found.x + found.w / 2, found.y + found.h / 2):
                    extra = {"table": found.get("table", "")} if found.kind == "seat" else {}
                    zones[zone.id].append(item(found, **extra))
        return zones

    for hook in (partnerboard_canvases, partnerboard_covenant):
        setattr(module, hook.__name__, hookimpl(hook))
    return module


def finalize(registry, board, spec):  # noqa: ANN001, ANN201
    return build_covenant(registry, board, spec, finalized_at="2026-11-30T12:00:00Z",
                          snapshot_sha256="0" * 64)


def quoted(names: set[str]) -> re.Pattern[str]:
    return re.compile("[\"'](" + "|".join(sorted(map(re.escape, names))) + ")[\"']")


def test_no_generic_module_names_a_built_in_canvas_section_or_kind():
    specs = [spec for module in BUILT_IN for spec in module.partnerboard_canvases()]
    names = {spec.id for spec in specs}
    names |= {section.id for spec in specs for section in spec.sections}
    names |= {kind.kind for spec in specs for kind in spec.element_kinds} - CORE_KINDS
    pattern = quoted(names)
    files = [*ROOT.glob("server/**/*.py"), *ROOT.glob("plugins/**/*.py"),
             *ROOT.glob("plugins/**/*.html"), *ROOT.glob("web/src/**/*.js")]
    found = []
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert len(files) > 50 and len(names) > 15
    assert found == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_plugin_canvas_gets_its_chapter_titles_and_checklist_in_every_document(language):
    registry = build_registry(entry_points=False, plugins=[
        ("roles-tables", roles_plugin([])), ("covenant-formats", exporters)])
    seats = point_in(ROLES, "seats")
    board = build_board(ROLES, language=language, elements=[
        element("seat", centre=seats, id="s1", text="Wethouder", org="Gemeente", table="bestuur"),
        element("seat", centre=seats, id="s2", text="Teamleider", org="Zorg"),
    ])
    covenant = finalize(registry, board, ROLES)
    words = {"nl": ("Wie aan welke tafel zit", "Zetels per tafel", "Iedereen aan tafel",
                    "zetel zonder tafel: Teamleider", "Wisselschema"),
             "en": ("Who sits at which table", "Seats per table", "Everyone seated",
                    "seat without a table: Teamleider", "Rotation schedule")}[language]
    chapter, section, check, note, rotation = words
    assert covenant["chapters"][0] == {"id": "tables", "order": 15, "title": chapter,
                                       "sections": ["seats"]}
    assert covenant["section_titles"] == {"seats": section, "rotation": rotation}
    lines = {line["id"]: line for line in covenant["completeness"]}
    assert lines["seated"] == {"id": "seated", "group": "what", "title": check,
                               "status": "partly", "notes": [note]}
    assert lines["rotates"]["status"] == "not_in_place"
    assert lines["rotates"]["notes"] == [f"{'niets onder' if language == 'nl' else 'nothing under'}"
                                         f" “{rotation}”"]

    formats = registry.exporters()
    markdown = formats["md"].render(covenant)
    html = formats["html"].render(covenant)
    docx = Document(io.BytesIO(formats["docx"].render(covenant)))
    paragraphs = "\n".join(p.text for p in docx.paragraphs)
    other = {"nl": "Overige", "en": "Other"}[language]
    for text in (markdown, html, paragraphs):
        for expected in (chapter, section, check, note):
            assert expected in text
        # The sections sit in their chapters, not under the leftover chapter.
        assert other not in text
    # The agreement reads in chapter order: the plugin's chapter (15) before cooperation (20).
    assert markdown.index(chapter) < markdown.index(rotation)


def test_the_covenant_hook_runs_only_for_the_plugin_that_owns_the_canvas():
    calls: list[str] = []
    registry = build_registry(entry_points=False, plugins=[
        ("roles-tables", roles_plugin(calls)), ("partnership-map", partnership_map)])
    map_spec = registry.canvas("partnership-map")
    finalize(registry, build_board(map_spec, notes_in={"values": ["Samen"]}), map_spec)
    assert calls == []
    finalize(registry, build_board(ROLES), ROLES)
    assert calls == ["roles-tables"]


def test_exporters_are_collected_once_per_registry():
    calls = []
    module = ModuleType("counted")

    def partnerboard_exporters() -> list[object]:
        calls.append(1)
        return []

    module.partnerboard_exporters = hookimpl(partnerboard_exporters)
    registry = build_registry(entry_points=False, plugins=[
        ("counted", module), ("covenant-formats", exporters)])
    for _ in range(3):
        assert {"json", "md", "html", "docx"} <= set(registry.exporters())
    assert calls == [1]


def test_declared_kind_roles_decide_the_agreed_only_rule_and_what_counts_as_content():
    registry = build_registry(entry_points=False, plugins=[("roles-tables", roles_plugin([]))])
    seats = point_in(ROLES, "seats")
    board = build_board(ROLES, elements=[
        element("seat", centre=seats, id="agreed", text="Wethouder", table="bestuur",
                status="agreed"),
        element("seat", centre=seats, id="open", text="Directeur", table="bestuur"),
        element("note", centre=seats, id="note", text="Een idee"),
    ])
    covenant = finalize(registry, board, ROLES)
    # Markable kinds: once one is agreed in a zone, only agreed ones count there.
    assert [i["element"] for i in covenant["sections"]["seats"]] == ["agreed"]
    assert covenant["agreed_only"] == [{"zone": "seats", "title": "Seats", "agreed": 1,
                                        "notes": 3}]
    assert ROLES.kinds("markable") == {"note", "seat"}
    assert ROLES.kinds("content") == {"note", "seat"}
    assert ROLES.to_json()["element_kinds"][2] == {
        "kind": "sticker", "label": {"nl": "Sticker", "en": "Sticker"}, "fields": {},
        "markable": False, "arranged": False, "content": False}


@pytest.mark.parametrize(
    ("section", "field", "words"),
    [
        (CovenantSection("seats", {"nl": "Zetels"}, TABLES), "sections[0].title", "'en'"),
        (CovenantSection("Seats", {"nl": "Z", "en": "S"}, TABLES), "sections[0].id",
         "snake_case"),
        (CovenantSection("seats", {"nl": "Z", "en": "S"}, TABLES, checks=(
            Check("x", "what", {"nl": "X", "en": "X"}, "guess"),)),
         "sections[0].checks[0].measure", "must be one of filled"),
        (CovenantSection("seats", {"nl": "Z", "en": "S"}, TABLES, checks=(
            Check("x", "who", {"nl": "X", "en": "X"}, "filled"),)),
         "sections[0].checks[0].group", "why, what"),
        (CovenantSection("seats", {"nl": "Z", "en": "S"}, TABLES, checks=(
            Check("x", "what", {"nl": "X", "en": "X"}, "with_section", other="nowhere"),)),
         "sections[0].checks[0].other", "'nowhere'"),
        (CovenantSection("seats", {"nl": "Z", "en": "S"}, TABLES, checks=(
            Check("x", "what", {"nl": "X", "en": "X"}, "filled",
                  notes={"item": {"nl": "a", "en": "b"}}),)),
         "sections[0].checks[0].notes.item", "has the notes ['empty']"),
        (CovenantSection("seats", {"nl": "Z", "en": "S"}, TABLES, checks=(
            Check("x", "what", {"nl": "X", "en": "X"}, "complete_items"),)),
         "sections[0].checks[0].keys", "needs the keys"),
    ],
)
def test_a_wrong_section_declaration_is_reported_with_its_field(section, field, words):
    spec = CanvasSpec(**{**ROLES.__dict__, "sections": (section,)})
    with pytest.raises(SpecError) as raised:
        spec.validate()
    assert raised.value.field == field
    assert words in raised.value.problem


def _rename(board) -> None:  # noqa: ANN001
    for found in board["elements"].values():
        if "table" in found:
            found["level"] = found.pop("table")


def _prefix(board) -> None:  # noqa: ANN001
    for found in board["elements"].values():
        found["text"] = "» " + found["text"]


def test_migrations_run_in_order_from_the_boards_version_and_never_touch_the_input():
    spec = CanvasSpec(**{**ROLES.__dict__, "version": "3.0", "migrations": (
        Migration("1.0", "2.0", _rename), Migration("2.5", "3.0", _prefix))}).validate()
    data = {"meta": {"canvas_version": "1.0"}, "partners": {},
            "elements": {"a": {"kind": "seat", "text": "Wethouder", "table": "bestuur"}}}
    assert migrated(spec, data, "1.0")["elements"]["a"] == {
        "kind": "seat", "text": "» Wethouder", "level": "bestuur"}
    assert migrated(spec, data, "2.0")["elements"]["a"]["text"] == "» Wethouder"
    assert "table" in migrated(spec, data, "2.0")["elements"]["a"]  # 1.0 -> 2.0 not needed
    assert migrated(spec, data, "3.0")["elements"]["a"] == data["elements"]["a"]
    assert migrated(spec, data, "1.0")["meta"]["canvas_version"] == "3.0"
    assert data["elements"]["a"]["text"] == "Wethouder"
    with pytest.raises(NewerVersion, match="version 4.1 of the canvas 'roles-tables'"):
        migrations_for(spec, "4.1")


@pytest.mark.parametrize(
    ("version", "migrations", "words"),
    [
        ("2.0", (Migration("2.0", "1.0", _rename),), "not newer"),
        ("2.0", (Migration("1.0", "3.0", _rename),), "after the canvas version 2.0"),
        ("3.0", (Migration("1.0", "2.0", _rename), Migration("1.5", "3.0", _prefix)),
         "before the previous one ends"),
        ("2.0", (Migration("1.0", "2.0", "not a function"),), "must be a Migration"),
        ("two", (), "numbers with dots"),
    ],
)
def test_a_wrong_migration_chain_is_reported(version, migrations, words):
    spec = CanvasSpec(**{**ROLES.__dict__, "version": version, "migrations": migrations})
    with pytest.raises(SpecError, match=words):
        spec.validate()
