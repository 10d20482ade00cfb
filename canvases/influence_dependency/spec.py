"""The layout and texts of the influence/dependency quadrant.

One zone, the plot area: a ``partner`` marker counts where its centre lies inside it. The axes,
the quadrant names and the ambition line are decorations; the ambition line's default end
points are in ``extra["ambition"]`` and a facilitator's version in the board's meta.
"""

from __future__ import annotations

from partnerboard.plugins import STRATEGY, CanvasSpec, CovenantSection, ElementKind, Rect, Zone

from .picture import draw_partner, draw_plot

#: The plot area in board coordinates: x = dependency 0..1, y = influence 1..0 (top is more).
PLOT = Rect(220, 160, 1200, 1000)
#: The ambition line when the facilitator has not moved it: [[dependency, influence], ...].
DEFAULT_AMBITION = [[0.0, 0.3], [1.0, 0.8]]
#: Smaller moves than this (a share of an axis) count as staying put; the board's markers
#: (static/board.js, through ``extra``) and the covenant's advice use the same threshold.
STAY = 0.05

MID_X, MID_Y = PLOT.x + PLOT.w / 2, PLOT.y + PLOT.h / 2

#: Ids of the relationship types a position suggests, with their names.
RELATIONSHIPS = {
    "partnership": {"nl": "Meerjarig partnerschap", "en": "Multi-year partnership"},
    "business": {"nl": "Zakelijke relatie", "en": "Business relationship"},
    "develop": {"nl": "Ontwikkelrelatie", "en": "Development relationship"},
    "occasional": {"nl": "Incidenteel contact", "en": "Occasional contact"},
}

#: Ids of the movements from the current to the desired position, with their strategy.
MOVEMENTS = {
    "up": {
        "nl": "omhoog: investeer zodat de partner meer bijdraagt aan het doel",
        "en": "up: invest so that the partner contributes more to the goal",
    },
    "down": {
        "nl": "omlaag: de partner krijgt een kleinere rol in het doel",
        "en": "down: the partner takes a smaller part in the goal",
    },
    "left": {
        "nl": "naar links: maak de afhankelijkheid kleiner door alternatieven toe te laten",
        "en": "left: reduce the dependency by letting alternatives in",
    },
    "right": {
        "nl": "naar rechts: bind de partner voor langere tijd",
        "en": "right: commit to the partner for a longer time",
    },
    "stay": {
        "nl": "blijven: zeker de huidige positie, bijvoorbeeld met een meerjarig convenant",
        "en": "stay: secure the current position, for instance with a multi-year covenant",
    },
}


def _quadrant(rect: Rect, relationship: str, text: dict[str, str]) -> dict[str, object]:
    return {"type": "quadrant", "rect": rect.to_json(), "relationship": relationship,
            "title": dict(RELATIONSHIPS[relationship]), "text": text}


DECORATIONS = (
    {"type": "label", "x": PLOT.x, "y": 40, "size": 40,
     "text": {"nl": "Invloed en afhankelijkheid", "en": "Influence and dependency"}},
    _quadrant(
        Rect(MID_X, PLOT.y, PLOT.w / 2, PLOT.h / 2), "partnership",
        {"nl": "Grote invloed, geen alternatief: vastleggen voor meerdere jaren.",
         "en": "Strong influence, no alternative: commit for several years."},
    ),
    _quadrant(
        Rect(PLOT.x, PLOT.y, PLOT.w / 2, PLOT.h / 2), "business",
        {"nl": "Grote invloed, wel alternatieven: opdracht of subsidie per resultaat.",
         "en": "Strong influence, alternatives exist: a contract or grant per result."},
    ),
    _quadrant(
        Rect(MID_X, MID_Y, PLOT.w / 2, PLOT.h / 2), "develop",
        {"nl": "Weinig invloed, geen alternatief: investeer in de bijdrage of zoek alternatieven.",
         "en": "Little influence, no alternative: invest in the contribution or find "
               "alternatives."},
    ),
    _quadrant(
        Rect(PLOT.x, MID_Y, PLOT.w / 2, PLOT.h / 2), "occasional",
        {"nl": "Weinig invloed, wel alternatieven: informeren en af en toe betrekken.",
         "en": "Little influence, alternatives exist: keep informed, involve now and then."},
    ),
    {"type": "axis", "x1": PLOT.x, "y1": PLOT.y + PLOT.h, "x2": PLOT.x + PLOT.w,
     "y2": PLOT.y + PLOT.h,
     "label": {"nl": "Afhankelijkheid van de partner", "en": "Dependency on the partner"},
     "low": {"nl": "er zijn alternatieven", "en": "alternatives exist"},
     "high": {"nl": "onvervangbaar", "en": "irreplaceable"}},
    {"type": "axis", "x1": PLOT.x, "y1": PLOT.y + PLOT.h, "x2": PLOT.x, "y2": PLOT.y,
     "label": {"nl": "Invloed op het maatschappelijke doel",
               "en": "Influence on the shared societal goal"},
     "low": {"nl": "weinig", "en": "little"},
     "high": {"nl": "doorslaggevend", "en": "decisive"}},
    {"type": "ambition-line", "zone": "plot", "meta": "ambition",
     "label": {"nl": "Ambitielijn: wie erboven staat, draagt genoeg bij",
               "en": "Ambition line: partners above it contribute enough"}},
)

SPEC = CanvasSpec(
    id="influence-dependency",
    version="1.0",
    title={"nl": "Invloed en afhankelijkheid", "en": "Influence and dependency"},
    description={
        "nl": "Zet elke partner uit naar zijn invloed op het doel en jullie afhankelijkheid "
        "van hem, vergelijk met de ambitielijn en teken de gewenste beweging.",
        "en": "Place every partner by its influence on the goal and how much you depend on "
        "it, compare with the ambition line, and draw the movement you want.",
    },
    size=(1800, 1400),
    zones=(
        Zone(
            id="plot",
            title={"nl": "Partners", "en": "Partners"},
            rect=PLOT,
            prompts={
                "nl": [
                    "Hoeveel invloed heeft deze partner op het doel, en hebben we een alternatief?",
                    "Staat de partner boven of onder de ambitielijn?",
                    "Waar willen we dat de partner over een paar jaar staat?",
                ],
                "en": [
                    "How much influence does this partner have on the goal, and is there an "
                    "alternative?",
                    "Is the partner above or below the ambition line?",
                    "Where do we want the partner to be in a few years?",
                ],
            },
        ),
        Zone(
            id="parking",
            title={"nl": "Nog te plaatsen", "en": "Not placed yet"},
            rect=Rect(1480, 160, 280, 1000),
            parking=True,
            prompts={"nl": ["Partners waarover we nog twijfelen."],
                     "en": ["Partners we are not sure about yet."]},
        ),
    ),
    element_kinds=(
        ElementKind(
            "partner",
            {"nl": "Partner", "en": "Partner"},
            {"partner": "string", "target_x": "number", "target_y": "number"},
            picture=draw_partner,
        ),
        ElementKind("note", {"nl": "Notitie", "en": "Note"}, markable=True, arranged=True),
    ),
    sections=(
        CovenantSection(
            "partner_strategy",
            {"nl": "Partners en ontwikkelrichting", "en": "Partners and direction"},
            STRATEGY,
            # movement and relationship are ids the advice spells out.
            details={"movement": None, "relationship": None,
                     "dependency": {"nl": "afhankelijkheid", "en": "dependency"},
                     "influence": {"nl": "invloed", "en": "influence"},
                     "ambition": {"nl": "t.o.v. ambitielijn", "en": "against the ambition line"},
                     "desired": {"nl": "gewenste positie", "en": "desired position"},
                     "advice": {"nl": "advies", "en": "advice"}},
            values={"ambition": {"above": {"nl": "erboven", "en": "above"},
                                 "below": {"nl": "eronder", "en": "below"}}},
        ),
    ),
    decorations=DECORATIONS,
    picture=draw_plot,
    extra={
        "ambition": DEFAULT_AMBITION,
        "stay": STAY,
        "plot": "plot",
        "relationships": RELATIONSHIPS,
        "movements": {key: dict(value) for key, value in MOVEMENTS.items()},
    },
)
