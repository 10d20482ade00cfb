// Arrows between two elements (kind "arrow", keys from / to), drawn in the SVG layer from
// edge to edge of the two boxes, so they follow when either end moves.

import { s } from '../dom.js'
import { registerKind } from '../kinds.js'
import { t } from '../i18n.js'
import { geometry, str, textOf } from '../model.js'

/** Where the line from the centre of box a towards point (tx, ty) leaves the box. */
export function edgePoint (box, tx, ty) {
  const cx = box.x + box.w / 2
  const cy = box.y + box.h / 2
  const dx = tx - cx
  const dy = ty - cy
  if (dx === 0 && dy === 0) return { x: cx, y: cy }
  const scale = Math.min(dx ? (box.w / 2) / Math.abs(dx) : Infinity, dy ? (box.h / 2) / Math.abs(dy) : Infinity)
  return { x: cx + dx * scale, y: cy + dy * scale }
}

export const arrowKind = {
  layer: 'svg',

  create () {
    const title = s('title')
    const node = s('g', { className: 'el arrow', attrs: { tabindex: 0, role: 'img' } },
      title,
      s('line', { className: 'arrow-hit' }),
      s('line', { className: 'arrow-line', attrs: { 'marker-end': 'url(#pb-arrowhead)' } }))
    node.parts = { title, lines: node.querySelectorAll('line') }
    return node
  },

  update (app, node, _id, ymap) {
    const from = app.roots.elements.get(str(ymap, 'from'))
    const to = app.roots.elements.get(str(ymap, 'to'))
    if (!from || !to) {
      node.classList.add('dangling')
      return
    }
    node.classList.remove('dangling')
    const a = geometry(from)
    const b = geometry(to)
    const start = edgePoint(a, b.x + b.w / 2, b.y + b.h / 2)
    const end = edgePoint(b, a.x + a.w / 2, a.y + a.h / 2)
    for (const line of node.parts.lines) {
      line.setAttribute('x1', start.x)
      line.setAttribute('y1', start.y)
      line.setAttribute('x2', end.x)
      line.setAttribute('y2', end.y)
    }
    const label = t('arrow', { from: textOf(from).slice(0, 40), to: textOf(to).slice(0, 40) })
    node.parts.title.textContent = label
    node.setAttribute('aria-label', label)
  },

  dependsOn (ymap) { return [str(ymap, 'from'), str(ymap, 'to')].filter(Boolean) },

  label (app, ymap) {
    const from = app.roots.elements.get(str(ymap, 'from'))
    const to = app.roots.elements.get(str(ymap, 'to'))
    return t('arrow', { from: from ? textOf(from) : '?', to: to ? textOf(to) : '?' })
  }
}

registerKind('arrow', arrowKind)
