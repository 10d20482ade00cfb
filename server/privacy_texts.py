"""Page texts of the network page's privacy forms (merged into :data:`.i18n.TEXTS`)."""

from __future__ import annotations

__all__ = ["PRIVACY_TEXTS"]

PRIVACY_TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "privacy_heading": "Privacy",
        "privacy_intro": "Namen van deelnemers zijn persoonsgegevens, organisaties niet. Hier "
        "bepaal je hoe lang de borden van dit werkverband namen bewaren, en kun je de gegevens "
        "van één persoon exporteren of wissen. Wissen vervangt de naam door de organisatie (of "
        "'deelnemer'), overal waar het bord hem bewaart; de geschiedenis van het bord begint "
        "daarna opnieuw.",
        "retention_label": "Namen bewaren, in maanden na het laatste gebruik van een bord",
        "retention_hint": "Leeg: namen blijven bewaard. De server past de termijn toe bij het "
        "starten en elk uur.",
        "retention_save": "Bewaartermijn opslaan",
        "retention_current": "Huidige bewaartermijn",
        "retention_none": "geen: namen blijven bewaard",
        "retention_months": "maanden",
        "retention_saved": "Bewaartermijn opgeslagen",
        "retention_applied": "Borden waarop de namen nu zijn vervangen",
        "person_heading": "Gegevens van één persoon",
        "person_name": "Naam van de persoon",
        "person_org": "Organisatie (niet verplicht)",
        "person_export": "Exporteren (JSON)",
        "person_erase": "Naam wissen",
        "person_remove_text": "Ook de tekst wissen van notities die alleen deze persoon schreef "
        "(alleen op open borden)",
        "person_confirm": "Ik begrijp dat wissen niet ongedaan kan worden gemaakt",
        "person_erased": "Naam gewist",
        "person_not_found": "Deze naam staat op geen enkel bord van dit werkverband.",
        "person_boards": "Borden waarop de naam is vervangen",
        "privacy_names_replaced": "namen vervangen",
        "privacy_texts_removed": "teksten gewist",
        "privacy_bad_months": "De bewaartermijn is een heel aantal maanden van 1 tot en met 120.",
        "privacy_bad_name": "Vul de naam van de persoon in (ten hoogste 100 tekens).",
        "privacy_confirm_needed": "Vink aan dat je begrijpt dat wissen niet ongedaan kan worden "
        "gemaakt.",
        "privacy_back": "Terug naar het werkverband",
    },
    "en": {
        "privacy_heading": "Privacy",
        "privacy_intro": "Participants' names are personal data; organisations are not. Here you "
        "set how long the boards of this network keep names, and export or erase one person's "
        "data. Erasing replaces the name by the organisation (or 'participant') everywhere the "
        "board keeps it; the board's history starts again afterwards.",
        "retention_label": "Keep names, in months after a board was last used",
        "retention_hint": "Empty: names are kept. The server applies the period when it starts "
        "and every hour.",
        "retention_save": "Save retention period",
        "retention_current": "Current retention period",
        "retention_none": "none: names are kept",
        "retention_months": "months",
        "retention_saved": "Retention period saved",
        "retention_applied": "Boards whose names were replaced now",
        "person_heading": "One person's data",
        "person_name": "Name of the person",
        "person_org": "Organisation (optional)",
        "person_export": "Export (JSON)",
        "person_erase": "Erase name",
        "person_remove_text": "Also erase the text of notes only this person wrote (open boards "
        "only)",
        "person_confirm": "I understand that erasing cannot be undone",
        "person_erased": "Name erased",
        "person_not_found": "This name is on none of this network's boards.",
        "person_boards": "Boards where the name was replaced",
        "privacy_names_replaced": "names replaced",
        "privacy_texts_removed": "texts erased",
        "privacy_bad_months": "The retention period is a whole number of months from 1 to 120.",
        "privacy_bad_name": "Fill in the person's name (at most 100 characters).",
        "privacy_confirm_needed": "Tick the box to confirm that erasing cannot be undone.",
        "privacy_back": "Back to the network",
    },
}
