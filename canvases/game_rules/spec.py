"""The layout and texts of the game-rules board."""

from __future__ import annotations

from partnerboard.plugins import (
    CONDUCT,
    COOPERATION,
    CanvasSpec,
    Check,
    CovenantSection,
    Element,
    ElementKind,
    Rect,
    Zone,
)
from partnerboard.plugins.picture import Picture, caption, colour

#: A rule works at one of these levels, from the work floor up.
LEVELS = {
    "practice": {"nl": "Uitvoering", "en": "Practice"},
    "management": {"nl": "Management", "en": "Management"},
    "governance": {"nl": "Bestuur", "en": "Governance"},
}

TOP, HEIGHT = 140, 1000

ZONES = (
    Zone(
        id="never-again",
        title={"nl": "1. Nooit meer", "en": "1. Never again"},
        rect=Rect(40, TOP, 640, HEIGHT),
        step=1,
        prompts={
            "nl": ["In welke situaties willen we in onze samenwerking nooit meer belanden?"],
            "en": ["Which situations do we never want to end up in again as partners?"],
        },
    ),
    Zone(
        id="rules",
        title={"nl": "2. Spelregels", "en": "2. Game rules"},
        rect=Rect(720, TOP, 920, HEIGHT),
        step=2,
        prompts={
            "nl": [
                "Welke afspraak voorkomt zo'n situatie? Trek een pijl van de situatie naar "
                "de regel.",
                "Geldt de regel in de uitvoering, voor het management of voor het bestuur?",
            ],
            "en": [
                "Which agreement prevents such a situation? Draw an arrow from the situation "
                "to the rule.",
                "Does the rule apply to practice, to management or to governance?",
            ],
        },
    ),
    Zone(
        id="guardian",
        title={"nl": "3. Hoeder", "en": "3. Guardian"},
        rect=Rect(1680, TOP, 680, 480),
        step=3,
        prompts={
            "nl": ["Wie bewaakt de spelregels en mag de partners bij elkaar roepen als het "
                   "schuurt?"],
            "en": ["Who guards the rules and may call the partners together when things "
                   "chafe?"],
        },
    ),
    Zone(
        id="communication",
        title={"nl": "4. Communicatie", "en": "4. Communication"},
        rect=Rect(1680, TOP + 520, 680, 480),
        step=4,
        prompts={
            "nl": ["Hoe horen alle mensen in het netwerk van de spelregels en van hoe ze tot "
                   "stand kwamen?"],
            "en": ["How does everyone in the wider network learn about the rules and how they "
                   "came about?"],
        },
    ),
    Zone(
        id="parking",
        title={"nl": "Parkeerplaats", "en": "Parking area"},
        rect=Rect(40, 1180, 1100, 280),
        parking=True,
        prompts={"nl": ["Wat nu niet aan de orde is."], "en": ["What does not fit this step."]},
    ),
)

THEMES = {
    "nl": [
        "Samen eigenaar zijn",
        "Op tijd informeren",
        "Werken vanuit de gezamenlijke opgave",
        "Elkaar opzoeken zodra er gedoe dreigt",
    ],
    "en": [
        "Owning it together",
        "Informing each other in time",
        "Working from the shared task",
        "Seeking each other out as soon as trouble looms",
    ],
}

def level_of(rule: Element) -> str | None:
    """A rule's level (a key of ``LEVELS``), or None. A client may write any JSON value
    there; a list or a dict, unhashable, once made every look-up in ``LEVELS`` raise, which
    failed the board picture and so finalize, for good, and emptied the covenant's rules."""
    level = rule.get("level")
    return level if isinstance(level, str) and level in LEVELS else None


def draw_rule(element: Element, picture: Picture) -> None:
    """A rule in the board picture: a card with its level above the text."""
    level = level_of(element)
    title = LEVELS[level][picture.language] if level else ""
    picture.card(element.x, element.y, element.w, element.h, element.text,
                 caption=" · ".join(p for p in (title, caption(element, picture.language)) if p),
                 fill=colour(element.color, "#c5e3f6"))


SECTIONS = (
    CovenantSection("game_rules", {"nl": "Spelregels", "en": "Game rules"}, CONDUCT,
                    details={"level": {"nl": "niveau", "en": "level"},
                             "prevents": {"nl": "voorkomt", "en": "prevents"}},
                    values={"level": {level: {lang: title[lang].lower() for lang in title}
                                      for level, title in LEVELS.items()}},
                    checks=(
        Check("game_rules", "what", {"nl": "Spelregels", "en": "Game rules"}, "with_section",
              other="guardian", notes={
                  "missing_other": {"nl": "de spelregels hebben geen hoeder",
                                    "en": "the game rules have no guardian"},
                  "empty": {"nl": "nog geen spelregels vastgelegd",
                            "en": "no game rules recorded"}}),
    )),
    CovenantSection("guardian", {"nl": "Hoeder van de spelregels",
                                 "en": "Guardian of the rules"}, CONDUCT),
    CovenantSection("communication", {"nl": "Communicatie over de afspraken",
                                      "en": "Communicating the agreements"}, COOPERATION),
)

SPEC = CanvasSpec(
    id="game-rules",
    version="1.0",
    title={"nl": "Spelregels", "en": "Game rules"},
    description={
        "nl": "Afspraken over hoe partners met elkaar omgaan als de samenwerking onder druk "
        "staat: van situaties die nooit meer mogen gebeuren naar regels, een hoeder en "
        "communicatie.",
        "en": "Agreements on how partners treat each other when the collaboration is under "
        "pressure: from situations that must not happen again to rules, a guardian and "
        "communication.",
    },
    size=(2400, 1500),
    zones=ZONES,
    steps=("never-again", "rules", "guardian", "communication"),
    element_kinds=(
        ElementKind("note", {"nl": "Notitie", "en": "Note"}, markable=True, arranged=True),
        ElementKind("rule", {"nl": "Spelregel", "en": "Game rule"}, {"level": tuple(LEVELS)},
                    markable=True, arranged=True, picture=draw_rule),
        ElementKind("arrow", {"nl": "Pijl", "en": "Arrow"}, {"from": "element", "to": "element"},
                    content=False),
    ),
    sections=SECTIONS,
    decorations=(
        {"type": "label", "x": 40, "y": 40, "size": 40,
         "text": {"nl": "Spelregels voor samenwerken onder druk",
                  "en": "Game rules for working under pressure"}},
        {"type": "text-list", "x": 1180, "y": 1180, "w": 1180, "h": 280,
         "title": {"nl": "Thema's om aan te denken", "en": "Themes to consider"},
         "items": THEMES},
    ),
    extra={"levels": LEVELS},
)
