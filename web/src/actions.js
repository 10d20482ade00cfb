// What a user can do, in one place for the toolbar, the keyboard and the pointer. Every
// change checks the read-only state first: observers and finalized boards change nothing.

import { getLanguage, setLanguage } from './i18n.js'
import {
  addElement, deleteElements, geometry, MIN_SIZE, moveElements, NOTE_COLORS, NOTE_SIZE, setFields
} from './model.js'
import { freeSpot } from './placement.js'

export function createActions (app) {
  const { doc, viewport, selection } = app
  const elements = app.roots.elements
  const writable = () => !app.readOnly

  /** The elements keyboard commands act on: the focused one, unless it is part of the selection. */
  function targets () {
    const focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest('[data-id]')
      : null
    const id = focused && app.renderer.nodeFor(focused.dataset.id) === focused ? focused.dataset.id : null
    if (id && !selection.has(id)) return [id]
    return selection.list().filter(sid => elements.has(sid))
  }

  function isNoteLike (id) {
    const element = elements.get(id)
    return element && element.get('kind') !== 'arrow'
  }

  const actions = {
    targets,

    newNote (at = null) {
      if (!writable()) return null
      const { x, y } = freeSpot(app, NOTE_SIZE, at)
      app.undo.stopCapturing()
      const id = addElement(doc, 'note', {
        x, y, ...NOTE_SIZE, author: app.identity.name, org: app.identity.org, color: app.noteColor
      })
      app.undo.stopCapturing()
      selection.set([id])
      app.renderer.flush()
      viewport.reveal(geometry(elements.get(id)))
      app.editor.open(id)
      return id
    },

    connect (from, to) {
      if (!writable() || from === to || !isNoteLike(from) || !isNoteLike(to)) return null
      const a = geometry(elements.get(from))
      const b = geometry(elements.get(to))
      const ax = a.x + a.w / 2
      const ay = a.y + a.h / 2
      const bx = b.x + b.w / 2
      const by = b.y + b.h / 2
      app.undo.stopCapturing()
      const id = addElement(doc, 'arrow', {
        x: Math.min(ax, bx), y: Math.min(ay, by), w: Math.abs(ax - bx) || 1, h: Math.abs(ay - by) || 1,
        author: app.identity.name, org: app.identity.org, from, to
      })
      app.undo.stopCapturing()
      return id
    },

    connectSelected () {
      const ids = targets().filter(isNoteLike)
      if (ids.length === 2) return actions.connect(ids[0], ids[1])
      return null
    },

    deleteSelected () {
      if (!writable()) return
      const ids = targets()
      if (!ids.length) return
      app.editor.close()
      app.undo.stopCapturing()
      deleteElements(doc, ids)
      app.undo.stopCapturing()
      selection.clear()
      app.container.focus({ preventScroll: true })
    },

    recolour (color) {
      app.noteColor = color
      app.emit('note-color', color)
      if (!writable()) return
      const ids = targets().filter(id => elements.get(id).get('kind') === 'note')
      if (!ids.length) return
      app.undo.stopCapturing()
      setFields(doc, new Map(ids.map(id => [id, { color }])))
    },

    nextColour () {
      const index = NOTE_COLORS.findIndex(([, value]) => value === app.noteColor)
      actions.recolour(NOTE_COLORS[(index + 1) % NOTE_COLORS.length][1])
    },

    moveSelected (dx, dy) {
      if (!writable()) return
      const ids = targets().filter(isNoteLike)
      if (!ids.length) return false
      moveElements(doc, new Map(ids.map(id => {
        const g = geometry(elements.get(id))
        return [id, { x: g.x + dx, y: g.y + dy }]
      })))
      const first = geometry(elements.get(ids[0]))
      viewport.reveal(first)
      return true
    },

    resizeSelected (dw, dh) {
      if (!writable()) return
      const ids = targets().filter(isNoteLike)
      setFields(doc, new Map(ids.map(id => {
        const g = geometry(elements.get(id))
        return [id, { w: Math.max(MIN_SIZE.w, g.w + dw), h: Math.max(MIN_SIZE.h, g.h + dh) }]
      })))
    },

    editSelected () {
      const ids = targets()
      if (ids.length === 1) app.editor.open(ids[0])
    },

    selectAll () {
      const ids = []
      elements.forEach((element, id) => { if (!['arrow', 'comment'].includes(element.get('kind'))) ids.push(id) })
      selection.set(ids)
    },

    /** Select an element, bring it into view and give it the keyboard focus. */
    focusElement (id) {
      const element = elements.get(id)
      if (!element) return
      selection.set([id])
      viewport.reveal(geometry(element))
      const node = app.renderer.nodeFor(id)
      if (node && node.focus) node.focus({ preventScroll: true })
    },

    undo () { if (writable()) app.undo.undo() },
    redo () { if (writable()) app.undo.redo() },

    zoomIn () { viewport.zoomBy(1.25) },
    zoomOut () { viewport.zoomBy(0.8) },
    fit () {
      const { w, h } = app.spec.size
      viewport.fit({ x: 0, y: 0, w, h })
    },

    toggleOutline (show) { app.outline.toggle(show) },

    toggleLanguage () {
      const next = getLanguage() === 'nl' ? 'en' : 'nl'
      setLanguage(next)
      try { localStorage.setItem(`partnerboard-lang-${app.boardId}`, next) } catch (_error) { /* private mode */ }
    }
  }
  return actions
}
