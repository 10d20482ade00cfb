// Keeps the DOM in step with the elements map. Changes are collected from observeDeep and
// drawn once per animation frame, touching only the elements that changed (and the arrows
// attached to them), so a remote client moving notes costs a few style writes per frame.
//
// Other people's changes can still outrun the browser. With 2,000 notes on screen and 40
// random notes moving every 50 ms, every frame that draws moved notes costs Chromium work on
// the whole board: converting the board's display list again on the main thread, then
// re-rastering (in software) every tile a moved note touches, which delays a frame or two
// after it. Even with the lean zoomed-out notes of board.css (traced at fit zoom on 2 loaded
// cores: ~7 ms of main thread and ~14 ms of raster per batch), drawing every batch made
// every other frame late. So others' changes spend a budget of late frames: each late frame
// within WATCH_MS of a frame that drew them is charged to it, it holds SLOW_FRAME_BUDGET and
// refills by one every REFILL_MS, and while it is overdrawn further remote changes wait (at
// most MAX_HOLD_MS) and are then drawn together. Occasional late frames (a busy machine, a
// garbage collection) cost nothing; under a flood about one frame in 40 is late, and others'
// changes still show about once a second. Local changes, and explicit flush() calls, are
// never held.

import { h, s } from './dom.js'
import { drawBackground } from './background.js'
import { Emitter } from './events.js'
import { kindFor } from './kinds.js'
import { onLanguage } from './i18n.js'

const SLOW_FRAME_MS = 25 // later than one 60 Hz frame
const WATCH_MS = 250 // a batch's own late frames are over by then, even on a loaded machine
const SLOW_FRAME_BUDGET = 2 // late frames others' changes may cost at once
const REFILL_MS = 700 // and one more each this long: about 40 frames per late one
const MAX_HOLD_MS = 1500

export class Renderer extends Emitter {
  constructor (app) {
    super()
    this.app = app
    this.elements = app.roots.elements
    const { w, h: height } = app.spec.size
    this.background = h('div', { className: 'layer-background' })
    this.svg = s('svg', {
      className: 'layer-arrows',
      attrs: { width: w, height, viewBox: `0 0 ${w} ${height}` }
    }, s('defs', {}, s('marker', {
      attrs: { id: 'pb-arrowhead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }
    }, s('path', { attrs: { d: 'M0,0 L10,5 L0,10 z' } }))))
    this.layer = h('div', { className: 'layer-elements' })
    this.world = h('div', { className: 'world' }, this.background, this.svg, this.layer)
    this.nodes = new Map() // id -> { node, kind, impl }
    this.dependents = new Map() // element id -> Set of ids drawn relative to it (arrows)
    this.dependsOn = new Map() // id -> ids it depends on
    this.dirty = new Set() // drawn in the next frame
    this.held = new Set() // remote changes, drawn once the hold is over
    this._heldSince = 0
    /** Late frames others' changes may cost at once (see the top of this file). */
    this.slowFrameBudget = SLOW_FRAME_BUDGET
    this._budget = SLOW_FRAME_BUDGET
    this._budgetTime = 0
    this._lastRemoteDraw = -Infinity
    this._watching = false
    this._frame = 0
    this._timer = 0
    this.firstRender = true
  }

  start () {
    drawBackground(this.background, this.app.spec)
    this.elements.forEach((_value, id) => this.dirty.add(id))
    this.elements.observeDeep((events, transaction) => {
      const remote = !transaction.local
      for (const event of events) {
        if (event.target === this.elements) {
          for (const id of event.keysChanged) this.markDirty(id, remote)
        } else if (event.path.length > 0) {
          this.markDirty(event.path[0], remote)
        }
      }
    })
    onLanguage(() => { drawBackground(this.background, this.app.spec); this.refreshAll() })
    this.flush()
  }

  nodeFor (id) {
    const entry = this.nodes.get(id)
    return entry ? entry.node : null
  }

  /** Draw the element (and what depends on it) in the next frame, or later if `remote` and held. */
  markDirty (id, remote = false) {
    const set = remote && !this.dirty.has(id) ? this.held : this.dirty
    if (set === this.held && !this.held.size) this._heldSince = performance.now()
    set.add(id)
    for (const dependent of this.dependents.get(id) || []) set.add(dependent)
    this._schedule()
  }

  refreshAll () {
    this.elements.forEach((_value, id) => this.dirty.add(id))
    for (const id of this.nodes.keys()) this.dirty.add(id)
    this._schedule()
  }

  _schedule () {
    if (this._frame) return
    const wait = this.dirty.size ? 0 : this._holdFor(performance.now())
    if (wait <= 0) {
      clearTimeout(this._timer)
      this._timer = 0
      this._frame = requestAnimationFrame(time => this._frameFlush(time))
    } else if (!this._timer && this.held.size) {
      this._timer = setTimeout(() => { this._timer = 0; this._schedule() }, wait)
    }
  }

  /** The scheduled flush: held remote changes join in only when the hold is over. */
  _frameFlush (time) {
    this._frame = 0
    const release = this.held.size > 0 && this._holdFor(performance.now()) <= 0
    if (release) this._watch(time)
    this._drawPending(release)
    if (this.held.size) this._schedule()
  }

  /** How much longer held remote changes wait: until the budget is no longer overdrawn. */
  _holdFor (now) {
    const budget = this._budgetAt(now)
    if (budget >= 0) return 0
    return Math.min(-budget * REFILL_MS, this._heldSince + MAX_HOLD_MS - now)
  }

  _budgetAt (now) {
    return Math.min(this.slowFrameBudget, this._budget + (now - this._budgetTime) / REFILL_MS)
  }

  /**
   * Charge to the budget every late frame from this one, which draws remote changes, until
   * WATCH_MS after the last such frame: its own main-thread work, then the raster that delays
   * a frame or two after it.
   */
  _watch (time) {
    this._lastRemoteDraw = time
    if (this._watching) return
    this._watching = true
    let last = time
    const tick = now => {
      if (now - last > SLOW_FRAME_MS) {
        this._budget = this._budgetAt(now) - 1
        this._budgetTime = now
      }
      last = now
      if (now - this._lastRemoteDraw < WATCH_MS) requestAnimationFrame(tick)
      else this._watching = false
    }
    requestAnimationFrame(tick)
  }

  /** Draw every pending change now. */
  flush () {
    if (this._frame) cancelAnimationFrame(this._frame)
    this._frame = 0
    clearTimeout(this._timer)
    this._timer = 0
    this._drawPending(true)
  }

  _drawPending (withHeld) {
    if (withHeld) {
      for (const id of this.held) this.dirty.add(id)
      this.held.clear()
    }
    const ids = [...this.dirty]
    this.dirty.clear()
    // Elements others depend on first, so dependents read fresh geometry.
    ids.sort((a, b) => (this.dependents.has(b) ? 1 : 0) - (this.dependents.has(a) ? 1 : 0))
    for (const id of ids) this._draw(id)
    this.emit('rendered', ids)
  }

  _draw (id) {
    const ymap = this.elements.get(id)
    let entry = this.nodes.get(id)
    if (!ymap || typeof ymap.get !== 'function') {
      if (entry) this._remove(id, entry)
      return
    }
    const kind = String(ymap.get('kind') || '')
    if (entry && entry.kind !== kind) {
      this._remove(id, entry)
      entry = null
    }
    if (!entry) {
      const impl = kindFor(kind)
      const node = impl.create(this.app, id, ymap)
      node.dataset.id = id
      node.dataset.kind = kind
      entry = { node, kind, impl }
      this.nodes.set(id, entry)
      ;(impl.layer === 'svg' ? this.svg : this.layer).append(node)
    }
    this._track(id, entry.impl.dependsOn ? entry.impl.dependsOn(ymap) : [])
    entry.impl.update(this.app, entry.node, id, ymap)
    entry.node.classList.toggle('selected', this.app.selection.has(id))
  }

  _remove (id, entry) {
    entry.node.remove()
    this.nodes.delete(id)
    this._track(id, [])
    this.emit('removed', id)
  }

  _track (id, targets) {
    for (const target of this.dependsOn.get(id) || []) {
      const set = this.dependents.get(target)
      if (set) {
        set.delete(id)
        if (set.size === 0) this.dependents.delete(target)
      }
    }
    if (targets.length === 0) {
      this.dependsOn.delete(id)
      return
    }
    this.dependsOn.set(id, targets)
    for (const target of targets) {
      if (!this.dependents.has(target)) this.dependents.set(target, new Set())
      this.dependents.get(target).add(id)
    }
  }
}
