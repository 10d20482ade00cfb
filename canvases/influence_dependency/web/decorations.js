// The decorations of the influence/dependency plot: quadrants with the relationship they
// suggest, and axes with their labels (registered with the board's background); the ambition
// line is live (meta) and drawn by ambition.js.
import { h, pick, registerDecoration, s } from 'partnerboard'

function place (node, x, y, w, height) {
  node.style.left = `${x}px`
  node.style.top = `${y}px`
  if (w !== undefined) node.style.width = `${w}px`
  if (height !== undefined) node.style.height = `${height}px`
  return node
}

registerDecoration('quadrant', item => {
  const r = item.rect
  if (!r) return null
  const node = h('div', { className: 'decoration quadrant', dataset: { relationship: String(item.relationship || '') } },
    h('div', { className: 'quadrant-title', text: pick(item.title) }),
    h('div', { className: 'quadrant-text', text: pick(item.text) }))
  return place(node, r.x, r.y, r.w, r.h)
})

registerDecoration('axis', (item, svg) => {
  svg.append(s('line', {
    className: 'axis-line',
    attrs: { x1: item.x1, y1: item.y1, x2: item.x2, y2: item.y2, 'marker-end': 'url(#pb-hint-head)' }
  }))
  const vertical = item.x1 === item.x2
  const length = Math.hypot(item.x2 - item.x1, item.y2 - item.y1)
  const node = h('div', { className: `decoration axis ${vertical ? 'vertical' : 'horizontal'}` },
    h('span', { className: 'axis-low', text: pick(item.low) }),
    h('span', { className: 'axis-label', text: pick(item.label) }),
    h('span', { className: 'axis-high', text: pick(item.high) }))
  if (vertical) {
    // A horizontal strip turned a quarter, its middle on the middle of the axis.
    const midY = (item.y1 + item.y2) / 2
    place(node, item.x1 - 44 - length / 2, midY - 18, length, 36)
    node.style.transform = `rotate(${item.y2 < item.y1 ? -90 : 90}deg)`
  } else {
    place(node, Math.min(item.x1, item.x2), item.y1 + 8, length, 36)
  }
  return node
})
