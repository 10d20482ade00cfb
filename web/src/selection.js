// Which elements this user has selected (local only; never stored in the document).

import { Emitter } from './events.js'

export class Selection extends Emitter {
  constructor (app) {
    super()
    this.app = app
    this.ids = new Set()
  }

  has (id) { return this.ids.has(id) }
  get size () { return this.ids.size }
  list () { return [...this.ids] }

  set (ids) {
    const before = this.ids
    this.ids = new Set(ids)
    this._changed(new Set([...before, ...this.ids]))
  }

  toggle (id) {
    if (this.ids.has(id)) this.ids.delete(id)
    else this.ids.add(id)
    this._changed(new Set([id]))
  }

  add (id) {
    if (this.ids.has(id)) return
    this.ids.add(id)
    this._changed(new Set([id]))
  }

  remove (id) {
    if (!this.ids.delete(id)) return
    this._changed(new Set([id]))
  }

  clear () { if (this.ids.size) this.set([]) }

  _changed (touched) {
    for (const id of touched) {
      const node = this.app.renderer.nodeFor(id)
      if (node) {
        node.classList.toggle('selected', this.ids.has(id))
        if (node.tagName !== 'g') node.setAttribute('aria-selected', this.ids.has(id) ? 'true' : 'false')
      }
    }
    this.emit('change', this)
  }
}
