"""Building covenant data from board snapshots: agreement marks and the completeness check."""

from __future__ import annotations

from partnerboard.canvases import game_rules, partnership_map
from partnerboard.canvases.partnership_map.spec import SPEC
from partnerboard.plugins import exporters
from partnerboard.plugins.covenant_build import agreed_view, build_covenant, completeness
from partnerboard.plugins.testing import build_board, registry_with


def covenant_of(board):
    registry = registry_with(partnership_map, exporters)
    return build_covenant(registry, board, SPEC, finalized_at="2026-11-25T10:00:00+00:00",
                          snapshot_sha256="0" * 64)


def test_agreed_notes_replace_the_rest_of_their_zone_only():
    board = build_board(SPEC, notes_in={
        "values": [{"text": "agreed value", "status": "agreed"}, "not chosen"],
        "relations": ["all count", {"text": "also counts"}],
        "conditions": [{"text": "parked by the facilitator", "status": "parked"}, "kept"],
    })
    view = agreed_view(board, SPEC)
    assert {e.text for e in view.elements.values()} == {
        "agreed value", "all count", "also counts", "kept"
    }
    sections = covenant_of(board)["sections"]
    assert [i["text"] for i in sections["values"]] == ["agreed value"]
    assert [i["text"] for i in sections["process_agreements"]] == ["all count", "also counts"]
    assert [i["text"] for i in sections["conditions"]] == ["kept"]


def test_completeness_names_what_is_missing():
    board = build_board(
        SPEC,
        partners=("Gemeente", "Zorg", "School"),
        notes_in={
            "values": [{"text": "safe streets", "org": "Gemeente"}],
            "actions": [{"text": "pilot", "org": "Zorg", "owner": "Ayla", "due": "2027-01-01"},
                        {"text": "plan", "org": "Zorg"}],
        },
    )
    checks = {c["id"]: c for c in covenant_of(board)["completeness"]}
    assert checks["parties"]["status"] == "fully"
    assert checks["contributions"]["status"] == "partly"
    assert checks["contributions"]["notes"] == ["no contribution from School"]
    assert checks["activities"]["status"] == "partly"
    assert checks["activities"]["notes"] == ["action without owner or date: plan"]
    assert checks["shared_objectives"]["status"] == "partly"  # one organisation only
    assert checks["representatives"]["status"] == "not_in_place"
    assert checks["resources"]["status"] == "not_in_place"


def test_game_rules_without_guardian_are_only_partly_in_place():
    board = build_board(game_rules.SPEC, partners=("A", "B"), notes_in={
        "rules": [{"text": "call first", "org": "A", "kind": "rule", "level": "practice"}]})
    registry = registry_with(game_rules, exporters)
    covenant = build_covenant(registry, board, game_rules.SPEC,
                              finalized_at="2026-11-25T10:00:00+00:00", snapshot_sha256="0" * 64)
    checks = {c["id"]: c for c in covenant["completeness"]}
    assert checks["game_rules"]["status"] == "partly"
    assert checks["game_rules"]["title"] == "Game rules"
    assert "the game rules have no guardian" in checks["game_rules"]["notes"]
    # The checks travel with the covenant: judged again from the stored data alone.
    assert completeness(covenant) == covenant["completeness"]


def test_checklist_notes_speak_the_boards_language():
    board = build_board(SPEC, language="nl", partners=("Gemeente", "School"),
                        notes_in={"values": [{"text": "veilig", "org": "Gemeente"}]})
    checks = {c["id"]: c for c in covenant_of(board)["completeness"]}
    assert checks["contributions"]["notes"] == ["nog geen bijdrage van School"]
