// A pointer drag owned by one handle (a partner's desired position, an end of the ambition
// line): the handle captures the pointer, so the canvas's own gestures never see it, and the
// document gets at most one write per frame.

/**
 * Start dragging from a pointerdown on `handle`. `write(point)` gets board coordinates, once
 * per frame at most and once more when the pointer is released; `done()` runs at the end.
 */
export function dragHandle (app, event, handle, write, done = () => {}) {
  event.preventDefault()
  event.stopPropagation()
  handle.setPointerCapture(event.pointerId)
  // One drag is one undo step, however long it takes (as in pointer.js).
  app.undo.stopCapturing()
  app.undo.captureTimeout = Infinity
  let frame = 0
  let pending = null
  const flush = () => {
    frame = 0
    if (pending) { const point = pending; pending = null; write(point) }
  }
  const move = moveEvent => {
    pending = app.viewport.toBoard(moveEvent.clientX, moveEvent.clientY)
    if (!frame) frame = requestAnimationFrame(flush)
  }
  const end = () => {
    if (frame) cancelAnimationFrame(frame)
    flush()
    handle.removeEventListener('pointermove', move)
    handle.removeEventListener('pointerup', end)
    handle.removeEventListener('pointercancel', end)
    app.undo.captureTimeout = 500
    app.undo.stopCapturing()
    done()
  }
  handle.addEventListener('pointermove', move)
  handle.addEventListener('pointerup', end)
  handle.addEventListener('pointercancel', end)
}
