// Keeps the DOM in step with the elements map. Changes are collected from observeDeep and
// drawn once per animation frame, touching only the elements that changed (and the arrows
// attached to them), so a remote client moving notes costs a few style writes per frame.
//
// Other people's changes can still outrun the browser. With 2,000 notes on screen and 40
// random notes moving every 50 ms, every frame that draws moved notes costs Chromium work on
// the whole board (traced at fit zoom on 2 loaded cores: ~50 ms of style, layout, paint and
// layerization on the main thread, then ~70 ms re-rastering every tile, during which no new
// frame starts), so such a batch makes two slow frames whether it moves 40 notes or 400.
// So after a frame with remote changes that stayed slow for more than OVERLOAD_MS, further
// remote changes wait HOLD_PER_SLOW_FRAME_MS for each slow frame it made (at most MAX_HOLD_MS):
// about one frame in 30 is slow, and others' changes still show about once a second. Local
// changes, and explicit flush() calls, are never held.

import { h, s } from './dom.js'
import { drawBackground } from './background.js'
import { Emitter } from './events.js'
import { kindFor } from './kinds.js'
import { onLanguage } from './i18n.js'

const OVERLOAD_MS = 50 // three 60 Hz frames
const SLOW_FRAME_MS = 25
const MEASURE_MS = 500 // a batch's own slow frames are over by then, even on a loaded machine
const HOLD_PER_SLOW_FRAME_MS = 500 // 30 free frames per slow one
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
    this._holdUntil = 0
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
    const wait = this.dirty.size ? 0 : this._holdUntil - performance.now()
    if (wait <= 0) {
      clearTimeout(this._timer)
      this._timer = 0
      this._frame = requestAnimationFrame(() => this._frameFlush())
    } else if (!this._timer && this.held.size && wait !== Infinity) { // Infinity: _measure reschedules
      this._timer = setTimeout(() => { this._timer = 0; this._schedule() }, wait)
    }
  }

  /** The scheduled flush: held remote changes join in only when the hold is over. */
  _frameFlush () {
    this._frame = 0
    const release = this.held.size > 0 && performance.now() >= this._holdUntil
    if (release) this._measure()
    this._drawPending(release)
    if (this.held.size) this._schedule()
  }

  /**
   * Count the slow frames from this one, which draws remote changes, on (its own main-thread
   * work, then the wait for its raster), holding further remote changes meanwhile; then hold
   * them for a while if that took more than OVERLOAD_MS.
   */
  _measure () {
    const start = performance.now()
    let last = start
    let slow = 0
    this._holdUntil = Infinity
    const tick = now => {
      if (now - last > SLOW_FRAME_MS && now - start < MEASURE_MS) {
        last = now
        slow++
        requestAnimationFrame(tick)
        return
      }
      const overloaded = last - start > OVERLOAD_MS
      this._holdUntil = overloaded ? now + Math.min(MAX_HOLD_MS, slow * HOLD_PER_SLOW_FRAME_MS) : 0
      this._schedule()
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
