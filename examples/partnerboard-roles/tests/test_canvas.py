"""Tests of the roles-and-representation canvas, without a server: run them with ``pytest``."""

from __future__ import annotations

import partnerboard_roles
from partnerboard_roles import SPEC

from partnerboard.plugins import exporters
from partnerboard.plugins.covenant_build import build_covenant
from partnerboard.plugins.testing import build_board, element, point_in, registry_with, run_covenant
from partnerboard.plugins.versions import migrated


def seat(zone: str, id: str, text: str, org: str, **keys: object):  # noqa: ANN201
    return element("seat", centre=point_in(SPEC, zone), id=id, text=text, org=org, **keys)


def test_the_canvas_loads_and_its_spec_is_valid():
    registry = registry_with(partnerboard_roles)
    [info] = registry.plugins.values()
    assert info.state == "ok", info.errors
    assert registry.canvas("roles") == SPEC


def test_seats_become_the_delegation_by_table_and_rotating_seats_their_terms():
    board = build_board(SPEC, partners=("Gemeente", "Zorg", "School"), elements=[
        seat("operations", "s3", "Ilse", "School", rotates=True),
        seat("executive", "s1", "Wethouder Ayla", "Gemeente"),
        seat("management", "s2", "Bram", "Zorg", rotates=True, until="2027-06-30"),
        element("seat", centre=(100, 1450), id="parked", text="Nog niemand", org="Zorg"),
    ])
    sections = run_covenant(partnerboard_roles, board)
    assert [(i["text"], i["table"]) for i in sections["delegation"]] == [
        ("Wethouder Ayla", "Executive table"), ("Bram", "Management table"),
        ("Ilse", "Operations table")]
    assert [(i["text"], i["until"]) for i in sections["rotation"]] == [
        ("Bram", "2027-06-30"), ("Ilse", "")]


def test_the_covenant_has_its_own_chapter_titles_and_checklist():
    registry = registry_with(partnerboard_roles, exporters)
    board = build_board(SPEC, language="nl", partners=("Gemeente", "Zorg"), elements=[
        seat("executive", "s1", "Ayla", "Gemeente", rotates=True)])
    covenant = build_covenant(registry, board, SPEC, finalized_at="2026-11-30T12:00:00Z",
                              snapshot_sha256="0" * 64)
    assert covenant["chapters"][0]["title"] == "Vertegenwoordiging"
    checks = {check["id"]: check for check in covenant["completeness"]}
    assert checks["seated"]["notes"] == ["Zorg heeft nog geen zetel"]
    assert checks["terms"]["notes"] == ["wisselende zetel zonder einddatum: Ayla"]
    markdown = registry.exporters()["md"].render(covenant)
    assert "Delegatie per tafel" in markdown and "tafel: Bestuurstafel; wisselt: ja" in markdown
    assert "tot: ontbreekt" in markdown


def test_version_1_boards_get_their_rotation_as_a_flag():
    old = {"meta": {"canvas_version": "1.0"}, "partners": {}, "elements": {
        "a": {"kind": "seat", "text": "Ayla", "rotation": "yes"},
        "b": {"kind": "seat", "text": "Bram", "rotation": "no"},
        "n": {"kind": "note", "text": "rotation: yes"}}}
    new = migrated(SPEC, old, "1.0")
    assert new["elements"]["a"] == {"kind": "seat", "text": "Ayla", "rotates": True}
    assert new["elements"]["b"]["rotates"] is False
    assert new["elements"]["n"] == old["elements"]["n"]
    assert new["meta"]["canvas_version"] == "2.0"
