// Pan and zoom. Panning is native scrolling of a scroller around the board: the compositor
// moves the already painted board without the main thread re-painting 2,000 notes on every
// frame (a transform-based pan measured 33-66 ms per frame here; scrolling stays under a
// frame). Zoom is a CSS scale on the world inside the scroller, with a margin of one screen
// around the board so it can be panned partly out of view.

import { Emitter } from './events.js'

export const MIN_SCALE = 0.1
export const MAX_SCALE = 4
/** Below this scale the board is drawn more simply (board.css, .zoomed-out). */
export const ZOOMED_OUT = 0.6

export class Viewport extends Emitter {
  /**
   * @param container the positioned element events are measured against
   * @param scroller  the overflow: scroll element filling the container
   * @param spacer    an empty element inside the scroller that gives it its scroll size
   * @param world     the board, drawn in board coordinates and scaled
   * @param size      the board size {w, h}
   */
  constructor (container, scroller, spacer, world, size) {
    super()
    Object.assign(this, { container, scroller, spacer, world, size })
    this.scale = 1
    this.pad = 0
    this._frame = 0
    scroller.addEventListener('scroll', () => this._changed(), { passive: true })
  }

  /** Container x of the board's origin. */
  get x () { return this.pad - this.scroller.scrollLeft }
  get y () { return this.pad - this.scroller.scrollTop }

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
    const { clientWidth: w, clientHeight: h } = this.scroller
    return { x: -this.x / this.scale, y: -this.y / this.scale, w: w / this.scale, h: h / this.scale }
  }

  center () {
    const r = this.visibleRect()
    return { x: r.x + r.w / 2, y: r.y + r.h / 2 }
  }

  panBy (dx, dy) {
    this.scroller.scrollLeft -= dx
    this.scroller.scrollTop -= dy
    this._changed()
  }

  /** Zoom by a factor keeping the container point (cx, cy) in place (default: the middle). */
  zoomBy (factor, cx = this.scroller.clientWidth / 2, cy = this.scroller.clientHeight / 2) {
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.scale * factor))
    const applied = scale / this.scale
    const x = cx - (cx - this.x) * applied
    const y = cy - (cy - this.y) * applied
    this.scale = scale
    this._layout()
    this._scrollTo(x, y)
    this._changed()
  }

  /** Show the board rectangle as large as fits, with a margin. */
  fit (rect, margin = 24) {
    const { clientWidth: w, clientHeight: h } = this.scroller
    if (!w || !h) return
    this.scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE,
      Math.min((w - 2 * margin) / rect.w, (h - 2 * margin) / rect.h)))
    this._layout()
    this._scrollTo((w - rect.w * this.scale) / 2 - rect.x * this.scale, (h - rect.h * this.scale) / 2 - rect.y * this.scale)
    this._changed()
  }

  /** Pan so the board rectangle is in view (no zoom change unless it is larger than the view). */
  reveal (rect, margin = 40) {
    const view = this.visibleRect()
    if (rect.w > view.w || rect.h > view.h) {
      this.zoomBy(Math.min(view.w / (rect.w + 2 * margin), view.h / (rect.h + 2 * margin)))
    }
    const v = this.visibleRect()
    let dx = 0
    let dy = 0
    if (rect.x < v.x) dx = v.x - rect.x + margin
    else if (rect.x + rect.w > v.x + v.w) dx = v.x + v.w - rect.x - rect.w - margin
    if (rect.y < v.y) dy = v.y - rect.y + margin
    else if (rect.y + rect.h > v.y + v.h) dy = v.y + v.h - rect.y - rect.h - margin
    if (dx || dy) this.panBy(dx * this.scale, dy * this.scale)
  }

  /** Keep the view where it is after the container changed size. */
  resized () {
    const x = this.x
    const y = this.y
    this._layout()
    this._scrollTo(x, y)
    this._changed()
  }

  _layout () {
    const { clientWidth: w, clientHeight: h } = this.scroller
    this.pad = Math.max(w, h, 200)
    this.world.style.transform = `translate(${this.pad}px, ${this.pad}px) scale(${this.scale})`
    // For what keeps its size on screen at any zoom (touch targets: facilitation.css).
    this.world.style.setProperty('--board-scale', String(this.scale))
    this.world.classList.toggle('zoomed-out', this.scale < ZOOMED_OUT)
    this.spacer.style.width = `${this.size.w * this.scale + 2 * this.pad}px`
    this.spacer.style.height = `${this.size.h * this.scale + 2 * this.pad}px`
  }

  _scrollTo (x, y) {
    this.scroller.scrollLeft = this.pad - x
    this.scroller.scrollTop = this.pad - y
  }

  _changed () {
    if (!this._frame) this._frame = requestAnimationFrame(() => { this._frame = 0; this.emit('change', this) })
  }
}
