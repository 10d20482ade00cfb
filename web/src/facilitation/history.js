// The facilitator's history panel (issue 11): a time slider over the board's life that shows
// the board as it was, drawn read-only by the same renderer from a document of its own; who
// changed what in the chosen span; "restore this moment" (a new update every client receives);
// and per note its history (texts and positions over time).

import * as Y from 'yjs'
import { clear, h, setText } from '../dom.js'
import { addTexts, t } from '../i18n.js'
import { roots } from '../model.js'
import { Renderer } from '../renderer.js'
import { api } from './api.js'

const TEXTS = {
  nl: {
    hist_open: 'Geschiedenis',
    hist_title: 'Geschiedenis van het bord',
    hist_close: 'Sluiten',
    hist_slider: 'Moment in de geschiedenis',
    hist_point: '{time} · {by} · {n} wijziging(en)',
    hist_start: '{time} · begin van het bord',
    hist_restore: 'Dit moment terugzetten',
    hist_restored: 'Het bord is teruggezet naar {time}. Iedereen ziet het nu zo; ook dit staat in de geschiedenis.',
    hist_restore_of: 'terugzetting naar {time}',
    hist_changes: 'Wat er in dit stuk veranderde',
    hist_no_changes: 'Geen zichtbare wijzigingen aan notities.',
    hist_added: 'toegevoegd: “{text}”',
    hist_removed: 'verwijderd: “{text}”',
    hist_edited: 'tekst gewijzigd: “{old}” → “{text}”',
    hist_moved: 'verplaatst: “{text}”',
    hist_changed: 'gewijzigd: “{text}”',
    hist_note: 'Geschiedenis van deze notitie',
    hist_note_title: 'Geschiedenis van notitie “{text}”',
    hist_note_gone: '(verwijderd)',
    hist_note_at: '{time} · {by}: “{text}” op ({x}, {y})',
    hist_loading: 'Laden…',
    hist_failed: 'Dat lukte niet: {error}',
    hist_by_facilitator: 'begeleider',
    hist_by_participant: 'deelnemer',
    hist_by_server: 'server'
  },
  en: {
    hist_open: 'History',
    hist_title: 'History of the board',
    hist_close: 'Close',
    hist_slider: 'Moment in the history',
    hist_point: '{time} · {by} · {n} change(s)',
    hist_start: '{time} · the board begins',
    hist_restore: 'Restore this moment',
    hist_restored: 'The board is back as it was at {time}. Everyone sees it so now; the restore is in the history too.',
    hist_restore_of: 'restore to {time}',
    hist_changes: 'What changed in this span',
    hist_no_changes: 'No visible changes to notes.',
    hist_added: 'added: “{text}”',
    hist_removed: 'removed: “{text}”',
    hist_edited: 'text changed: “{old}” → “{text}”',
    hist_moved: 'moved: “{text}”',
    hist_changed: 'changed: “{text}”',
    hist_note: 'History of this note',
    hist_note_title: 'History of note “{text}”',
    hist_note_gone: '(deleted)',
    hist_note_at: '{time} · {by}: “{text}” at ({x}, {y})',
    hist_loading: 'Loading…',
    hist_failed: 'That did not work: {error}',
    hist_by_facilitator: 'facilitator',
    hist_by_participant: 'participant',
    hist_by_server: 'server'
  }
}

function clock (iso) {
  if (!iso) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

function roleName (role) {
  const key = `hist_by_${role}`
  const text = t(key)
  return text === key ? String(role) : text
}

/**
 * Who sent a point's (or a note step's) updates: the person of each seat with their
 * organisation (a guest's marked as self-declared), else the partner of the party link, else
 * the role. Older history has only the role.
 */
function sender (entry) {
  const all = entry.senders || [entry.sender || { role: entry.by }]
  return all.map(senderName).join(', ')
}

function senderName (who) {
  const org = who.party ? who.party.name : (who.org || '')
  const marked = who.guest ? (org ? `${org}, ${t('guest')}` : t('guest')) : org
  if (who.name) return marked ? `${who.name} (${marked})` : who.name
  if (who.party) return `${roleName(who.role)} (${who.party.name})`
  return roleName(who.role)
}

function short (text) {
  const value = String(text ?? '').replace(/\s+/g, ' ').trim()
  return value.length > 60 ? `${value.slice(0, 59)}…` : value
}

/** A document of its own holding a moment's plain JSON, for the renderer to draw. */
export function docFromPlain (plain) {
  const doc = new Y.Doc()
  const { meta, partners, elements } = roots(doc)
  doc.transact(() => {
    for (const [key, value] of Object.entries(plain.meta || {})) meta.set(key, value)
    for (const [id, partner] of Object.entries(plain.partners || {})) {
      const map = new Y.Map()
      for (const [key, value] of Object.entries(partner || {})) map.set(key, value)
      partners.set(id, map)
    }
    for (const [id, element] of Object.entries(plain.elements || {})) {
      const map = new Y.Map()
      for (const [key, value] of Object.entries(element || {})) {
        map.set(key, key === 'text' ? new Y.Text(String(value ?? '')) : value)
      }
      elements.set(id, map)
    }
  })
  return doc
}

/** What a renderer needs of the board page, for a document nobody can change. */
function readOnlyApp (app, doc) {
  const view = {
    doc,
    roots: roots(doc),
    spec: app.spec,
    info: app.info,
    role: 'observer',
    readOnly: true,
    finalized: true,
    fieldZones: app.fieldZones,
    partnerTargetMode: false,
    facilitation: app.facilitation,
    colorOf: org => app.colorOf(org),
    partnerNames: () => app.partnerNames(),
    selection: { has: () => false, set () {}, remove () {} },
    editor: { editingId: null, close () {} },
    undo: { stopCapturing () {} }
  }
  view.renderer = new Renderer(view)
  return view
}

/** Changes between two moments' elements, as lines a person reads. */
export function describeChanges (before, after) {
  const lines = []
  const old = before.elements || {}
  const now = after.elements || {}
  for (const [id, element] of Object.entries(now)) {
    const previous = old[id]
    if (!previous) { lines.push({ id, text: t('hist_added', { text: short(element.text) }) }); continue }
    if ((previous.text ?? '') !== (element.text ?? '')) {
      lines.push({ id, text: t('hist_edited', { old: short(previous.text), text: short(element.text) }) })
    } else if (previous.x !== element.x || previous.y !== element.y) {
      lines.push({ id, text: t('hist_moved', { text: short(element.text) }) })
    } else if (JSON.stringify(previous) !== JSON.stringify(element)) {
      lines.push({ id, text: t('hist_changed', { text: short(element.text) }) })
    }
  }
  for (const [id, element] of Object.entries(old)) {
    if (!now[id]) lines.push({ id, text: t('hist_removed', { text: short(element.text) }), gone: true })
  }
  return lines
}

export function installHistory (fac) {
  const { app } = fac
  if (!fac.isFacilitator) return
  addTexts(TEXTS)
  const openButton = fac.button('history', () => open())
  fac.tools.append(h('div', { className: 'tool-group fac-history' }, openButton))

  const heading = h('h2', { attrs: { id: 'history-title' } })
  const closeButton = h('button', { className: 'tool', attrs: { type: 'button' }, dataset: { action: 'history-close' }, on: { click: () => dialog.close() } })
  const slider = h('input', { className: 'history-slider', attrs: { type: 'range', min: 0, max: 0, step: 1, value: 0 } })
  const when = h('p', { className: 'history-when', attrs: { 'aria-live': 'polite' } })
  const restoreButton = h('button', { className: 'primary history-restore', attrs: { type: 'button' }, dataset: { action: 'history-restore' }, on: { click: () => restore() } })
  const frame = h('div', { className: 'history-view' })
  const changesTitle = h('h3')
  const changes = h('ul', { className: 'history-changes' })
  const noteTitle = h('h3', { className: 'history-note-title' })
  const noteList = h('ol', { className: 'history-note' })
  const problem = h('p', { className: 'dialog-error', attrs: { role: 'alert' } })
  const dialog = h('dialog', { className: 'fac-dialog history-dialog', attrs: { 'aria-labelledby': 'history-title' } },
    h('div', { className: 'history-head' }, heading, closeButton),
    h('div', { className: 'history-controls' }, slider, restoreButton), when, problem,
    h('div', { className: 'history-body' }, frame,
      h('div', { className: 'history-side' }, changesTitle, changes, noteTitle, noteList)))
  document.body.append(dialog)

  let points = []
  let shown = -1
  const moments = new Map() // seq -> plain board
  let loading = 0

  const texts = () => {
    setText(openButton, t('hist_open'))
    setText(heading, t('hist_title'))
    setText(closeButton, t('hist_close'))
    setText(restoreButton, t('hist_restore'))
    setText(changesTitle, t('hist_changes'))
    slider.setAttribute('aria-label', t('hist_slider'))
  }
  fac.watch(texts)
  texts()

  async function moment (seq) {
    if (!moments.has(seq)) moments.set(seq, await api(app, 'GET', `history/${seq}`))
    return moments.get(seq)
  }

  function label (point) {
    if (point.start) return t('hist_start', { time: clock(point.at) })
    let text = t('hist_point', { time: clock(point.at), by: sender(point), n: point.updates })
    if (point.restore_of !== undefined) {
      const target = points.find(p => p.seq === point.restore_of)
      text += ` · ${t('hist_restore_of', { time: clock(target ? target.at : null) })}`
    }
    return text
  }

  async function open () {
    problem.textContent = ''
    dialog.showModal()
    await reload()
    const selected = app.selection.list()
    if (selected.length === 1) noteHistory(selected[0])
  }

  async function reload () {
    try {
      points = await api(app, 'GET', 'history')
    } catch (error) {
      problem.textContent = t('hist_failed', { error: error.message })
      return
    }
    slider.max = String(Math.max(points.length - 1, 0))
    slider.value = slider.max
    shown = -1
    await show(points.length - 1)
  }

  async function show (index) {
    const point = points[index]
    if (!point || index === shown) return
    const ticket = ++loading
    setText(when, label(point))
    restoreButton.disabled = app.finalized || index === points.length - 1
    try {
      const [now, before] = await Promise.all([
        moment(point.seq), index > 0 ? moment(points[index - 1].seq) : Promise.resolve({ elements: {} })
      ])
      if (ticket !== loading) return
      shown = index
      draw(now)
      listChanges(describeChanges(before, now), point)
      dialog.dataset.seq = String(point.seq)
      dialog.dataset.elements = String(Object.keys(now.elements || {}).length)
    } catch (error) {
      problem.textContent = t('hist_failed', { error: error.message })
    }
  }

  function draw (plain) {
    const view = readOnlyApp(app, docFromPlain(plain))
    view.renderer.start()
    view.renderer.flush()
    const world = view.renderer.world
    const scale = Math.min(1, (frame.clientWidth || 600) / app.spec.size.w)
    world.style.transform = `scale(${scale})`
    world.style.transformOrigin = '0 0'
    frame.style.height = `${Math.ceil(app.spec.size.h * scale)}px`
    frame.replaceChildren(world)
  }

  function listChanges (lines, point) {
    clear(changes)
    if (!lines.length) changes.append(h('li', { className: 'empty', text: t('hist_no_changes') }))
    for (const line of lines) {
      changes.append(h('li', { dataset: { id: line.id } },
        h('span', { className: 'history-by', text: `${sender(point)}: ` }), line.text, ' ',
        h('button', { className: 'link-button', attrs: { type: 'button' }, dataset: { action: 'note-history' }, text: t('hist_note'), on: { click: () => noteHistory(line.id) } })))
    }
  }

  async function noteHistory (id) {
    clear(noteList)
    setText(noteTitle, t('hist_loading'))
    try {
      const steps = await api(app, 'GET', `history/elements/${encodeURIComponent(id)}`)
      const last = [...steps].reverse().find(step => step.element)
      setText(noteTitle, t('hist_note_title', { text: short(last ? last.element.text : id) }))
      for (const step of steps) {
        const element = step.element
        noteList.append(h('li', { dataset: { seq: String(step.seq) } }, element
          ? t('hist_note_at', { time: clock(step.at), by: sender(step), text: short(element.text), x: Math.round(element.x), y: Math.round(element.y) })
          : `${clock(step.at)} · ${sender(step)}: ${t('hist_note_gone')}`))
      }
    } catch (error) {
      setText(noteTitle, '')
      problem.textContent = t('hist_failed', { error: error.message })
    }
  }

  async function restore () {
    const point = points[shown]
    if (!point) return
    restoreButton.disabled = true
    try {
      await api(app, 'POST', 'restore', { seq: point.seq })
      fac.say(t('hist_restored', { time: clock(point.at) }))
      await reload()
    } catch (error) {
      problem.textContent = t('hist_failed', { error: error.message })
      restoreButton.disabled = false
    }
  }

  slider.addEventListener('input', () => show(Number(slider.value)))
  app.on('readonly', () => { restoreButton.disabled = app.finalized || shown === points.length - 1 })
}
