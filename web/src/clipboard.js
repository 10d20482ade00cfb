// Copy, paste and duplicate (Ctrl+C, Ctrl+V, Ctrl+D) of the selected elements, with the arrows
// between them. What is copied is plain data, without who wrote it or the facilitator's marks:
// a pasted note is the paster's own. Within the browser it travels as
// application/x-partnerboard (so it pastes into another board too), next to the plain text of
// the notes for anything else; plain text pasted on the board becomes a note.

import { addElement, LOCAL, roots } from './model.js'

const TYPE = 'application/x-partnerboard'
/** Keys that belong to who made an element or what the facilitator decided, not to its content. */
const PERSONAL = new Set(['author', 'org', 'created', 'status', 'editors', 'guest', 'group', 'group_label', 'group_color', 'source_element', 'votes'])
const OFFSET = 24
const MAX_ELEMENTS = 500
const MAX_TEXT = 10000

function plain (ymap) {
  const out = {}
  ymap.forEach((value, key) => {
    if (PERSONAL.has(key)) return
    out[key] = value && typeof value.toJSON === 'function' ? value.toJSON() : value
    if (key === 'text' && value && typeof value.toString === 'function') out.text = value.toString()
  })
  return out
}

/** The selected elements (arrows only with both their ends) as plain data: [{id, ...keys}]. */
export function copiedData (app, ids) {
  const elements = app.roots.elements
  const chosen = new Set(ids.filter(id => { const e = elements.get(id); return e && e.get('kind') !== 'arrow' }))
  const data = []
  for (const id of chosen) data.push({ id, ...plain(elements.get(id)) })
  elements.forEach((element, id) => {
    if (element.get('kind') === 'arrow' && chosen.has(element.get('from')) && chosen.has(element.get('to'))) {
      data.push({ id, ...plain(element) })
    }
  })
  return data
}

function validItems (value) {
  return Array.isArray(value) && value.length <= MAX_ELEMENTS &&
    value.every(item => item && typeof item === 'object' && typeof item.id === 'string' && typeof item.kind === 'string')
}

/** Add copies of `data` (see copiedData), moved by (dx, dy), as this user; returns the new ids. */
export function pasteData (app, data, dx = OFFSET, dy = OFFSET) {
  if (app.readOnly || !validItems(data)) return []
  const allowed = new Set((app.spec.element_kinds || []).map(kind => kind.kind))
  const fresh = new Map()
  const made = []
  app.undo.stopCapturing()
  app.doc.transact(() => {
    const add = (item, extra = {}) => {
      const { id, kind, x, y, w, h, text, ...given } = item
      if (!allowed.has(kind)) return
      // What another page or board put on the clipboard may claim an author, marks, votes or
      // editors: the paste is the paster's own, so those keys are left out here too.
      const fields = Object.fromEntries(Object.entries(given).filter(([key]) => !PERSONAL.has(key)))
      const number = value => (Number.isFinite(value) ? value : 0)
      const newId = addElement(app.doc, kind, {
        ...fields,
        ...extra,
        x: number(x) + dx,
        y: number(y) + dy,
        w: number(w) || 160,
        h: number(h) || 100,
        text: typeof text === 'string' ? text.slice(0, MAX_TEXT) : '',
        author: app.identity.name,
        org: app.identity.org
      })
      fresh.set(id, newId)
      made.push(newId)
    }
    for (const item of data) if (item.kind !== 'arrow') add(item)
    for (const item of data) {
      if (item.kind === 'arrow' && fresh.has(item.from) && fresh.has(item.to)) {
        add(item, { from: fresh.get(item.from), to: fresh.get(item.to) })
      }
    }
  }, LOCAL)
  app.undo.stopCapturing()
  const shown = made.filter(id => roots(app.doc).elements.get(id)?.get('kind') !== 'arrow')
  app.selection.set(shown)
  app.renderer.flush()
  return made
}

export function installClipboard (app, onBoard) {
  app.clipboard = null
  const selected = () => app.actions.targets()

  document.addEventListener('copy', event => {
    if (!onBoard(event.target)) return
    const data = copiedData(app, selected())
    if (!data.length) return
    app.clipboard = data
    event.clipboardData.setData(TYPE, JSON.stringify(data))
    event.clipboardData.setData('text/plain', data.filter(item => item.text).map(item => item.text).join('\n\n'))
    event.preventDefault()
  })

  document.addEventListener('paste', event => {
    if (!onBoard(event.target) || app.readOnly) return
    event.preventDefault()
    let data = null
    try { data = JSON.parse(event.clipboardData.getData(TYPE) || 'null') } catch (_error) { data = null }
    if (validItems(data) && data.length) {
      pasteData(app, data)
      return
    }
    const text = event.clipboardData.getData('text/plain').trim()
    if (text) {
      const id = app.actions.newNote(app.pointerInside ? app.pointer : null)
      if (id) {
        app.editor.close()
        app.doc.transact(() => roots(app.doc).elements.get(id).get('text').insert(0, text.slice(0, MAX_TEXT)), LOCAL)
      }
    }
  })

  // A file dropped anywhere on the page would make the browser open it in the board's tab,
  // and leave the board. The board takes no files: such a drop is refused here.
  const bringsFiles = event => Array.from(event.dataTransfer?.types ?? []).includes('Files')
  for (const type of ['dragover', 'drop']) {
    window.addEventListener(type, event => {
      if (!bringsFiles(event)) return
      event.preventDefault()
      event.dataTransfer.dropEffect = 'none'
    })
  }

  app.actions.duplicateSelected = () => pasteData(app, copiedData(app, selected()))
}
