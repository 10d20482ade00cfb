"""The layout and texts of the partnership map."""

from __future__ import annotations

from partnerboard.plugins import (
    ACTIVITIES,
    AIMS,
    COOPERATION,
    RESOURCES,
    CanvasSpec,
    Check,
    CovenantSection,
    ElementKind,
    Rect,
    Zone,
)

COLUMN_W, GAP, TOP, COLUMN_H, LEFT = 440, 20, 140, 980, 40


def _column(index: int) -> Rect:
    """Columns are numbered from the left; step 1 sits in the rightmost (index 4)."""
    return Rect(LEFT + index * (COLUMN_W + GAP), TOP, COLUMN_W, COLUMN_H)


ZONES = (
    Zone(
        id="values",
        title={"nl": "1. Waarden", "en": "1. Values"},
        rect=_column(4),
        step=1,
        prompts={
            "nl": [
                "Wanneer noemen we deze samenwerking geslaagd?",
                "Wat willen we samen bereiken, en wat vindt elke partner daarbij belangrijk?",
            ],
            "en": [
                "When do we call this collaboration a success?",
                "What do we want to achieve together, and what matters to each partner?",
            ],
        },
    ),
    Zone(
        id="relations",
        title={"nl": "2. Relaties", "en": "2. Relations"},
        rect=_column(3),
        step=2,
        prompts={
            "nl": [
                "Hoe delen we kennis en hoe nemen we besluiten?",
                "Hoe houdt elke partner zijn eigen kracht, en van wie zijn de resultaten?",
            ],
            "en": [
                "How do we share knowledge and how do we decide?",
                "How does each partner keep its own strength, and who owns the results?",
            ],
        },
    ),
    Zone(
        id="acting",
        title={"nl": "3. Handelen", "en": "3. Acting"},
        rect=_column(2),
        step=3,
        prompts={
            "nl": [
                "Welke vaardigheden en rollen brengt elke partner mee?",
                "Hoe betrekken we anderen en hoe communiceren we?",
            ],
            "en": [
                "Which skills and roles does each partner bring?",
                "How do we involve others, and how do we communicate?",
            ],
        },
    ),
    Zone(
        id="conditions",
        title={"nl": "4. Condities", "en": "4. Conditions"},
        rect=_column(1),
        step=4,
        prompts={
            "nl": [
                "Wat is nodig om te kunnen beginnen?",
                "Wat houdt de onderlinge relaties gezond, in tijd, geld en mensen?",
            ],
            "en": [
                "What do we need to be able to start?",
                "What keeps the relations healthy, in time, money and people?",
            ],
        },
    ),
    Zone(
        id="actions",
        title={"nl": "5. Acties", "en": "5. Actions"},
        rect=_column(0),
        step=5,
        prompts={
            "nl": [
                "Wat zijn de eerste concrete stappen: wie doet wat, en wanneer?",
                "Wat vragen we van anderen?",
            ],
            "en": [
                "What are the first concrete steps: who does what, and by when?",
                "What do we ask of others?",
            ],
        },
    ),
    Zone(
        id="parking",
        title={"nl": "Parkeerplaats", "en": "Parking area"},
        rect=Rect(LEFT, 1160, 1100, 300),
        parking=True,
        prompts={
            "nl": ["Goede ideeën die nu niet aan de orde zijn."],
            "en": ["Good ideas that do not belong to this step."],
        },
    ),
)

DIALOGUE_RULES = {
    "nl": [
        "Iedereen die het aangaat is welkom.",
        "Doe actief mee.",
        "Breng je eigen ideeën in en help anderen de hunne te brengen.",
        "Een ander kan een beter argument hebben.",
        "Zoek overeenstemming die tot praktische actie leidt.",
    ],
    "en": [
        "Everyone it concerns is welcome.",
        "Take an active part.",
        "Bring your own ideas and help others bring theirs.",
        "Someone else may have the better argument.",
        "Look for agreement that leads to practical action.",
    ],
}

def _filled(check_id: str, title: dict[str, str]) -> Check:
    return Check(check_id, "what", title, "filled", notes={"empty": {
        "nl": "niets vastgelegd onder “{section}”", "en": "nothing recorded under “{section}”"}})


#: The covenant sections, in the order the checklist judges them.
SECTIONS = (
    CovenantSection("values", {"nl": "Gedeelde waarden en doelen", "en": "Shared values and aims"},
                    AIMS, checks=(
        Check("shared_objectives", "why",
              {"nl": "Gedeelde doelen en waarden", "en": "Shared objectives and values"},
              "from_parties", notes={"empty": {
                  "nl": "nog geen gedeelde waarden of doelen vastgelegd",
                  "en": "no shared values or objectives recorded"}}),
        Check("own_objectives", "why",
              {"nl": "Eigen doelen per partner", "en": "Each partner's own objectives"},
              "every_party", notes={"missing": {
                  "nl": "{name} heeft nog niet gezegd wat het belangrijk vindt",
                  "en": "{name} has not named what it values"}}),
    )),
    CovenantSection("actions", {"nl": "Eerste acties", "en": "First actions"}, ACTIVITIES,
                    details={"owner": {"nl": "wie", "en": "who"},
                             "due": {"nl": "wanneer", "en": "by"}},
                    required=("owner", "due"),
                    checks=(
        Check("activities", "what", {"nl": "Activiteiten", "en": "Activities"},
              "complete_items", keys=("owner", "due"), notes={
                  "item": {"nl": "actie zonder eigenaar of datum: {text}",
                           "en": "action without owner or date: {text}"},
                  "empty": {"nl": "nog geen acties vastgelegd", "en": "no actions recorded"}}),
    )),
    CovenantSection("conditions", {"nl": "Voorwaarden en middelen",
                                   "en": "Conditions and resources"}, RESOURCES,
                    checks=(_filled("resources", {"nl": "Middelen en voorwaarden",
                                                  "en": "Resources and conditions"}),)),
    CovenantSection("roles_and_communication", {"nl": "Rollen en communicatie",
                                                "en": "Roles and communication"}, COOPERATION,
                    checks=(_filled("roles", {"nl": "Rollen", "en": "Roles"}),)),
    CovenantSection("process_agreements", {"nl": "Procesafspraken", "en": "Process agreements"},
                    COOPERATION, checks=(_filled("process_agreements", {
                        "nl": "Procesafspraken", "en": "Process agreements"}),)),
)

SPEC = CanvasSpec(
    id="partnership-map",
    version="1.0",
    title={"nl": "Partnerschapskaart", "en": "Partnership map"},
    description={
        "nl": "Vijf kolommen, van rechts naar links: eerst samen het doel, dan de middelen, "
        "dan de eerste acties.",
        "en": "Five columns, worked from right to left: first the shared aim, then the means, "
        "then the first actions.",
    },
    size=(2400, 1500),
    zones=ZONES,
    steps=("values", "relations", "acting", "conditions", "actions"),
    element_kinds=(
        ElementKind(
            "note",
            {"nl": "Notitie", "en": "Note"},
            {"owner": "string", "due": "date"},
            markable=True,
            arranged=True,
        ),
        ElementKind("arrow", {"nl": "Pijl", "en": "Arrow"}, {"from": "element", "to": "element"},
                    content=False),
    ),
    sections=SECTIONS,
    # Notes in these zones carry an owner and a due date (the note editor shows the fields).
    extra={"field_zones": ["actions"]},
    decorations=(
        {
            "type": "label",
            "x": LEFT,
            "y": 40,
            "size": 40,
            "text": {"nl": "Partnerschapskaart", "en": "Partnership map"},
        },
        {
            "type": "arrow-hint",
            "x1": 2320,
            "y1": 110,
            "x2": LEFT,
            "y2": 110,
            "text": {"nl": "werk van rechts naar links", "en": "work from right to left"},
        },
        {
            "type": "text-list",
            "x": 1180,
            "y": 1160,
            "w": 1140,
            "h": 300,
            "title": {"nl": "Spelregels voor de dialoog", "en": "Rules of dialogue"},
            "items": DIALOGUE_RULES,
        },
    ),
)
