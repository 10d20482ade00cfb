// Who am I? A name and an organisation (one of the board's partners, or typed), asked once per
// board and remembered in localStorage; the last answer pre-fills the dialog on other boards.
// A partner's own link already says the organisation: its holder is asked only for a name.
// Joining gives a seat (issued by the server, kept in localStorage per board and link): votes
// are cast by the seat, and the connection presents it so the server knows whose edits arrive.

import { h } from './dom.js'
import { api } from './facilitation/api.js'
import { getLanguage, onLanguage, t } from './i18n.js'

const LAST = 'partnerboard-identity'
const boardKey = boardId => `partnerboard-identity-${boardId}`

function read (key) {
  try {
    const value = JSON.parse(localStorage.getItem(key) || 'null')
    if (value && typeof value.name === 'string' && value.name.trim() && typeof value.org === 'string') {
      return { name: value.name.trim().slice(0, 80), org: value.org.trim().slice(0, 100) }
    }
  } catch (_error) { /* unreadable: ask again */ }
  return null
}

function remember (boardId, identity) {
  try {
    localStorage.setItem(boardKey(boardId), JSON.stringify(identity))
    localStorage.setItem(LAST, JSON.stringify(identity))
  } catch (_error) { /* private mode: ask again next time */ }
}

const withParty = (app, found) => found && app.info.party ? { ...found, org: app.info.party.name } : found

/** The identity remembered for this board, or null. */
export function rememberedIdentity (app) {
  return withParty(app, read(boardKey(app.boardId)))
}

/** The remembered identity for this board, or the one the user enters in the dialog. */
export function askIdentity (app, { force = false } = {}) {
  const party = app.info.party
  const fixed = found => withParty(app, found)
  const known = rememberedIdentity(app)
  if (known && !force) return Promise.resolve(known)
  const defaults = known || fixed(read(LAST)) || { name: '', org: party ? party.name : '' }
  return new Promise(resolve => {
    const title = h('h2', { attrs: { id: 'join-title' } })
    const intro = h('p')
    const nameLabel = h('span')
    const orgLabel = h('span')
    const hint = h('p', { className: 'hint', attrs: { id: 'join-org-hint' } })
    const name = h('input', { attrs: { name: 'name', required: true, maxlength: 80, autocomplete: 'name' } })
    const org = h('input', {
      attrs: { name: 'org', list: 'join-partners', maxlength: 100, autocomplete: 'organization', 'aria-describedby': 'join-org-hint' }
    })
    name.value = defaults.name
    org.value = defaults.org
    const options = h('datalist', { attrs: { id: 'join-partners' } },
      app.partnerNames().map(partner => h('option', { attrs: { value: partner } })))
    const picks = h('div', { className: 'partner-picks' }, app.partnerNames().map(partner =>
      h('button', {
        className: 'partner-pick',
        attrs: { type: 'button' },
        text: partner,
        on: { click: () => { org.value = partner; name.value ? submit.focus() : name.focus() } }
      })))
    const submit = h('button', { className: 'primary', attrs: { type: 'submit' } })
    const language = h('button', {
      className: 'link-button',
      attrs: { type: 'button' },
      on: { click: () => app.actions.toggleLanguage() }
    })
    const partyNote = h('p', { className: 'join-party' })
    const form = h('form', { attrs: { method: 'dialog' } },
      title, intro,
      h('label', {}, nameLabel, name),
      ...(party
        ? [partyNote]
        : [h('label', {}, orgLabel, org), hint, app.info.guest ? null : picks, options]),
      h('div', { className: 'dialog-actions' }, language, submit))
    const dialog = h('dialog', { className: 'join', attrs: { 'aria-labelledby': 'join-title' } }, form)
    const texts = () => {
      title.textContent = t('join_title')
      intro.textContent = t('join_intro')
      nameLabel.textContent = t('join_name')
      orgLabel.textContent = t('join_org')
      hint.textContent = app.info.guest ? t('join_org_hint_guest') : t('join_org_hint')
      if (party) partyNote.textContent = t('join_party', { org: party.name })
      submit.textContent = t('join_submit')
      language.textContent = t('language')
      language.setAttribute('lang', getLanguage() === 'nl' ? 'en' : 'nl')
    }
    const stop = onLanguage(texts)
    texts()
    form.addEventListener('submit', event => {
      event.preventDefault()
      if (!name.value.trim()) { name.focus(); return }
      const identity = { name: name.value.trim().slice(0, 80), org: party ? party.name : org.value.trim().slice(0, 100) }
      remember(app.boardId, identity)
      stop()
      dialog.close()
      dialog.remove()
      resolve(identity)
    })
    // Escape would leave the board without a name: keep the dialog until it is answered.
    dialog.addEventListener('cancel', event => event.preventDefault())
    document.body.append(dialog)
    dialog.showModal()
    name.focus()
  })
}

const seatKey = app => `partnerboard-seat-${app.boardId}-${app.info.party ? `party-${app.info.party.id}` : app.role}`

/** The seat this browser holds for the board's link, if one was issued here before. */
export function storedSeat (app) {
  try {
    const value = JSON.parse(localStorage.getItem(seatKey(app)) || 'null')
    if (value && typeof value.id === 'string') return value
  } catch (_error) { /* unreadable: a new seat is asked for */ }
  return null
}

/**
 * A seat for this person at this board: the stored one when it still stands and names the same
 * person, else a new one from the server. Observers watch without a seat (null).
 */
export async function takeSeat (app, identity) {
  if (app.role === 'observer') return null
  const stored = storedSeat(app)
  if (stored && stored.name === identity.name && stored.org === identity.org) {
    try {
      await api(app, 'GET', `seats/${encodeURIComponent(stored.id)}`)
      return stored
    } catch (error) {
      if (error.status !== 404) return stored // offline: keep using it
    }
  }
  const seat = await api(app, 'POST', 'seats', { name: identity.name, org: identity.org })
  const kept = { id: seat.id, name: identity.name, org: identity.org }
  try { localStorage.setItem(seatKey(app), JSON.stringify(kept)) } catch (_error) { /* private mode */ }
  return kept
}
