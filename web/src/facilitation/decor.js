// Small badges the facilitation features put on notes (group label, agreed/parked mark, vote
// control, vote result). They live in one strip per note, added after the note kind has drawn
// it; the strip is "overlay-ui", so pointer gestures on its buttons do not move the note.

import { h } from '../dom.js'
import { kindsWith } from '../model.js'

export function decorOf (app, id) {
  const node = app.renderer.nodeFor(id)
  if (!node) return null
  if (!node.facDecor) {
    const parts = {
      group: h('span', { className: 'decor-group', attrs: { hidden: true } }),
      status: h('span', { className: 'decor-status', attrs: { hidden: true } }),
      votes: h('span', { className: 'decor-votes', attrs: { hidden: true } }),
      result: h('span', { className: 'decor-result', attrs: { hidden: true } })
    }
    const strip = h('div', { className: 'note-decor overlay-ui' }, parts.group, parts.status, parts.result, parts.votes)
    node.append(strip)
    node.facDecor = parts
  }
  return node.facDecor
}

/**
 * Run update(id, ymap, decor) for the given ids (every decorated element when ids is null).
 * decor(true) gives the note's strip of badges, made on first use; decor() gives it only when
 * it exists (null otherwise): most notes never show a badge, and making the strip for each of
 * 2,000 notes was a tenth of a board's first render.
 */
export function eachDecorated (app, ids, update) {
  const elements = app.roots.elements
  // Content gets badges; connectors such as arrows do not.
  const decorated = kindsWith(app.spec, 'content')
  for (const id of ids || app.renderer.nodes.keys()) {
    const ymap = elements.get(id)
    if (!ymap || typeof ymap.get !== 'function' || !decorated.has(ymap.get('kind'))) continue
    const node = app.renderer.nodeFor(id)
    if (node) update(id, ymap, make => (make ? decorOf(app, id) : node.facDecor || null), node)
  }
}
