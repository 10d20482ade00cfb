"""The layout and texts of the building blocks: sixteen zones in four rows, one row per group."""

from __future__ import annotations

from partnerboard.plugins import HEALTH, CanvasSpec, Check, CovenantSection, ElementKind, Rect, Zone

from .picture import draw_means, draw_score

LEFT, TOP, BLOCK_W, BLOCK_H, GAP, HEADER = 40, 120, 560, 320, 20, 60
ROW_H = HEADER + BLOCK_H + GAP

#: group id -> title; the groups in the order of the rows.
GROUPS = {
    "complementary": {"nl": "Complementair samenwerken", "en": "Complementary collaboration"},
    "vision": {"nl": "Gedeelde visie en richting", "en": "Shared vision and direction"},
    "organisation": {"nl": "Verbinden met de organisaties",
                     "en": "Connecting with the organisations"},
    "network": {"nl": "Genetwerkte innovatie", "en": "Networked innovation"},
}

#: (block id, nl title, en title, nl question, en question), four per group, in group order.
BLOCKS = (
    ("safe-environment", "Veilige omgeving", "Safe environment",
     "Is er ruimte voor twijfel en fouten zonder dat de samenwerking meteen op het spel staat?",
     "Is there room for doubt and mistakes without putting the collaboration at stake?"),
    ("equality", "Gelijkwaardigheid", "Equality",
     "Kijken we verder dan wie betaalt en wie levert, en verdelen we rollen naar wat ieder kan?",
     "Do we look past who pays and who delivers, and share roles by what each can do?"),
    ("tangible-value", "Tastbare waarde", "Tangible value",
     "Laten we onderweg zien wat het samenwerken oplevert, hoe klein ook?",
     "Do we show along the way what working together yields, however small?"),
    ("productive-tension", "Productieve spanning", "Productive tension",
     "Benutten we de verschillen tussen vakgebieden, en blijft de spanning gezond?",
     "Do we put the differences between disciplines to use, and does the tension stay healthy?"),
    ("reflection", "Reflectie en leren", "Reflection and learning",
     "Staan we geregeld stil bij hoe het gaat, en sturen we bij?",
     "Do we regularly stop to look at how it goes, and adjust?"),
    ("perspectives", "Inzicht in elkaars werelden", "Insight into each other's worlds",
     "Weten we hoe de anderen het vraagstuk zien en wat voor hen op het spel staat?",
     "Do we know how the others see the issue and what is at stake for them?"),
    ("shared-future", "Gedeeld toekomstbeeld", "Shared picture of the future",
     "Weten we waar het heen moet: inbedden, overdragen of opschalen?",
     "Do we know where it should lead: embedding, handing over or scaling up?"),
    ("fitting-funding", "Passende financiering", "Fitting funding",
     "Past de manier van financieren bij wat we nu nodig hebben?",
     "Does the way we are funded fit what we need right now?"),
    ("momentum", "Momentum", "Momentum",
     "Sluit het aan bij wat nu speelt in de organisaties: visies, plannen, begrotingen?",
     "Does it connect with what matters in the organisations now: visions, plans, budgets?"),
    ("organisational-attention", "Aandacht vanuit de organisatie",
     "Attention from the organisation",
     "Zijn ook andere afdelingen en lagen betrokken, zodat het niet op een paar mensen rust?",
     "Are other departments and layers involved, so it does not rest on a few people?"),
    ("challenge-balance", "Balans tussen uitdagen en bestendigen",
     "Balance between challenging and reproducing",
     "Weten we waar de grenzen van de organisatie liggen, en waar ruimte is voor iets nieuws?",
     "Do we know where the organisation's limits are, and where there is room for new ideas?"),
    ("power-relations", "Inzicht in machtsverhoudingen", "Insight into power relations",
     "Zien we de machtsverhoudingen, ook de onzichtbare, en wat ze met het werk doen?",
     "Do we see the power relations, the hidden ones too, and what they do to the work?"),
    ("dynamic-coalition", "Dynamische coalitie", "Dynamic coalition",
     "Zoeken we op tijd partners die de uitkomst verder kunnen brengen, en laten we los wie "
     "niet meer nodig is?",
     "Do we find in time the partners who can take the results further, and let go of those "
     "no longer needed?"),
    ("bound-stakeholders", "Verbonden belanghebbenden", "Bound stakeholders",
     "Leren belanghebbenden mee, en hebben ze een echte rol in het werk?",
     "Do stakeholders learn along, and do they have a real part in the work?"),
    ("linked-initiatives", "Aansluiting bij andere initiatieven", "Links with other initiatives",
     "Delen we met vergelijkbare initiatieven wat werkt en wat niet?",
     "Do we share with similar initiatives what works and what does not?"),
    ("active-network", "Actief netwerk", "Active network",
     "Maken we gebruik van elkaars specialismen en van netwerken van vakgenoten?",
     "Do we draw on each other's specialisms and on networks of peers?"),
)


def _zones() -> tuple[Zone, ...]:
    zones = []
    for index, (block_id, nl, en, question_nl, question_en) in enumerate(BLOCKS):
        row, column = divmod(index, 4)
        zones.append(Zone(
            id=block_id,
            title={"nl": f"{index + 1}. {nl}", "en": f"{index + 1}. {en}"},
            rect=Rect(LEFT + column * (BLOCK_W + GAP), TOP + row * ROW_H + HEADER,
                      BLOCK_W, BLOCK_H),
            prompts={"nl": [question_nl], "en": [question_en]},
            group=list(GROUPS)[row],
        ))
    zones.append(Zone(
        id="parking",
        title={"nl": "Parkeerplaats", "en": "Parking area"},
        rect=Rect(LEFT, TOP + 4 * ROW_H, 4 * BLOCK_W + 3 * GAP, 220),
        parking=True,
        prompts={"nl": ["Wat nergens bij past, of later aan bod komt."],
                 "en": ["What fits no block, or comes up later."]},
    ))
    return tuple(zones)


SPEC = CanvasSpec(
    id="building-blocks",
    version="1.0",
    title={"nl": "Bouwstenen voor synergie", "en": "Building blocks for synergy"},
    description={
        "nl": "Een gezondheidscheck van de samenwerking: geef elk van de zestien bouwstenen "
        "een score van 1 tot 5 en licht die toe.",
        "en": "A health check of the collaboration: give each of the sixteen building blocks "
        "a score from 1 to 5 and explain it.",
    },
    size=(2400, 1960),
    zones=_zones(),
    element_kinds=(
        ElementKind("note", {"nl": "Notitie", "en": "Note"}, markable=True, arranged=True),
        ElementKind("score", {"nl": "Score (1-5)", "en": "Score (1-5)"}, {"value": "integer"},
                    picture=draw_score),
    ),
    sections=(
        CovenantSection("health_check", {"nl": "Bouwstenen", "en": "Building blocks"}, HEALTH,
                        # A block's id and group repeat its title.
                        details={"block": None, "group": None,
                                 "mean": {"nl": "gemiddelde score", "en": "mean score"},
                                 "scores": {"nl": "aantal scores", "en": "scores given"}},
                        # a network follows each block's mean from one check to the next
                        score="mean", score_scale=(1, 5),
                        checks=(Check("indicators", "what",
                                      {"nl": "Graadmeters", "en": "Indicators"},
                                      "complete_items", keys=("mean",)),)),
        CovenantSection("attention_points", {"nl": "Aandachtspunten",
                                             "en": "Points of attention"}, HEALTH,
                        details={"block": None,
                                 "mean": {"nl": "gemiddelde score", "en": "mean score"}}),
    ),
    decorations=(
        {"type": "label", "x": LEFT, "y": 30, "size": 40,
         "text": {"nl": "Bouwstenen voor synergetische samenwerking",
                  "en": "Building blocks for synergetic collaboration"}},
        *(
            {"type": "label", "x": LEFT, "y": TOP + row * ROW_H + 10, "size": 28,
             "group": group, "text": dict(title)}
            for row, (group, title) in enumerate(GROUPS.items())
        ),
    ),
    extra={"groups": GROUPS, "score": {"min": 1, "max": 5}},
    picture=draw_means,
)
