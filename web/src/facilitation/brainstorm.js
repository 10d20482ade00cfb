// Private brainstorm (server: brainstorm.py). The facilitator starts a round; while it is open a
// participant's notes are hidden notes, kept by the server and shown only to their writer in
// the "Your hidden notes" panel; everyone sees how many each organisation has written. The
// facilitator's "Reveal" puts them all on the board at once, as notes of their authors.

import { h, setText } from '../dom.js'
import { t } from '../i18n.js'
import { api } from './api.js'

export function installBrainstorm (fac) {
  const { app } = fac
  const canWrite = app.role === 'facilitator' || app.role === 'participant'
  const seat = () => (app.seat ? app.seat.id : '')
  let mine = []
  let loadedRound = null
  let busy = false

  const start = fac.button('brainstorm-start', () => call(() => api(app, 'POST', 'brainstorm')))
  const reveal = fac.button('brainstorm-reveal', () => call(async () => {
    const answer = await api(app, 'POST', 'brainstorm/reveal')
    fac.say(t('bs_revealed', { n: answer.revealed }))
  }))
  fac.tools.append(h('div', { className: 'tool-group fac-brainstorm', attrs: { role: 'group' } }, start, reveal))

  const status = h('div', { className: 'brainstorm-status', attrs: { hidden: true, 'aria-live': 'polite' } })
  const toggle = fac.button('brainstorm-panel', () => show(panel.hidden), 'link-button')
  fac.bar.append(h('div', { className: 'brainstorm-bar' }, status, toggle))

  const heading = h('h2', { attrs: { id: 'brainstorm-heading', tabindex: -1 } })
  const intro = h('p', { className: 'panel-intro' })
  const label = h('span')
  const input = h('textarea', { className: 'draft-input', attrs: { rows: 3, maxlength: 2000 } })
  const add = h('button', { className: 'tool', attrs: { type: 'submit' }, dataset: { action: 'draft-add' } })
  const form = h('form', { className: 'draft-form', on: { submit: event => { event.preventDefault(); addDraft() } } },
    h('label', {}, label, input), add)
  const list = h('ol', { className: 'draft-list' })
  const closeButton = h('button', { className: 'link-button panel-close', attrs: { type: 'button' }, on: { click: () => show(false) } })
  const panel = h('aside', { className: 'fac-panel brainstorm', attrs: { hidden: true, 'aria-labelledby': 'brainstorm-heading' } },
    h('div', { className: 'panel-head' }, heading, closeButton), intro, form, list)
  app.root.querySelector('.board-main').append(panel)

  async function call (run) {
    if (busy) return
    busy = true
    try { await run() } catch (error) { fac.say(t('fac_failed', { error: error.message })) } finally { busy = false }
  }

  const isOpen = () => Boolean(fac.state.brainstorm && fac.state.brainstorm.open)

  function show (on) {
    panel.hidden = !on
    toggle.setAttribute('aria-pressed', on ? 'true' : 'false')
    if (on) input.focus()
  }

  async function load () {
    if (!seat()) return
    try { mine = await api(app, 'GET', `drafts?seat=${encodeURIComponent(seat())}`) } catch (_error) { mine = [] }
    renderList()
  }

  // Hidden notes are sent one after another, each taken from the field at once: a note typed
  // while the one before is on its way is the next one (it used to be dropped by the busy
  // guard, and then wiped when the first answer came back).
  let adding = Promise.resolve()
  function addDraft () {
    const text = input.value.trim()
    if (!text) { input.focus(); return }
    if (!seat()) { fac.say(t('fac_votes_no_seat')); return }
    input.value = ''
    input.focus()
    adding = adding.then(async () => {
      try {
        mine.push(await api(app, 'POST', 'drafts', { seat: seat(), text }))
        renderList()
      } catch (error) {
        if (!input.value.trim()) input.value = text // not kept: back in the field to send again
        fac.say(t('fac_failed', { error: error.message }))
      }
    })
  }

  function renderList () {
    list.replaceChildren(...mine.map((draft, index) => {
      const text = h('textarea', { className: 'draft-text', attrs: { rows: 2, maxlength: 2000, 'aria-label': t('bs_draft', { n: index + 1 }) } })
      text.value = draft.text
      text.addEventListener('change', () => call(async () => {
        const value = text.value.trim()
        if (!value || value === draft.text) return
        await api(app, 'PUT', `drafts/${encodeURIComponent(draft.id)}`, { seat: seat(), text: value })
        draft.text = value
      }))
      const remove = h('button', {
        className: 'link-button', attrs: { type: 'button' }, text: t('bs_delete'),
        on: { click: () => call(async () => { await api(app, 'DELETE', `drafts/${encodeURIComponent(draft.id)}?seat=${encodeURIComponent(seat())}`); mine = mine.filter(d => d !== draft); renderList() }) }
      })
      return h('li', { className: 'draft', dataset: { id: draft.id } }, text, remove)
    }))
  }

  // While the round is open, "New note" writes a hidden note instead of a visible one.
  const newNote = app.actions.newNote
  app.actions.newNote = (...args) => {
    if (isOpen() && app.role === 'participant' && !app.readOnly) { show(true); return null }
    return newNote(...args)
  }

  function statusText (state) {
    const counts = Array.isArray(state.counts) ? state.counts : []
    if (!counts.length) return t('bs_open_none')
    const parts = counts.map(c => t('bs_count', { n: c.n, org: c.guest ? `${c.org} (${t('guest')})` : (c.org || t('bs_someone')) }))
    return t('bs_open', { counts: parts.join(', ') })
  }

  app.on('seat', () => { if (isOpen() && canWrite) load() })

  fac.watch(state => {
    const brainstorm = state.brainstorm || {}
    const open = Boolean(brainstorm.open)
    start.hidden = open || app.readOnly
    reveal.hidden = !open || app.readOnly
    setText(start, t('bs_start'))
    setText(reveal, t('bs_reveal'))
    status.hidden = !open
    if (open) setText(status, statusText(brainstorm))
    toggle.hidden = !open || !canWrite || app.readOnly
    setText(toggle, t('bs_panel'))
    setText(heading, t('bs_panel'))
    setText(intro, t('bs_intro'))
    setText(label, t('bs_your_note'))
    setText(add, t('bs_add'))
    setText(closeButton, t('fac_close'))
    if (open && canWrite && loadedRound !== brainstorm.round) {
      loadedRound = brainstorm.round
      mine = []
      renderList()
      load()
      if (app.role === 'participant' && !app.readOnly) show(true)
    }
    if (!open) {
      loadedRound = null
      if (!panel.hidden) show(false)
    }
  })
}
