// Editing a note's text in place. The textarea is bound to the element's Y.Text: each input
// becomes the smallest delete + insert, and remote edits are merged into the textarea with the
// caret moved along, so two people typing in one note both keep their words.

import * as Y from 'yjs'
import { h } from './dom.js'
import { t } from './i18n.js'
import { applyTextDiff, LOCAL, setFields, str } from './model.js'
import { showsFields } from './kinds/note.js'
import { kindFor } from './kinds.js'

/**
 * Where a caret at `index` ends up after a remote change described by a Yjs delta (retain /
 * insert / delete over the old text). Text inserted exactly at the caret goes after it.
 */
export function transformIndex (index, delta) {
  let oldPos = 0
  let shift = 0
  for (const op of delta) {
    if (oldPos >= index) break
    if (op.retain !== undefined) {
      oldPos += op.retain
    } else if (op.insert !== undefined) {
      shift += typeof op.insert === 'string' ? op.insert.length : 1
    } else if (op.delete !== undefined) {
      shift -= Math.min(op.delete, index - oldPos)
      oldPos += op.delete
    }
  }
  return Math.max(0, index + shift)
}

export class Editor {
  constructor (app) {
    this.app = app
    this.editingId = null
    this._cleanup = []
  }

  open (id) {
    const app = this.app
    if (app.readOnly) return false
    if (this.editingId === id) return true
    const kind = app.roots.elements.get(id)?.get?.('kind')
    // A kind with an editor of its own (e.g. a partner marker picks its partner again).
    const own = typeof kind === 'string' ? kindFor(kind) : null
    if (own && own.open) return own.open(app, id)
    this.close()
    const ymap = app.roots.elements.get(id)
    const node = app.renderer.nodeFor(id)
    const ytext = ymap && ymap.get('text')
    if (!node || !node.parts || !node.parts.text || !(ytext instanceof Y.Text)) return false
    this.editingId = id
    node.classList.add('editing')
    const textarea = h('textarea', {
      className: 'note-editor',
      attrs: { 'aria-label': t('note_text'), spellcheck: 'true' }
    })
    textarea.value = ytext.toString()
    node.parts.text.replaceChildren(textarea)
    const onInput = () => applyTextDiff(app.doc, ytext, textarea.value)
    textarea.addEventListener('input', onInput)
    const observer = event => {
      if (event.transaction.origin === LOCAL) return
      const start = transformIndex(textarea.selectionStart, event.delta)
      const end = transformIndex(textarea.selectionEnd, event.delta)
      textarea.value = ytext.toString()
      if (document.activeElement === textarea) textarea.setSelectionRange(start, end)
    }
    ytext.observe(observer)
    this._cleanup.push(() => ytext.unobserve(observer))

    if (showsFields(app, ymap)) node.parts.text.append(this._fields(id, ymap))
    const container = node.parts.text
    const onKey = event => {
      if (event.key === 'Escape') {
        event.preventDefault()
        event.stopPropagation()
        this.close()
        node.focus({ preventScroll: true })
      } else if ((event.ctrlKey || event.metaKey) && (event.key === 'z' || event.key === 'Z' || event.key === 'y')) {
        // The textarea's own history does not know about remote edits: use the shared one.
        event.preventDefault()
        event.stopPropagation()
        if (event.key === 'y' || event.shiftKey) app.actions.redo()
        else app.actions.undo()
      } else {
        event.stopPropagation() // typing "n" or Delete here is text, not a board shortcut
      }
    }
    const onFocusOut = event => {
      if (!event.relatedTarget || !container.contains(event.relatedTarget)) this.close()
    }
    container.addEventListener('keydown', onKey)
    container.addEventListener('focusout', onFocusOut)
    this._cleanup.push(() => {
      container.removeEventListener('keydown', onKey)
      container.removeEventListener('focusout', onFocusOut)
    })
    app.presence.setEditing(id)
    textarea.focus({ preventScroll: true })
    textarea.setSelectionRange(textarea.value.length, textarea.value.length)
    return true
  }

  _fields (id, ymap) {
    const app = this.app
    const owner = h('input', { className: 'field-owner', attrs: { type: 'text', maxlength: 200 } })
    const due = h('input', { className: 'field-due', attrs: { type: 'date' } })
    owner.value = str(ymap, 'owner')
    due.value = str(ymap, 'due')
    owner.addEventListener('input', () => setFields(app.doc, new Map([[id, { owner: owner.value }]])))
    due.addEventListener('input', () => setFields(app.doc, new Map([[id, { due: due.value }]])))
    const observer = event => {
      if (event.transaction.origin === LOCAL) return
      if (event.keysChanged.has('owner') && document.activeElement !== owner) owner.value = str(ymap, 'owner')
      if (event.keysChanged.has('due') && document.activeElement !== due) due.value = str(ymap, 'due')
    }
    ymap.observe(observer)
    this._cleanup.push(() => ymap.unobserve(observer))
    return h('div', { className: 'note-field-editors' },
      h('label', {}, h('span', { text: t('owner') }), owner),
      h('label', {}, h('span', { text: t('due') }), due))
  }

  close () {
    if (this.editingId === null) return
    const id = this.editingId
    this.editingId = null
    for (const undo of this._cleanup.splice(0)) undo()
    const node = this.app.renderer.nodeFor(id)
    if (node) {
      node.classList.remove('editing')
      node.parts.text.replaceChildren()
    }
    this.app.undo.stopCapturing()
    this.app.presence.setEditing(null)
    this.app.renderer.markDirty(id)
    this.app.renderer.flush()
  }
}
