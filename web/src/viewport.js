// Pan and zoom: one CSS transform on the world layer, so moving the view never touches the
// 2,000 elements inside it. During a gesture the layer is promoted (will-change) for smooth
// compositing; shortly after, it is demoted so text is rasterised sharply at the new zoom.

import { Emitter } from './events.js'

export const MIN_SCALE = 0.1
export const MAX_SCALE = 4

export class Viewport extends Emitter {
  constructor (container, world) {
    super()
    this.container = container
    this.world = world
    this.x = 0
    this.y = 0
    this.scale = 1
    this._frame = 0
    this._settle = 0
  }

  /** Board coordinates of a point given in client (page) coordinates. */
  toBoard (clientX, clientY) {
    const box = this.container.getBoundingClientRect()
    return { x: (clientX - box.left - this.x) / this.scale, y: (clientY - box.top - this.y) / this.scale }
  }

  /** Container-relative screen coordinates of a board point. */
  toScreen (x, y) {
    return { x: x * this.scale + this.x, y: y * this.scale + this.y }
  }

  /** The board rectangle currently visible. */
  visibleRect () {
    const { clientWidth: w, clientHeight: h } = this.container
    return { x: -this.x / this.scale, y: -this.y / this.scale, w: w / this.scale, h: h / this.scale }
  }

  center () {
    const r = this.visibleRect()
    return { x: r.x + r.w / 2, y: r.y + r.h / 2 }
  }

  panBy (dx, dy) {
    this.x += dx
    this.y += dy
    this._changed()
  }

  /** Zoom by a factor keeping the container point (cx, cy) in place (default: the middle). */
  zoomBy (factor, cx = this.container.clientWidth / 2, cy = this.container.clientHeight / 2) {
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.scale * factor))
    const applied = scale / this.scale
    this.x = cx - (cx - this.x) * applied
    this.y = cy - (cy - this.y) * applied
    this.scale = scale
    this._changed()
  }

  /** Show the board rectangle as large as fits, with a margin. */
  fit (rect, margin = 24) {
    const { clientWidth: w, clientHeight: h } = this.container
    if (!w || !h) return
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE,
      Math.min((w - 2 * margin) / rect.w, (h - 2 * margin) / rect.h)))
    this.scale = scale
    this.x = (w - rect.w * scale) / 2 - rect.x * scale
    this.y = (h - rect.h * scale) / 2 - rect.y * scale
    this._changed()
  }

  /** Pan so the board rectangle is in view (no zoom change unless it is larger than the view). */
  reveal (rect, margin = 40) {
    const view = this.visibleRect()
    if (rect.w > view.w || rect.h > view.h) this.zoomBy(Math.min(view.w / (rect.w + 2 * margin), view.h / (rect.h + 2 * margin)))
    const v = this.visibleRect()
    let dx = 0
    let dy = 0
    if (rect.x < v.x) dx = v.x - rect.x + margin
    else if (rect.x + rect.w > v.x + v.w) dx = v.x + v.w - rect.x - rect.w - margin
    if (rect.y < v.y) dy = v.y - rect.y + margin
    else if (rect.y + rect.h > v.y + v.h) dy = v.y + v.h - rect.y - rect.h - margin
    if (dx || dy) this.panBy(dx * this.scale, dy * this.scale)
  }

  _changed () {
    if (!this._frame) this._frame = requestAnimationFrame(() => this._apply())
  }

  _apply () {
    this._frame = 0
    this.world.style.transform = `translate(${this.x}px, ${this.y}px) scale(${this.scale})`
    this.world.classList.add('moving')
    clearTimeout(this._settle)
    this._settle = setTimeout(() => this.world.classList.remove('moving'), 250)
    this.emit('change', this)
  }
}
