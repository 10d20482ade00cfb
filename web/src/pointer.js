// Pointer gestures on the canvas: select (click, shift-click, drag a rectangle), move the
// selection, resize, draw an arrow from a note's connector, pan (space/middle button/touch
// drag, wheel) and zoom (ctrl+wheel, trackpad pinch, two-finger pinch).

import { h, isTyping } from './dom.js'
import { geometry, MIN_SIZE, moveElements, setFields } from './model.js'

const DRAG_THRESHOLD = 3
/** The largest ctrl+wheel delta (in pixels) one event may zoom by: ~10% per mouse notch. */
const WHEEL_STEP_CAP = 10

export function installPointer (app) {
  const { container, viewport, selection } = app
  const elements = app.roots.elements
  const touches = new Map()
  let gesture = null
  let frame = 0

  const marquee = h('div', { className: 'marquee', attrs: { hidden: true } })
  const connectLine = h('div', { className: 'connect-line', attrs: { hidden: true } })
  app.overlay.append(marquee, connectLine)

  function local (event) {
    const box = container.getBoundingClientRect()
    return { x: event.clientX - box.left, y: event.clientY - box.top }
  }

  function idAt (target) {
    const node = target instanceof Element ? target.closest('[data-id]') : null
    return node && app.renderer.nodeFor(node.dataset.id) === node ? node.dataset.id : null
  }

  /** Write at most one transaction per frame while dragging. */
  function schedule (write) {
    gesture.write = write
    if (!frame) {
      frame = requestAnimationFrame(() => {
        frame = 0
        if (gesture && gesture.write) { gesture.write(); gesture.write = null }
      })
    }
  }

  function beginEdit () {
    // One drag is one undo step, however long it takes.
    app.undo.stopCapturing()
    app.undo.captureTimeout = Infinity
  }

  function endEdit () {
    app.undo.captureTimeout = 500
    app.undo.stopCapturing()
  }

  container.addEventListener('pointerdown', event => {
    if (isTyping(event.target) || event.target.closest('.overlay-ui')) return
    const at = local(event)
    if (event.pointerType === 'touch') {
      touches.set(event.pointerId, at)
      if (touches.size === 2) {
        gesture = { type: 'pinch', ...pinchState() }
        return
      }
    }
    const id = idAt(event.target)
    const board = viewport.toBoard(event.clientX, event.clientY)
    app.lastPoint = board // where tools without a point of their own add (e.g. a block's score)
    if (event.button === 1 || app.spaceHeld || (event.pointerType === 'touch' && !id)) {
      // A finger on the empty board pans; lifted without moving, it was a tap that clears.
      gesture = { type: 'pan', last: at, startScreen: at, started: false, tap: event.pointerType === 'touch' }
    } else if (event.button !== 0) {
      return
    } else if (id && !app.readOnly && event.target.closest('.handle.resize')) {
      const g = geometry(elements.get(id))
      gesture = { type: 'resize', id, start: board, size: { w: g.w, h: g.h }, started: false }
    } else if (id && !app.readOnly && event.target.closest('.handle.connector')) {
      gesture = { type: 'connect', from: id, startScreen: at, started: false }
    } else if (id) {
      // On a touch screen there is no double-click or Enter: a tap on a selected note edits it.
      const tapToEdit = event.pointerType === 'touch' && selection.has(id) && selection.list().length === 1
      if (event.shiftKey) selection.toggle(id)
      else if (!selection.has(id)) selection.set([id])
      if (app.editor.editingId && app.editor.editingId !== id) app.editor.close()
      if (!app.readOnly && selection.has(id) && app.editor.editingId !== id) {
        const starts = new Map()
        for (const sid of selection.list()) {
          const element = elements.get(sid)
          if (element && element.get('kind') !== 'arrow') starts.set(sid, geometry(element))
        }
        gesture = { type: 'move', start: board, startScreen: at, starts, started: false, tapToEdit: tapToEdit ? id : null }
      }
    } else {
      app.editor.close()
      if (!event.shiftKey) selection.clear()
      gesture = { type: 'marquee', startScreen: at, start: board, additive: event.shiftKey, base: selection.list(), started: false }
    }
    // A move captures the pointer only once it starts: a capture would retarget the
    // click and dblclick of a plain click on a note to the container.
    if (gesture && gesture.type !== 'move') container.setPointerCapture(event.pointerId)
  })

  container.addEventListener('pointermove', event => {
    const at = local(event)
    app.pointer = viewport.toBoard(event.clientX, event.clientY)
    app.presence.setCursor(app.pointer)
    if (touches.has(event.pointerId)) touches.set(event.pointerId, at)
    if (!gesture) return
    const board = app.pointer
    if (gesture.startScreen && !gesture.started) {
      if (Math.hypot(at.x - gesture.startScreen.x, at.y - gesture.startScreen.y) < DRAG_THRESHOLD) return
      gesture.started = true
      if (gesture.type === 'move') {
        beginEdit()
        app.container.classList.add('dragging')
        container.setPointerCapture(event.pointerId)
      }
    }
    switch (gesture.type) {
      case 'pan':
        viewport.panBy(at.x - gesture.last.x, at.y - gesture.last.y)
        gesture.last = at
        break
      case 'pinch': {
        const next = pinchState()
        if (next.distance > 0 && gesture.distance > 0) viewport.zoomBy(next.distance / gesture.distance, next.mid.x, next.mid.y)
        viewport.panBy(next.mid.x - gesture.mid.x, next.mid.y - gesture.mid.y)
        Object.assign(gesture, next)
        break
      }
      case 'move': {
        const dx = board.x - gesture.start.x
        const dy = board.y - gesture.start.y
        const moves = new Map()
        for (const [id, g] of gesture.starts) moves.set(id, { x: g.x + dx, y: g.y + dy })
        schedule(() => moveElements(app.doc, moves))
        break
      }
      case 'resize': {
        if (!gesture.started) { gesture.started = true; beginEdit() }
        const w = Math.max(MIN_SIZE.w, gesture.size.w + board.x - gesture.start.x)
        const hgt = Math.max(MIN_SIZE.h, gesture.size.h + board.y - gesture.start.y)
        schedule(() => setFields(app.doc, new Map([[gesture.id, { w: Math.round(w), h: Math.round(hgt) }]])))
        break
      }
      case 'connect':
        drawConnectLine(gesture.startScreen, at)
        break
      case 'marquee':
        drawMarquee(gesture.startScreen, at)
        gesture.end = board
        break
    }
  })

  function finish (event) {
    touches.delete(event.pointerId)
    if (!gesture) return
    const done = gesture
    gesture = null
    if (done.write) done.write()
    if (frame) { cancelAnimationFrame(frame); frame = 0 }
    if (done.type === 'move' && done.started) { endEdit(); app.container.classList.remove('dragging') }
    if (done.type === 'pan' && done.tap && !done.started && event.type === 'pointerup') {
      app.editor.close()
      selection.clear()
    }
    if (done.type === 'move' && !done.started && done.tapToEdit && event.type === 'pointerup') app.editor.open(done.tapToEdit)
    if (done.type === 'resize' && done.started) endEdit()
    if (done.type === 'marquee') {
      marquee.hidden = true
      if (done.started && done.end) selectInside(done)
    }
    if (done.type === 'connect') {
      connectLine.hidden = true
      const target = idAt(document.elementFromPoint(event.clientX, event.clientY))
      if (target && target !== done.from) app.actions.connect(done.from, target)
    }
  }
  container.addEventListener('pointerup', finish)
  container.addEventListener('pointercancel', finish)
  container.addEventListener('pointerenter', () => { app.pointerInside = true })
  container.addEventListener('pointerleave', () => {
    app.pointerInside = false
    app.presence.setCursor(null)
  })

  container.addEventListener('dblclick', event => {
    if (isTyping(event.target) || event.target.closest('.overlay-ui')) return
    const id = idAt(event.target)
    if (id) {
      selection.set([id])
      app.editor.open(id)
    } else if (!app.readOnly) {
      app.actions.newNote(viewport.toBoard(event.clientX, event.clientY))
    }
  })

  // A plain wheel or trackpad swipe scrolls the board natively (on the compositor); only
  // ctrl+wheel, which is also what a trackpad pinch sends, is handled here: zoom.
  container.addEventListener('wheel', event => {
    if (!(event.ctrlKey || event.metaKey)) return
    event.preventDefault()
    const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? container.clientHeight : 1
    // A trackpad pinch sends many small pixel deltas (1% each); a mouse wheel sends one large
    // delta per notch (100 px in Chromium, 3 lines elsewhere), which at that rate jumped the
    // zoom 2.7 times. Capped, one notch zooms about 10%.
    const delta = Math.max(-WHEEL_STEP_CAP, Math.min(WHEEL_STEP_CAP, event.deltaY * unit))
    const at = local(event)
    viewport.zoomBy(Math.exp(-delta * 0.01), at.x, at.y)
  }, { passive: false })

  function pinchState () {
    const [a, b] = [...touches.values()]
    return { distance: Math.hypot(a.x - b.x, a.y - b.y), mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } }
  }

  function drawMarquee (a, b) {
    marquee.hidden = false
    marquee.style.transform = `translate(${Math.min(a.x, b.x)}px, ${Math.min(a.y, b.y)}px)`
    marquee.style.width = `${Math.abs(a.x - b.x)}px`
    marquee.style.height = `${Math.abs(a.y - b.y)}px`
  }

  function drawConnectLine (a, b) {
    connectLine.hidden = false
    const length = Math.hypot(b.x - a.x, b.y - a.y)
    connectLine.style.width = `${length}px`
    connectLine.style.transform = `translate(${a.x}px, ${a.y}px) rotate(${Math.atan2(b.y - a.y, b.x - a.x)}rad)`
  }

  function selectInside ({ start, end, additive, base }) {
    const x1 = Math.min(start.x, end.x)
    const x2 = Math.max(start.x, end.x)
    const y1 = Math.min(start.y, end.y)
    const y2 = Math.max(start.y, end.y)
    const found = additive ? new Set(base) : new Set()
    elements.forEach((element, id) => {
      if (element.get('kind') === 'arrow') return
      const g = geometry(element)
      if (g.x < x2 && g.x + g.w > x1 && g.y < y2 && g.y + g.h > y1) found.add(id)
    })
    selection.set(found)
  }
}
