"""A covenant reads in its board's language: titles, checklist, dates, numbers, Markdown, DOCX."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import partnerboard.canvases.building_blocks as building_blocks
import partnerboard.canvases.game_rules as game_rules
import partnerboard.canvases.influence_dependency as quadrant
import partnerboard.canvases.partnership_map as partnership_map
from partnerboard.plugins.covenant_build import build_covenant
from partnerboard.plugins.covenant_words import format_date, format_number
from partnerboard.plugins.exporters.docx import render_docx
from partnerboard.plugins.exporters.html import render_html
from partnerboard.plugins.exporters.markdown import escape, render_markdown
from partnerboard.plugins.testing import build_board, element, place, registry_with

FINALIZED = "2026-01-15T10:30:00+00:00"
SIGNED = {"name": "Ayla", "organisation": "Zorg", "signed_at": "2026-01-16T09:00:00+00:00",
          "snapshot_sha256": "ab" * 32}
CANVASES = [partnership_map, game_rules, quadrant, building_blocks]
#: Internal ids that a reader must never see (section, check, zone, group and canvas ids).
INTERNAL = re.compile(
    r"roles_and_communication|process_agreements|partner_strategy|health_check|attention_points"
    r"|shared_objectives|own_objectives|representatives|contributions|\bindicators\b"
    r"|safe-environment|complementary|partnership-map|game-rules|building-blocks"
)
ENGLISH = re.compile(r"\b(?:parties|activities|resources|roles|nothing recorded|signed by|"
                     r"level|mean score|dependency|influence|January|governance|above|below)\b",
                     re.IGNORECASE)


def _elements(canvas) -> list:
    spec = canvas.SPEC
    if canvas is partnership_map:
        return [place(spec, "values", id="v1", text="Samen & sterk in Noord-Veluwe",
                      org="Gemeente"),
                place(spec, "actions", id="a1", text="Bel iedereen", owner="Piet",
                      due="2026-03-01")]
    if canvas is game_rules:
        return [place(spec, "rules", id="r1", kind="rule", text="Bel op tijd",
                      level="governance", org="Gemeente")]
    if canvas is quadrant:
        return [element("partner", centre=(1100, 300), id="m1", text="Politie", w=60, h=60,
                        target_x=1100, target_y=200)]
    return [place(spec, "safe-environment", id="s1", kind="score", text="2"),
            place(spec, "safe-environment", id="n1", text="Te weinig tijd")]


def _board(canvas, language: str):
    return build_board(canvas.SPEC, elements=_elements(canvas), language=language,
                       partners=("Gemeente", "Zorg"), title="Zorg & welzijn")


def covenant_of(canvas, language: str) -> dict:
    board = _board(canvas, language)
    return build_covenant(registry_with(canvas), board, canvas.SPEC, finalized_at=FINALIZED,
                          snapshot_sha256="ab" * 32, signatures=[SIGNED])


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.mark.parametrize("canvas", CANVASES, ids=lambda c: c.SPEC.id)
def test_a_dutch_covenant_shows_no_internal_ids_no_english_and_no_iso_dates(canvas):
    covenant = covenant_of(canvas, "nl")
    for text in (render_markdown(covenant), render_html(covenant),
                 docx_text(render_docx(covenant))):
        assert not INTERNAL.search(text), INTERNAL.search(text)
        assert not ENGLISH.search(text), ENGLISH.search(text)
        assert "+00:00" not in text and "2026-01-1" not in text
        assert "15 januari 2026" in text  # finalized
        assert "16 januari 2026" in text  # signed


@pytest.mark.parametrize("canvas", CANVASES, ids=lambda c: c.SPEC.id)
def test_an_english_covenant_writes_dates_in_english(canvas):
    covenant = covenant_of(canvas, "en")
    for text in (render_markdown(covenant), render_html(covenant),
                 docx_text(render_docx(covenant))):
        assert not INTERNAL.search(text), INTERNAL.search(text)
        assert "15 January 2026" in text and "+00:00" not in text


def test_the_checklist_names_sections_by_their_titles():
    covenant = covenant_of(partnership_map, "nl")
    notes = [note for check in covenant["completeness"] for note in check["notes"]]
    assert "niets vastgelegd onder “Rollen en communicatie”" in notes
    assert covenant["section_titles"]["values"] == "Gedeelde waarden en doelen"
    assert covenant["board"]["canvas_title"] == "Partnerschapskaart"


def test_details_are_in_the_covenant_language():
    markdown = render_markdown(covenant_of(partnership_map, "nl"))
    assert "(wie: Piet; wanneer: 1 maart 2026)" in markdown
    assert "Bel op tijd — *Gemeente* (niveau: bestuur)" in render_markdown(
        covenant_of(game_rules, "nl"))
    blocks = render_markdown(covenant_of(building_blocks, "nl"))
    assert "gemiddelde score: 2; aantal scores: 1" in blocks
    assert "  - Te weinig tijd" in blocks  # the notes that explain a block's score
    strategy = render_markdown(covenant_of(quadrant, "nl"))
    assert re.search(r"afhankelijkheid: 0,\d+; invloed: 0,\d+; t\.o\.v\. ambitielijn: erboven",
                     strategy)


def test_a_zone_with_an_agreed_note_says_only_agreed_notes_count():
    spec = partnership_map.SPEC
    board = build_board(spec, language="nl", elements=[
        place(spec, "values", id="v1", text="Akkoord", status="agreed"),
        place(spec, "values", id="v2", text="Niet besproken"),
        place(spec, "relations", id="r1", text="Geen markering"),
    ])
    covenant = build_covenant(registry_with(partnership_map), board, spec,
                              finalized_at=FINALIZED, snapshot_sha256="ab" * 32)
    assert covenant["agreed_only"] == [{"zone": "values", "title": "Waarden", "agreed": 1,
                                        "notes": 2}]
    assert [i["text"] for i in covenant["sections"]["values"]] == ["Akkoord"]


@pytest.mark.parametrize(("value", "language", "shown"), [
    ("2026-01-15T10:30:00+00:00", "nl", "15 januari 2026"),
    ("2026-01-15T10:30:00Z", "en", "15 January 2026"),
    ("2026-12-01", "nl", "1 december 2026"),
    ("na de zomer", "nl", "na de zomer"),
    ("2026-13-45", "nl", "2026-13-45"),
])
def test_dates_as_people_write_them(value, language, shown):
    assert format_date(value, language) == shown


def test_numbers_with_a_decimal_comma_in_dutch():
    assert format_number(3.5, "nl") == "3,5" and format_number(3.5, "en") == "3.5"
    assert format_number(0.8, "nl") == "0,8" and format_number(2, "nl") == "2"


def test_the_word_document_is_a4_with_the_boards_title_and_parties():
    document = Document(io.BytesIO(render_docx(covenant_of(partnership_map, "nl"))))
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    properties = document.core_properties
    assert properties.title == "Concept samenwerkingsovereenkomst: Zorg & welzijn"
    assert properties.author == "Gemeente, Zorg" and "python-docx" not in properties.comments
    assert properties.language == "nl-NL"


def test_markdown_leaves_ordinary_punctuation_alone():
    markdown = render_markdown(covenant_of(partnership_map, "nl"))
    assert "# Concept samenwerkingsovereenkomst: Zorg & welzijn\n" in markdown
    assert "- Samen & sterk in Noord-Veluwe — *Gemeente*" in markdown
    assert "\\-" not in markdown and "&amp;" not in markdown


_MARKDOWN = MarkdownIt("commonmark")
_TEXT = st.lists(st.sampled_from([*"ab #-+*_=.)(1[]<>&;`~!|\\:/'\"é\n\t", "&amp;", "&#35;"]),
                 max_size=30).map("".join)


def _inline_text(source: str) -> tuple[list[str], str]:
    tokens = _MARKDOWN.parse(source)
    inline = [t for t in tokens if t.type == "inline"]
    text = "".join(child.content for t in inline for child in t.children or [])
    kinds = [child.type for t in inline for child in t.children or []]
    return [t.type for t in tokens], text if set(kinds) <= {"text"} else f"<markup {kinds}>"


@given(_TEXT)
@example("Noord #")
@example("- item")
@example("1. een")
@example("<b>vet</b> &amp; [link](x)")
def test_any_user_text_renders_literally_in_a_list_item_and_a_heading(text):
    folded = " ".join(text.split())
    if not folded:
        return
    types, shown = _inline_text(f"- {escape(text)}")
    assert types == ["bullet_list_open", "list_item_open", "paragraph_open", "inline",
                     "paragraph_close", "list_item_close", "bullet_list_close"]
    assert shown == folded
    types, shown = _inline_text(f"## Titel: {escape(text)}")
    assert types == ["heading_open", "inline", "heading_close"]
    assert shown == f"Titel: {folded}"
