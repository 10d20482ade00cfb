// Toolbar buttons that add an element of a canvas's own kind (a canvas module adds them through
// window.partnerboard.addTool), and the helpers such a button uses to place what it adds.

import { h, setText } from './dom.js'
import { onLanguage, t } from './i18n.js'
import { addElement, geometry } from './model.js'

const inside = (rect, p) => p.x >= rect.x && p.x <= rect.x + rect.w && p.y >= rect.y && p.y <= rect.y + rect.h

/** The board point a new element goes to: the selected element's centre, else the spot the
 * user last pressed on the board while it is still in view, else null (the middle of the view). */
export function pointFor (app) {
  const elements = app.roots.elements
  for (const id of app.selection.list()) {
    const element = elements.get(id)
    if (element && element.get('kind') !== 'arrow') {
      const g = geometry(element)
      return { x: g.x + g.w / 2, y: g.y + g.h / 2 }
    }
  }
  const last = app.lastPoint
  return last && inside(app.viewport.visibleRect(), last) ? last : null
}

/** Add an element of `kind` at `spot` ({x, y}) with `size` ({w, h}) and more keys, as the user:
 * one undo step, selected and scrolled into view. Returns its id. */
export function addElementAt (app, kind, spot, size, fields = {}) {
  app.undo.stopCapturing()
  const id = addElement(app.doc, kind, { ...spot, ...size, author: app.identity.name, org: app.identity.org, ...fields })
  app.undo.stopCapturing()
  app.selection.set([id])
  app.renderer.flush()
  app.viewport.reveal(geometry(app.roots.elements.get(id)))
  return id
}

/** Focus an element's node (or a part of it matching `selector`). */
export function focusNode (app, id, selector = null) {
  const node = app.renderer.nodeFor(id)
  const target = node && selector ? node.querySelector(selector) : node
  if (target) target.focus({ preventScroll: true })
}

/** A button in the toolbar's editing group, after "New note": `label` is a text key (see
 * addTexts), `action` its data-action, `run()` what a click does. Hidden while read-only. */
export function addTool (app, { action, label, run }) {
  const group = app.root.querySelector('.toolbar .tool-group.editing')
  if (!group) return null
  const button = h('button', { className: `tool tool-${action} tool-kind`, attrs: { type: 'button' }, dataset: { action }, on: { click: () => run() } })
  const tools = group.querySelectorAll('.tool-kind')
  const after = tools.length ? tools[tools.length - 1] : group.querySelector('[data-action=new-note]')
  if (after) after.after(button)
  else group.prepend(button)
  const render = () => {
    setText(button, t(label))
    button.hidden = app.readOnly
  }
  onLanguage(render)
  app.on('readonly', render)
  render()
  return button
}
