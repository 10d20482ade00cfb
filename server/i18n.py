"""Page texts in Dutch and English, and picking the language of a request."""

from __future__ import annotations

from starlette.requests import Request

from .i18n_networks import NETWORK_TEXTS
from .privacy_texts import PRIVACY_TEXTS

__all__ = ["TEXTS", "pick_language"]

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "network_start": "Een werkverband beginnen",
        "network_start_hint": "Een vaste plek voor een netwerk: de partnerorganisaties één keer "
        "vastgelegd, en al zijn borden op één pagina. Je krijgt één sleutel-link; bewaar die goed.",
        "network_name": "Naam van het werkverband",
        "network_members": "Organisaties in het werkverband (één per regel)",
        "network_members_heading": "Organisaties in het werkverband",
        "network_create": "Werkverband maken",
        "network_created": "Werkverband gemaakt",
        "network_key_once": "Dit is de sleutel-link van het werkverband. Hij wordt maar één keer "
        "getoond en opent alle borden van het werkverband als begeleider: bewaar hem veilig.",
        "network_key_link": "Sleutel-link van het werkverband",
        "network_intro": "De borden van dit werkverband, nieuwste eerst. Een nieuw bord krijgt de "
        "partnerorganisaties van het werkverband, met een eigen link per partner.",
        "network_no_members": "Nog geen partnerorganisaties.",
        "network_boards": "Borden",
        "network_no_boards": "Nog geen borden: maak hieronder het eerste.",
        "network_state": "Stand",
        "network_made": "Gemaakt",
        "network_state_open": "open",
        "network_state_finalized": "afgerond",
        "network_state_superseded": "afgerond, vervangen door een nieuwere versie",
        "network_new_board": "Nieuw bord voor dit werkverband",
        "network_new_board_hint": "De partnerorganisaties komen er vanzelf op te staan.",
        "network_forbidden": "Deze sleutel is niet (meer) geldig voor dit werkverband.",
        "canvas": "Canvas",
        "tagline": "Samen een partnerschap ontwerpen, op één bord, vanaf elke plek.",
        "intro": "Kies een canvas, nodig de partners uit met een link, werk samen aan het bord "
        "en leg vast wat jullie afspreken als bouwstenen voor een convenant.",
        "canvases": "Canvassen",
        "choose_canvas": "Kies een canvas",
        "steps_count": "{n} stappen, begeleid",
        "no_canvases": "Er zijn nog geen canvassen geïnstalleerd. Installeer een canvas-plugin "
        "en herstart de server.",
        "new_board": "Nieuw bord",
        "title": "Titel van het bord",
        "language": "Taal van het bord",
        "partners": "Partnerorganisaties (één per regel)",
        "create_key": "Sleutel om borden te maken",
        "create": "Bord maken",
        "created": "Het bord is klaar",
        "created_intro": "Deel elke link alleen met wie die rol krijgt. Wie een link heeft, "
        "kan het bord openen zonder account.",
        "role_facilitator": "Begeleider: leidt de sessie, kan alles wijzigen en het bord afronden.",
        "role_participant": "Gasten: deelnemers buiten de partners. Ze kunnen notities maken, "
        "bewerken en verplaatsen; hun organisatie staat erbij als gast en ze tekenen niet.",
        "party_links": "Een link per partner",
        "party_links_intro": "Geef elke partner alleen de eigen link. Wie die opent, doet mee "
        "namens die organisatie, en alleen met die link kan de partner het convenant tekenen.",
        "qr_of": "QR-code van de link voor {name}",
        "role_observer": "Toeschouwer: ziet alles live, maar kan niets veranderen.",
        "copy": "Kopiëren",
        "open": "Openen",
        "back": "Terug naar het overzicht",
        "error": "Dat lukte niet",
        "forbidden": "Deze link is niet (meer) geldig voor dit bord.",
        "damaged": "De opgeslagen gegevens van dit bord zijn beschadigd. De beheerder kan het"
        " terugzetten uit een back-up; andere borden werken gewoon.",
        "too_many": "Er zijn vanaf dit adres net te veel borden gemaakt. Probeer het over een"
        " minuut opnieuw.",
        "bidi": "Een naam mag geen tekens bevatten die de leesrichting omdraaien "
        "(bidi-stuurtekens): daarmee lijkt een naam op een andere.",
        "board_loading": "Het bord wordt geladen…",
        "board_needs_js": "Het bord heeft JavaScript nodig.",
        "switch_language": "English",
    },
    "en": {
        "network_start": "Start a network",
        "network_start_hint": "A home for a network: its partner organisations recorded once, "
        "and all its boards on one page. You get one key link; keep it safe.",
        "network_name": "Name of the network",
        "network_members": "Member organisations (one per line)",
        "network_members_heading": "Member organisations",
        "network_create": "Create network",
        "network_created": "Network created",
        "network_key_once": "This is the network's key link. It is shown only once and opens "
        "every board of the network as facilitator: keep it safe.",
        "network_key_link": "The network's key link",
        "network_intro": "The boards of this network, newest first. A new board gets the "
        "network's partner organisations, each with a link of its own.",
        "network_no_members": "No partner organisations yet.",
        "network_boards": "Boards",
        "network_no_boards": "No boards yet: make the first one below.",
        "network_state": "State",
        "network_made": "Made",
        "network_state_open": "open",
        "network_state_finalized": "finalized",
        "network_state_superseded": "finalized, replaced by a newer version",
        "network_new_board": "New board for this network",
        "network_new_board_hint": "The partner organisations are filled in for you.",
        "network_forbidden": "This key is not (or no longer) valid for this network.",
        "canvas": "Canvas",
        "tagline": "Design a partnership together, on one board, from anywhere.",
        "intro": "Pick a canvas, invite the partners with a link, work on the board together "
        "and record what you agree as the ingredients of a covenant.",
        "canvases": "Canvases",
        "choose_canvas": "Choose a canvas",
        "steps_count": "{n} guided steps",
        "no_canvases": "No canvases are installed yet. Install a canvas plugin and restart "
        "the server.",
        "new_board": "New board",
        "title": "Board title",
        "language": "Board language",
        "partners": "Partner organisations (one per line)",
        "create_key": "Key for creating boards",
        "create": "Create board",
        "created": "Your board is ready",
        "created_intro": "Share each link only with the people who get that role. Anyone with a "
        "link can open the board without an account.",
        "role_facilitator": "Facilitator: runs the session, can change everything and finalize "
        "the board.",
        "role_participant": "Guests: participants from outside the partners. They can add, "
        "edit and move notes; their organisation is shown as a guest's and they do not sign.",
        "party_links": "A link per partner",
        "party_links_intro": "Give each partner only its own link. Whoever opens it takes part "
        "on behalf of that organisation, and only with it can the partner sign the covenant.",
        "qr_of": "QR code of the link for {name}",
        "role_observer": "Observer: sees everything live, but cannot change anything.",
        "copy": "Copy",
        "open": "Open",
        "back": "Back to the overview",
        "error": "That did not work",
        "forbidden": "This link is not (or no longer) valid for this board.",
        "damaged": "This board's stored data is damaged. The administrator can restore it from"
        " a backup; other boards work as usual.",
        "too_many": "Too many boards were just created from this address. Try again in a"
        " minute.",
        "bidi": "A name may not contain characters that turn the reading direction around "
        "(bidirectional controls): they make one name look like another.",
        "board_loading": "Loading the board…",
        "board_needs_js": "The board needs JavaScript.",
        "switch_language": "Nederlands",
    },
}


for _lang, _texts in NETWORK_TEXTS.items():
    TEXTS[_lang].update(_texts)


def pick_language(request: Request, default: str | None = None) -> str:
    """``?lang=`` first, then the given default (a board's language), then Accept-Language."""
    asked = request.query_params.get("lang")
    if asked in TEXTS:
        return asked
    if default in TEXTS:
        return default
    accept = request.headers.get("accept-language", "").lower()
    return "nl" if accept.startswith("nl") else "en"


def _merge(extra: dict[str, dict[str, str]]) -> None:
    """Add a feature's own texts (kept in its module) to both languages."""
    for lang, texts in extra.items():
        TEXTS[lang].update(texts)


_merge(PRIVACY_TEXTS)
