// The mean score of each block, live, in the block's corner: on canvases with the `score`
// kind. Scores are tracked per id as the renderer draws them, so a frame costs only the
// changed elements, not a walk over the whole board.

import { geometry, getLanguage, h, onLanguage, setText, t, zoneOf } from 'partnerboard'
import { scoreValue } from './score.js'

export function installMeans (app) {
  const zones = (app.spec.zones || []).filter(zone => !zone.parking)
  const elements = app.roots.elements
  const scores = new Map() // id -> {zone, value}
  const badges = new Map()
  const layer = h('div', { className: 'layer-means' })
  for (const zone of zones) {
    const badge = h('div', { className: 'block-mean', dataset: { zone: zone.id } })
    const r = zone.rect
    badge.style.left = `${r.x + r.w - 260}px`
    badge.style.top = `${r.y + r.h - 40}px`
    badge.style.width = '248px'
    badges.set(zone.id, badge)
    layer.append(badge)
  }
  app.renderer.world.insertBefore(layer, app.renderer.layer)

  const render = () => {
    const sums = new Map()
    for (const { zone, value } of scores.values()) {
      if (!zone || value === null) continue
      const sum = sums.get(zone) || { total: 0, n: 0 }
      sum.total += value
      sum.n += 1
      sums.set(zone, sum)
    }
    const format = new Intl.NumberFormat(getLanguage(), { minimumFractionDigits: 1, maximumFractionDigits: 1 })
    for (const [zoneId, badge] of badges) {
      const sum = sums.get(zoneId)
      badge.classList.toggle('empty', !sum)
      badge.dataset.mean = sum ? (sum.total / sum.n).toFixed(2) : ''
      const mean = sum ? format.format(sum.total / sum.n) : ''
      setText(badge, sum ? t('block_mean', { mean, n: sum.n }) : t('block_no_scores'))
      badge.title = sum ? t('block_mean_label', { mean, n: sum.n }) : t('block_no_scores')
    }
  }

  const track = ids => {
    let changed = false
    for (const id of ids) {
      const ymap = elements.get(id)
      const had = scores.has(id)
      if (ymap && typeof ymap.get === 'function' && ymap.get('kind') === 'score') {
        const zone = zoneOf(zones, geometry(ymap))
        scores.set(id, { zone: zone ? zone.id : null, value: scoreValue(ymap) })
        changed = true
      } else if (had) {
        scores.delete(id)
        changed = true
      }
    }
    if (changed) render()
  }
  app.renderer.on('rendered', track)
  app.renderer.on('removed', id => track([id]))
  onLanguage(render)
  elements.forEach((_value, id) => track([id]))
  render()
}
