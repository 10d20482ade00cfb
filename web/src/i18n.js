// The board's texts in Dutch and English, and the current language.

import { Emitter } from './events.js'

const TEXTS = {
  nl: {
    loading: 'Het bord wordt geladen…',
    load_failed: 'Het bord kon niet worden geladen: {error}',
    join_title: 'Meedoen aan dit bord',
    join_intro: 'Laat de anderen weten wie je bent. Je naam en organisatie staan bij je notities en je cursor.',
    join_name: 'Je naam',
    join_org: 'Organisatie',
    join_org_hint: 'Kies een van de partners of typ een andere organisatie.',
    join_org_hint_guest: 'Je doet mee als gast: je organisatie staat erbij als "(gast)". Partners hebben een eigen link.',
    join_party: 'Je doet mee namens {org}.',
    guest: 'gast',
    edited_by: 'bewerkt door {names}',
    join_submit: 'Aan de slag',
    change_identity: 'Naam wijzigen',
    toolbar: 'Gereedschap',
    new_note: 'Nieuwe notitie',
    connect: 'Verbinden met pijl',
    colour: 'Kleur',
    colour_of: 'Kleur: {name}',
    yellow: 'geel', orange: 'oranje', pink: 'roze', blue: 'blauw', green: 'groen', purple: 'paars', white: 'wit',
    delete: 'Verwijderen',
    undo: 'Ongedaan maken',
    redo: 'Opnieuw',
    zoom_in: 'Inzoomen',
    zoom_out: 'Uitzoomen',
    zoom_level: 'Zoom {percent}%',
    fit: 'Hele bord',
    outline: 'Overzicht',
    menu: 'Menu',
    outline_title: 'Overzicht van het bord',
    search: 'Zoeken',
    comments_title: 'Opmerkingen',
    comments_none: 'Nog geen opmerkingen.',
    comment_label: 'Jouw opmerking',
    comment_add: 'Plaatsen',
    comments_close: 'Sluiten',
    comments_count: '{n} opmerkingen',
    comments_count_one: '1 opmerking',
    search_placeholder: 'woorden of organisatie',
    search_found: '{n} gevonden; Enter gaat naar de volgende',
    search_found_one: '1 gevonden; Enter toont hem',
    search_hit: '{k} van {n}',
    outline_intro: 'Alle notities per kolom, als tekst. Kies "Toon" om een notitie op het bord te zoeken.',
    parked: 'Geparkeerd (telt niet mee)',
    agreed_only: 'Hier is een notitie akkoord gegeven: alleen akkoord-notities gaan mee in het convenant ({k} van {n}).',
    not_counted: 'telt niet mee',
    none_yet: 'Nog niets.',
    show_on_board: 'Toon',
    language: 'English',
    language_label: 'Switch to English',
    status_connecting: 'Verbinden…',
    status_connected: 'Verbonden',
    status_reconnecting: 'Opnieuw verbinden…',
    status_offline: 'Offline: je wijzigingen worden bewaard',
    status_denied: 'Geen toegang tot dit bord',
    status_seat_removed: 'De begeleider heeft je plaats verwijderd. Laad de pagina opnieuw om weer mee te doen.',
    unsynced_one: '1 wijziging nog niet verzonden',
    unsynced_many: '{n} wijzigingen nog niet verzonden',
    read_only_observer: 'Je kijkt mee als toeschouwer: je ziet alles live, maar kunt niets veranderen.',
    finalized: 'Dit bord is afgerond en kan niet meer worden gewijzigd.',
    download_picture: 'Plaatje downloaden',
    newer_canvas: 'Dit bord is gemaakt met versie {made} van dit canvas; deze server heeft versie {installed}. Je kunt kijken, maar niets veranderen tot de server is bijgewerkt.',
    here_now: 'Nu aanwezig ({n})',
    you: 'jij',
    note_by: 'Notitie van {author}',
    note_text: 'Tekst van de notitie',
    owner: 'Wie',
    due: 'Wanneer',
    arrow: 'Pijl van "{from}" naar "{to}"',
    element: 'Element ({kind})',
    canvas_label: 'Bord. N: nieuwe notitie, pijltjes: schuiven, plus en min: zoomen, O: overzicht.',
    shortcuts: 'Sneltoetsen',
    shortcut_list: [
      'N — nieuwe notitie (of dubbelklik op het bord)',
      'Enter — notitie bewerken; Escape — klaar',
      'Tab — naar de volgende notitie; spatie — toevoegen aan selectie',
      'Pijltjes — selectie verplaatsen, of het bord schuiven; Alt+pijltjes — grootte',
      'Delete — selectie verwijderen; C — andere kleur; A — twee notities verbinden',
      '+ en − — zoomen; 0 — hele bord; O — overzicht',
      'Ctrl+Z — ongedaan maken; Ctrl+Shift+Z — opnieuw',
      'Ctrl+C / Ctrl+V — kopiëren en plakken (ook naar een ander bord); Ctrl+D — dupliceren',
      '/ — zoeken in de notities; M — opmerkingen bij de notitie',
      'Shift+klik of een rechthoek slepen — meerdere kiezen; spatie+slepen — schuiven'
    ],
    role_facilitator: 'begeleider',
    role_participant: 'deelnemer',
    role_observer: 'toeschouwer'
  },
  en: {
    loading: 'Loading the board…',
    load_failed: 'The board could not be loaded: {error}',
    join_title: 'Join this board',
    join_intro: 'Tell the others who you are. Your name and organisation are shown with your notes and your cursor.',
    join_name: 'Your name',
    join_org: 'Organisation',
    join_org_hint: 'Pick one of the partners or type another organisation.',
    join_org_hint_guest: 'You join as a guest: your organisation is shown with "(guest)". Partners have a link of their own.',
    join_party: 'You take part on behalf of {org}.',
    guest: 'guest',
    edited_by: 'edited by {names}',
    join_submit: 'Start',
    change_identity: 'Change name',
    toolbar: 'Tools',
    new_note: 'New note',
    connect: 'Connect with arrow',
    colour: 'Colour',
    colour_of: 'Colour: {name}',
    yellow: 'yellow', orange: 'orange', pink: 'pink', blue: 'blue', green: 'green', purple: 'purple', white: 'white',
    delete: 'Delete',
    undo: 'Undo',
    redo: 'Redo',
    zoom_in: 'Zoom in',
    zoom_out: 'Zoom out',
    zoom_level: 'Zoom {percent}%',
    fit: 'Fit to board',
    outline: 'Outline',
    menu: 'Menu',
    outline_title: 'Outline of the board',
    search: 'Search',
    comments_title: 'Comments',
    comments_none: 'No comments yet.',
    comment_label: 'Your comment',
    comment_add: 'Post',
    comments_close: 'Close',
    comments_count: '{n} comments',
    comments_count_one: '1 comment',
    search_placeholder: 'words or organisation',
    search_found: '{n} found; Enter goes to the next',
    search_found_one: '1 found; Enter shows it',
    search_hit: '{k} of {n}',
    outline_intro: 'Every note per column, as text. Choose "Show" to find a note on the board.',
    parked: 'Parked (does not count)',
    agreed_only: 'A note here is marked agreed: only agreed notes go into the covenant ({k} of {n}).',
    not_counted: 'does not count',
    none_yet: 'Nothing yet.',
    show_on_board: 'Show',
    language: 'Nederlands',
    language_label: 'Overschakelen naar Nederlands',
    status_connecting: 'Connecting…',
    status_connected: 'Connected',
    status_reconnecting: 'Reconnecting…',
    status_offline: 'Offline: your changes are kept',
    status_denied: 'No access to this board',
    status_seat_removed: 'The facilitator removed your seat. Reload the page to join again.',
    unsynced_one: '1 change not sent yet',
    unsynced_many: '{n} changes not sent yet',
    read_only_observer: 'You are watching as an observer: you see everything live but cannot change anything.',
    finalized: 'This board is finalized and can no longer be changed.',
    download_picture: 'Download picture',
    newer_canvas: 'This board was made with version {made} of this canvas; this server has version {installed}. You can look, but not change anything until the server is upgraded.',
    here_now: 'Here now ({n})',
    you: 'you',
    note_by: 'Note by {author}',
    note_text: 'Note text',
    owner: 'Who',
    due: 'When',
    arrow: 'Arrow from "{from}" to "{to}"',
    element: 'Element ({kind})',
    canvas_label: 'Board. N: new note, arrow keys: pan, plus and minus: zoom, O: outline.',
    shortcuts: 'Shortcuts',
    shortcut_list: [
      'N — new note (or double-click the board)',
      'Enter — edit the note; Escape — done',
      'Tab — next note; Space — add to the selection',
      'Arrow keys — move the selection, or pan the board; Alt+arrows — resize',
      'Delete — delete the selection; C — next colour; A — connect two notes',
      '+ and − — zoom; 0 — fit to board; O — outline',
      'Ctrl+Z — undo; Ctrl+Shift+Z — redo',
      'Ctrl+C / Ctrl+V — copy and paste (also into another board); Ctrl+D — duplicate',
      '/ — search the notes; M — comments on the note',
      'Shift+click or drag a rectangle — select several; Space+drag — pan'
    ],
    role_facilitator: 'facilitator',
    role_participant: 'participant',
    role_observer: 'observer'
  }
}

export const LANGUAGES = Object.keys(TEXTS)
const events = new Emitter()
let current = 'en'

export function getLanguage () { return current }

export function setLanguage (lang) {
  if (!TEXTS[lang] || lang === current) return
  current = lang
  document.documentElement.lang = lang
  events.emit('change', lang)
}

export function onLanguage (handler) { return events.on('change', handler) }

/** Add the texts of a feature module (facilitation, covenant, ...): {nl: {...}, en: {...}}. */
export function addTexts (more) {
  for (const [lang, texts] of Object.entries(more)) if (TEXTS[lang]) Object.assign(TEXTS[lang], texts)
}

/** The text for key in the current language, with {name} placeholders filled in. When
 * vars.n is 1 and a `${key}_one` text exists, that one is used: "1 punt", not "1 punten". */
export function t (key, vars = {}) {
  if (vars.n === 1 && (TEXTS[current][`${key}_one`] ?? TEXTS.en[`${key}_one`]) !== undefined) key = `${key}_one`
  const text = TEXTS[current][key] ?? TEXTS.en[key] ?? key
  if (typeof text !== 'string') return text
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''))
}

/** Pick the current language from a {nl, en} object of the canvas spec. */
export function pick (value) {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string' || Array.isArray(value)) return value
  return value[current] ?? value.en ?? value.nl ?? ''
}
