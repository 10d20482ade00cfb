// The board page: fetches the board and its canvas, connects, and wires the modules together.

import * as Y from 'yjs'
import { createActions } from './actions.js'
import { setServerTime } from './clock.js'
import { installCanvas } from './canvases.js'
import { Connection } from './connection.js'
import { h, setText } from './dom.js'
import { Editor } from './editor.js'
import { Emitter } from './events.js'
import { installFacilitation } from './facilitation/index.js'
import { getLanguage, LANGUAGES, onLanguage, setLanguage, t } from './i18n.js'
import { askIdentity, rememberedIdentity, storedSeat, takeSeat } from './join.js'
import { installKeyboard } from './keyboard.js'
import { installComments } from './comments.js'
import { LOCAL, NOTE_COLORS, orgColor, partnerNames, roots } from './model.js'
import { Outline } from './outline.js'
import { installPointer } from './pointer.js'
import { Presence } from './presence.js'
import { Renderer } from './renderer.js'
import { Selection } from './selection.js'
import { banners, connectionStatus } from './status.js'
import { toolbar } from './toolbar.js'
import { Viewport } from './viewport.js'

/** True when version a ("1.10") is newer than b ("1.9"), comparing the numbers. */
function newerVersion (a, b) {
  const x = a.split('.').map(Number)
  const y = String(b).split('.').map(Number)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] || 0) - (y[i] || 0)
    if (d) return d > 0
  }
  return false
}

async function fetchJSON (url) {
  const answer = await fetch(url, { headers: { accept: 'application/json' } })
  if (!answer.ok) {
    let message = `${answer.status}`
    try { message = (await answer.json()).error || message } catch (_error) { /* not JSON */ }
    throw new Error(message)
  }
  return answer.json()
}

class Board extends Emitter {
  constructor (root, info, spec, token) {
    super()
    this.root = root
    this.info = info
    this.spec = spec
    this.boardId = info.id
    this.token = token
    this.role = info.role
    this.identity = { name: '', org: '' }
    this.noteColor = NOTE_COLORS[0][1]
    this.fieldZones = new Set((spec.extra && spec.extra.field_zones) || [])
    this.pointer = null
    this.pointerInside = false
    this.spaceHeld = false
    this.doc = new Y.Doc()
    this.roots = roots(this.doc)
    this.finalized = info.state === 'finalized' || root.dataset.state === 'finalized'
    /** The board was made with a newer version of its canvas than the server has: read-only. */
    this.newerCanvas = null
    this.readOnly = this.role === 'observer' || this.finalized
    this._colors = new Map()
    this.roots.partners.observeDeep(() => { this._colors.clear(); this.renderer && this.renderer.refreshAll() })
    this.seat = null
    const seat = storedSeat(this)
    // Someone who joined this board before, but holds no seat for this link here: the seat is
    // asked for first (join), so the connection presents it from the start instead of
    // connecting, syncing the whole board, and connecting again with the seat.
    const seatFirst = !seat && this.role !== 'observer' && rememberedIdentity(this) !== null
    this.connection = new Connection({ boardId: this.boardId, token, seat: seat && seat.id, doc: this.doc, connect: !seatFirst })
    // Asked for now, while the page is built; join() takes the answer.
    this._seatRequest = seatFirst ? takeSeat(this, rememberedIdentity(this)) : null
    if (this._seatRequest) this._seatRequest.catch(() => {}) // join() handles a failure
    this.undo = new Y.UndoManager(this.roots.elements, { trackedOrigins: new Set([LOCAL]), captureTimeout: 500 })
  }

  colorOf (org) {
    if (!this._colors.has(org)) this._colors.set(org, orgColor(this.roots.partners, org, this.info.partners || []))
    return this._colors.get(org)
  }

  partnerNames () { return partnerNames(this.roots.partners, this.info.partners || []) }

  setFinalized (finalized) {
    if (finalized === this.finalized) return
    this.finalized = finalized
    this.updateReadOnly()
  }

  /** The canvas version the board was made with, when newer than the server's (see versions.py). */
  setNewerCanvas (version) {
    if (version === this.newerCanvas) return
    this.newerCanvas = version
    this.updateReadOnly()
  }

  updateReadOnly () {
    this.readOnly = this.role === 'observer' || this.finalized || this.newerCanvas !== null
    if (this.readOnly) { this.editor.close(); this.undo.clear() }
    this.root.classList.toggle('read-only', this.readOnly)
    this.root.classList.toggle('finalized', this.finalized)
    this.emit('readonly', this.readOnly)
  }

  build () {
    const root = this.root
    this.container = h('div', { className: 'canvas', attrs: { tabindex: 0, role: 'region' } })
    this.overlay = h('div', { className: 'overlay' })
    const spacer = h('div', { className: 'scroll-spacer' })
    // Not a tab stop of its own: the canvas around it takes the keyboard.
    const scroller = h('div', { className: 'scroller', attrs: { tabindex: -1 } }, spacer)
    this.selection = new Selection(this)
    this.renderer = new Renderer(this)
    this.viewport = new Viewport(this.container, scroller, spacer, this.renderer.world, this.spec.size)
    this.editor = new Editor(this)
    this.presence = new Presence(this)
    this.actions = createActions(this)
    this.outline = new Outline(this)
    this.overlay.append(this.presence.layer)
    scroller.append(this.renderer.world)
    this.container.append(scroller, this.overlay)

    const title = h('h1', { className: 'board-title', text: this.info.title })
    const role = h('span', { className: 'role-badge' })
    const me = h('button', { className: 'link-button identity', attrs: { type: 'button' }, on: { click: () => this.changeIdentity() } })
    const language = h('button', {
      className: 'link-button language',
      attrs: { type: 'button' },
      dataset: { action: 'language' },
      on: { click: () => this.actions.toggleLanguage() }
    })
    const header = h('header', { className: 'board-header' },
      title, role, connectionStatus(this), this.presence.panel, me, language)
    const main = h('div', { className: 'board-main' }, this.container, this.outline.panel)
    root.replaceChildren(header, banners(this), toolbar(this), main)
    root.classList.add('board-app')
    root.classList.toggle('read-only', this.readOnly)
    root.classList.toggle('finalized', this.finalized)

    const texts = () => {
      setText(role, t(`role_${this.role}`))
      setText(me, t('change_identity'))
      setText(language, t('language'))
      language.setAttribute('aria-label', t('language_label'))
      language.setAttribute('lang', getLanguage() === 'nl' ? 'en' : 'nl')
      this.container.setAttribute('aria-label', t('canvas_label'))
    }
    onLanguage(texts)
    texts()
  }

  start () {
    this.build()
    this.renderer.start()
    this.renderer.on('removed', id => this.selection.remove(id))
    installPointer(this)
    installKeyboard(this)
    installComments(this)
    installCanvas(this)
    installFacilitation(this)
    this.actions.fit()
    new ResizeObserver(() => this.viewport.resized()).observe(this.container)
    const meta = this.roots.meta
    const checkMeta = () => {
      this.setFinalized(this.finalized || meta.get('finalized') === true)
      const made = meta.get('canvas_version')
      this.setNewerCanvas(typeof made === 'string' && newerVersion(made, this.spec.version) ? made : null)
    }
    meta.observe(checkMeta)
    checkMeta()
    this.connection.on('synced', () => {
      this.renderer.flush()
      if (!this.root.dataset.rendered) {
        this.root.dataset.rendered = 'true'
        performance.mark('partnerboard:rendered')
      }
    })
  }

  async join ({ force = false } = {}) {
    this.identity = await askIdentity(this, { force })
    const asked = force ? null : this._seatRequest
    this._seatRequest = null
    try {
      this.seat = await (asked || takeSeat(this, this.identity))
    } catch (_error) {
      this.seat = null // voting says so when it needs a seat
    }
    if (this.seat) this.connection.useSeat(this.seat.id)
    this.connection.start()
    this.root.dataset.joined = 'true'
    this.presence.setUser({ ...this.identity, guest: Boolean(this.info.guest) })
    this.emit('seat', this.seat)
    this.container.focus({ preventScroll: true })
  }

  changeIdentity () { return this.join({ force: true }) }
}

function initialLanguage (data, boardId) {
  const asked = new URLSearchParams(location.search).get('lang')
  let saved = null
  try { saved = localStorage.getItem(`partnerboard-lang-${boardId}`) } catch (_error) { /* private mode */ }
  return [asked, saved, data.lang, data.boardLanguage].find(lang => LANGUAGES.includes(lang)) || 'en'
}

export async function startBoard (root) {
  const data = root.dataset
  const token = new URLSearchParams(location.search).get('token') || ''
  setLanguage(initialLanguage(data, data.board))
  let info, spec
  try {
    const q = `token=${encodeURIComponent(token)}`
    ;[info, spec] = await Promise.all([
      fetchJSON(`/api/boards/${encodeURIComponent(data.board)}?${q}`),
      fetchJSON(`/api/canvases/${encodeURIComponent(data.canvas)}`)
    ])
  } catch (error) {
    root.replaceChildren(h('p', { className: 'load-error', attrs: { role: 'alert' }, text: t('load_failed', { error: error.message }) }))
    return null
  }
  if (Number.isFinite(info.server_time)) setServerTime(info.server_time)
  const board = new Board(root, info, spec, token)
  board.start()
  board.join()
  return board
}
