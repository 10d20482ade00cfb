// Presence through the Yjs awareness protocol: who is here, their live cursors (in their
// organisation's colour) and which note each of them is editing. Nothing here is stored.

import { clear, h, setText } from './dom.js'
import { onLanguage, t } from './i18n.js'

const CURSOR_INTERVAL = 40 // ms between cursor broadcasts

export class Presence {
  constructor (app) {
    this.app = app
    this.awareness = app.connection.awareness
    this.cursors = new Map() // clientID -> node
    this.editing = new Map() // clientID -> element id
    this.layer = h('div', { className: 'cursors', attrs: { 'aria-hidden': 'true' } })
    this.heading = h('h2', { className: 'people-heading' })
    this.list = h('ul', { className: 'people' })
    this.panel = h('section', { className: 'presence', attrs: { 'aria-live': 'polite' } }, this.heading, this.list)
    this._pending = null
    this._timer = 0
    this._frame = 0
    this.awareness.on('change', () => this._schedule())
    app.viewport.on('change', () => this._placeCursors())
    onLanguage(() => { this._listKey = null; this._render() })
    // Leaving: say so at once, so the others' "here now" list and cursors do not keep a closed
    // tab for the 30 s after which awareness states time out. The server also forgets the
    // presence of a closed connection; this covers a page kept alive in the back/forward cache.
    const leave = () => { if (this.awareness.getLocalState() !== null) this.awareness.setLocalState(null) }
    window.addEventListener('pagehide', leave)
    window.addEventListener('beforeunload', leave)
    window.addEventListener('pageshow', event => { if (event.persisted && this._user) this.setUser(this._user) })
  }

  setUser ({ name, org, guest = false }) {
    this._user = { name, org, guest }
    if (this.awareness.getLocalState() === null) this.awareness.setLocalState({})
    this.awareness.setLocalStateField('user', { name, org, guest, color: this.app.colorOf(org) })
  }

  /** Share the pointer position (board coordinates), at most every CURSOR_INTERVAL ms. */
  setCursor (point) {
    this._pending = point ? { x: Math.round(point.x), y: Math.round(point.y) } : null
    if (this._timer) return
    this._send()
    this._timer = setTimeout(() => { this._timer = 0; this._send() }, CURSOR_INTERVAL)
  }

  _send () {
    const state = this.awareness.getLocalState()
    if (!state || !state.user) return
    const current = state.cursor || null
    const next = this._pending
    if (current === next || (current && next && current.x === next.x && current.y === next.y)) return
    this.awareness.setLocalStateField('cursor', next)
  }

  setEditing (id) {
    if (this.awareness.getLocalState()) this.awareness.setLocalStateField('editing', id)
  }

  _schedule () {
    if (!this._frame) this._frame = requestAnimationFrame(() => { this._frame = 0; this._render() })
  }

  _others () {
    const others = []
    for (const [clientId, state] of this.awareness.getStates()) {
      if (clientId === this.awareness.clientID || !state || !state.user) continue
      others.push([clientId, state])
    }
    return others
  }

  _render () {
    const me = this.awareness.getLocalState()
    const others = this._others()
    const people = me && me.user ? [[this.awareness.clientID, me]] : []
    people.push(...others.sort((a, b) => describe(a[1].user).name.localeCompare(describe(b[1].user).name)))
    // Cursors change the awareness many times a second: rebuild the list only when it changed.
    const key = JSON.stringify([t('you'), people.map(([id, state]) => [id, state.user.name, state.user.org])])
    if (key !== this._listKey) {
      this._listKey = key
      this._renderList(people)
    }
    this._renderCursors(others)
    this._renderEditing(others)
  }

  /** The list of people, the local user first. */
  _renderList (people) {
    clear(this.list)
    setText(this.heading, t('here_now', { n: people.length }))
    for (const [clientId, state] of people) {
      const { name, org } = describe(state.user)
      const item = h('li', { className: 'person', dataset: { client: String(clientId) } },
        h('span', { className: 'dot' }),
        h('span', { className: 'person-name', text: name }),
        org ? h('span', { className: 'person-org', text: org }) : null,
        clientId === this.awareness.clientID ? h('span', { className: 'person-you', text: `(${t('you')})` }) : null)
      item.style.setProperty('--org', this.app.colorOf(org))
      this.list.append(item)
    }
  }

  _renderCursors (others) {
    const seen = new Set()
    for (const [clientId, state] of others) {
      if (!state.cursor || typeof state.cursor.x !== 'number' || typeof state.cursor.y !== 'number') continue
      seen.add(clientId)
      let node = this.cursors.get(clientId)
      if (!node) {
        node = h('div', { className: 'cursor' }, h('span', { className: 'cursor-arrow' }), h('span', { className: 'cursor-label' }))
        this.cursors.set(clientId, node)
        this.layer.append(node)
      }
      const { name, org } = describe(state.user)
      setText(node.lastChild, org ? `${name} (${org})` : name)
      node.style.setProperty('--org', this.app.colorOf(org))
      node.board = state.cursor
      this._place(node)
    }
    for (const [clientId, node] of this.cursors) {
      if (!seen.has(clientId)) { node.remove(); this.cursors.delete(clientId) }
    }
  }

  /** Notes others are editing get their colour as an outline. */
  _renderEditing (others) {
    const renderer = this.app.renderer
    const editing = new Map()
    for (const [, state] of others) {
      if (typeof state.editing === 'string') editing.set(state.editing, this.app.colorOf(describe(state.user).org))
    }
    for (const id of this.editing.keys()) {
      if (!editing.has(id)) renderer.nodeFor(id)?.classList.remove('remote-editing')
    }
    for (const [id, color] of editing) {
      const node = renderer.nodeFor(id)
      if (node) { node.classList.add('remote-editing'); node.style.setProperty('--editor', color) }
    }
    this.editing = editing
  }

  _place (node) {
    const p = this.app.viewport.toScreen(node.board.x, node.board.y)
    node.style.transform = `translate(${p.x}px, ${p.y}px)`
  }

  _placeCursors () {
    for (const node of this.cursors.values()) this._place(node)
  }
}

/**
 * Bidirectional controls (embeddings, overrides, isolates, marks): the pages refuse them in
 * every name, but a client that takes no seat types its presence name itself, and an override
 * reverses what follows it on screen: its own text reads as another name, and the guest mark
 * added after it is turned round.
 */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

function typed (value, length) {
  return typeof value === 'string' ? value.replace(BIDI, '').slice(0, length) : null
}

function describe (user) {
  const name = typed(user.name, 80) ?? '?'
  const org = typed(user.org, 100) ?? ''
  // Who a guest is, is only what they typed: marked as a guest's, the organisation or else
  // the name (the server sets the mark: presence_identity.py).
  const mark = user.guest === true ? ` (${t('guest')})` : ''
  return org ? { name, org: org + mark } : { name: name + mark, org: '' }
}
