// Keeps the DOM in step with the elements map. Changes are collected from observeDeep and
// drawn once per animation frame, touching only the elements that changed (and the arrows
// attached to them), so a remote client moving notes costs a few style writes per frame.

import { h, s } from './dom.js'
import { drawBackground } from './background.js'
import { Emitter } from './events.js'
import { kindFor } from './kinds.js'
import { onLanguage } from './i18n.js'

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
    this.dirty = new Set()
    this._frame = 0
    this.firstRender = true
  }

  start () {
    drawBackground(this.background, this.app.spec)
    this.elements.forEach((_value, id) => this.dirty.add(id))
    this.elements.observeDeep(events => {
      for (const event of events) {
        if (event.target === this.elements) {
          for (const id of event.keysChanged) this.markDirty(id)
        } else if (event.path.length > 0) {
          this.markDirty(event.path[0])
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

  markDirty (id) {
    this.dirty.add(id)
    for (const dependent of this.dependents.get(id) || []) this.dirty.add(dependent)
    if (!this._frame) this._frame = requestAnimationFrame(() => this.flush())
  }

  refreshAll () {
    this.elements.forEach((_value, id) => this.dirty.add(id))
    for (const id of this.nodes.keys()) this.dirty.add(id)
    if (!this._frame) this._frame = requestAnimationFrame(() => this.flush())
  }

  /** Draw every pending change now. */
  flush () {
    if (this._frame) cancelAnimationFrame(this._frame)
    this._frame = 0
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
