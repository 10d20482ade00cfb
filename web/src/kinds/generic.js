// Any kind no module registered: a plain box with the kind's name and the element's text, so
// content made with a newer canvas or a missing plugin is still visible (and movable).

import { h, setText } from '../dom.js'
import { registerKind } from '../kinds.js'
import { t } from '../i18n.js'
import { geometry, str, textOf } from '../model.js'
import { place } from './note.js'

export const genericKind = {
  layer: 'html',

  create () {
    const kind = h('div', { className: 'generic-kind' })
    const text = h('div', { className: 'generic-text' })
    const node = h('div', { className: 'el generic', attrs: { tabindex: 0, role: 'group' } }, kind, text)
    node.parts = { kind, text }
    return node
  },

  update (app, node, _id, ymap) {
    const { x, y, w, h: height } = geometry(ymap)
    place(node, x, y, w, height)
    node.style.setProperty('--org', app.colorOf(str(ymap, 'org')))
    const kind = str(ymap, 'kind') || '?'
    setText(node.parts.kind, t('element', { kind }))
    setText(node.parts.text, textOf(ymap))
  },

  label (_app, ymap) { return textOf(ymap) || str(ymap, 'kind') }
}

registerKind('*', genericKind)
