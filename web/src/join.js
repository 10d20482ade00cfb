// Who am I? A name and an organisation (one of the board's partners, or typed), asked once per
// board and remembered in localStorage; the last answer pre-fills the dialog on other boards.

import { h } from './dom.js'
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

/** The remembered identity for this board, or the one the user enters in the dialog. */
export function askIdentity (app, { force = false } = {}) {
  const known = read(boardKey(app.boardId))
  if (known && !force) return Promise.resolve(known)
  const defaults = known || read(LAST) || { name: '', org: '' }
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
    const form = h('form', { attrs: { method: 'dialog' } },
      title, intro,
      h('label', {}, nameLabel, name),
      h('label', {}, orgLabel, org),
      hint, picks, options,
      h('div', { className: 'dialog-actions' }, language, submit))
    const dialog = h('dialog', { className: 'join', attrs: { 'aria-labelledby': 'join-title' } }, form)
    const texts = () => {
      title.textContent = t('join_title')
      intro.textContent = t('join_intro')
      nameLabel.textContent = t('join_name')
      orgLabel.textContent = t('join_org')
      hint.textContent = t('join_org_hint')
      submit.textContent = t('join_submit')
      language.textContent = t('language')
      language.setAttribute('lang', getLanguage() === 'nl' ? 'en' : 'nl')
    }
    const stop = onLanguage(texts)
    texts()
    form.addEventListener('submit', event => {
      event.preventDefault()
      if (!name.value.trim()) { name.focus(); return }
      const identity = { name: name.value.trim().slice(0, 80), org: org.value.trim().slice(0, 100) }
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
