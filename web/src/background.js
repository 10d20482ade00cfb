// The canvas itself, drawn from the spec: zones with their titles and prompts, the parking
// area, and decorations (labels, arrow hints, text lists, and the types canvas modules
// register). Redrawn when the language changes.

import { clear, h, s } from './dom.js'
import { pick } from './i18n.js'

const decorations = new Map()

/** Draw decorations of `type` with draw(item, svg): a node to add to the canvas, or null (it
 * may draw into the shared svg instead). For canvas modules: window.partnerboard. */
export function registerDecoration (type, draw) {
  if (typeof type !== 'string' || typeof draw !== 'function') throw new TypeError('registerDecoration(type, draw)')
  decorations.set(type, draw)
}

export function drawBackground (layer, spec) {
  clear(layer)
  const { w, h: height } = spec.size
  layer.style.width = `${w}px`
  layer.style.height = `${height}px`
  layer.append(h('div', { className: 'board-sheet' }))
  const svg = s('svg', {
    className: 'decoration-svg',
    attrs: { width: w, height, viewBox: `0 0 ${w} ${height}`, 'aria-hidden': 'true' }
  }, s('defs', {}, s('marker', {
    attrs: { id: 'pb-hint-head', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }
  }, s('path', { attrs: { d: 'M0,0 L10,5 L0,10 z' } }))))
  layer.append(svg)
  for (const zone of spec.zones || []) layer.append(drawZone(zone))
  for (const item of spec.decorations || []) {
    const node = drawDecoration(item, svg)
    if (node) layer.append(node)
  }
}

function place (node, { x, y, w, h: height }) {
  node.style.left = `${x}px`
  node.style.top = `${y}px`
  if (w !== undefined) node.style.width = `${w}px`
  if (height !== undefined) node.style.height = `${height}px`
  return node
}

function drawZone (zone) {
  const prompts = pick(zone.prompts) || []
  const node = h('section', {
    className: zone.parking ? 'zone parking' : 'zone',
    dataset: zone.step ? { zone: zone.id, step: String(zone.step) } : { zone: zone.id },
    attrs: { 'aria-label': pick(zone.title) }
  },
  h('h2', { className: 'zone-title', text: pick(zone.title) }),
  prompts.length ? h('ul', { className: 'zone-prompts' }, prompts.map(p => h('li', { text: p }))) : null)
  return place(node, zone.rect)
}

function drawDecoration (item, svg) {
  switch (item.type) {
    case 'label': {
      const node = h('div', { className: 'decoration label', text: pick(item.text) })
      if (item.size) node.style.fontSize = `${Number(item.size) || 16}px`
      return place(node, { x: item.x, y: item.y, w: item.w })
    }
    case 'arrow-hint': {
      svg.append(s('line', {
        className: 'hint-line',
        attrs: { x1: item.x1, y1: item.y1, x2: item.x2, y2: item.y2, 'marker-end': 'url(#pb-hint-head)' }
      }))
      const midX = (item.x1 + item.x2) / 2
      const midY = (item.y1 + item.y2) / 2
      const node = h('div', { className: 'decoration hint', text: pick(item.text) })
      place(node, { x: midX - 200, y: midY - 30, w: 400 })
      return node
    }
    case 'text-list': {
      const items = pick(item.items) || []
      const node = h('div', { className: 'decoration text-list' },
        h('h2', { text: pick(item.title) }),
        h('ol', {}, items.map(text => h('li', { text }))))
      return place(node, { x: item.x, y: item.y, w: item.w, h: item.h })
    }
    default: {
      // A canvas module's own type (quadrants, axes, ...); unknown ones carry no content.
      const draw = decorations.get(item.type)
      return draw ? draw(item, svg) : null
    }
  }
}
