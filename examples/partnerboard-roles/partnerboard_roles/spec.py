"""The roles-and-representation canvas: who sits at which table, and who rotates when.

Large networks work at three tables: the executive table (bestuur), the management table and
the operations table. Each partner organisation sends someone to the tables it sits at; some
seats rotate among a group of organisations, for a term. A seat is an element of its own kind
(``seat``): the representative's name as text, ``rotates`` (bool) and ``until`` (the end of
the term, a date).
"""

from __future__ import annotations

from partnerboard.plugins import (
    CanvasSpec,
    Chapter,
    Check,
    CovenantSection,
    ElementKind,
    Migration,
    Rect,
    Zone,
)

from .migrations import rotation_as_flag
from .picture import draw_seat

#: The tables, from the top of the network down: zone id -> title.
TABLES = {
    "executive": {"nl": "Bestuurstafel", "en": "Executive table"},
    "management": {"nl": "Managementtafel", "en": "Management table"},
    "operations": {"nl": "Uitvoeringstafel", "en": "Operations table"},
}
PROMPTS = {
    "executive": {"nl": ["Wie beslist namens de organisatie over de koers van het netwerk?"],
                  "en": ["Who decides on the network's course on behalf of the organisation?"]},
    "management": {"nl": ["Wie stuurt de samenwerking in de eigen organisatie aan?"],
                   "en": ["Who steers the collaboration inside the organisation?"]},
    "operations": {"nl": ["Wie doet het werk samen met de partners, dag in dag uit?"],
                   "en": ["Who does the work with the partners, day in, day out?"]},
}

LEFT, TOP, WIDTH, ROW, GAP = 40, 120, 1920, 360, 30

ZONES = (
    *(
        Zone(
            id=table,
            title={lang: f"{index}. {title[lang]}" for lang in ("nl", "en")},
            rect=Rect(LEFT, TOP + (index - 1) * (ROW + GAP), WIDTH, ROW),
            step=index,
            prompts=PROMPTS[table],
        )
        for index, (table, title) in enumerate(TABLES.items(), start=1)
    ),
    Zone(
        id="parking",
        title={"nl": "Nog geen tafel", "en": "No table yet"},
        rect=Rect(LEFT, TOP + 3 * (ROW + GAP), WIDTH, 200),
        parking=True,
        prompts={"nl": ["Wie nog een plek zoekt."], "en": ["Who is still looking for a seat."]},
    ),
)

#: Delegation and rotation come before how the partners work together (20) in the agreement.
REPRESENTATION = Chapter("representation", {"nl": "Vertegenwoordiging",
                                            "en": "Representation"}, 15)

SECTIONS = (
    CovenantSection(
        "delegation", {"nl": "Delegatie per tafel", "en": "Delegation per table"},
        REPRESENTATION,
        details={"table": {"nl": "tafel", "en": "table"},
                 "rotates": {"nl": "wisselt", "en": "rotates"}},
        checks=(
            Check("seated", "what", {"nl": "Elke partner aan tafel",
                                     "en": "Every partner at a table"},
                  "every_party", notes={"missing": {
                      "nl": "{name} heeft nog geen zetel", "en": "{name} has no seat yet"}}),
        ),
    ),
    CovenantSection(
        "rotation", {"nl": "Wisselende zetels", "en": "Rotating seats"}, REPRESENTATION,
        details={"table": {"nl": "tafel", "en": "table"},
                 "until": {"nl": "tot", "en": "until"}},
        required=("until",),
        checks=(
            Check("terms", "what", {"nl": "Termijnen afgesproken", "en": "Terms agreed"},
                  "complete_items", keys=("until",), notes={"item": {
                      "nl": "wisselende zetel zonder einddatum: {text}",
                      "en": "rotating seat without an end date: {text}"}}),
        ),
    ),
)

SPEC = CanvasSpec(
    id="roles",
    version="2.0",
    title={"nl": "Rollen en vertegenwoordiging", "en": "Roles and representation"},
    description={
        "nl": "Wie zit namens welke partner aan welke tafel, en welke zetels wisselen wanneer.",
        "en": "Who sits at which table for which partner, and which seats rotate when.",
    },
    size=(2000, 1500),
    zones=ZONES,
    steps=tuple(TABLES),
    element_kinds=(
        ElementKind("seat", {"nl": "Zetel", "en": "Seat"},
                    {"rotates": "boolean", "until": "date"}, markable=True, arranged=True,
                    picture=draw_seat),
        ElementKind("note", {"nl": "Notitie", "en": "Note"}, markable=True, arranged=True),
    ),
    decorations=(
        {"type": "label", "x": LEFT, "y": 40, "size": 40,
         "text": {"nl": "Rollen en vertegenwoordiging", "en": "Roles and representation"}},
    ),
    sections=SECTIONS,
    migrations=(Migration("1.0", "2.0", rotation_as_flag),),
)
