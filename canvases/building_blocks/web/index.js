// The building-blocks canvas in the browser, loaded as this plugin's static/board.js: scores
// (score.js), each block's mean (means.js) and the "Add score" tool. Built by
// web/tools/build.mjs.
import { addElementAt, addTool, focusNode, freeSpot, pointFor, registerCanvas, zoneOf } from 'partnerboard'
import { installMeans } from './means.js'
import { SCORE_SIZE } from './score.js'

/** Where a new score goes: in the block the user is looking at (the selected element's, or
 * the spot last pressed), else the middle of the view; from outside every block, the nearest. */
function scoreSpot (app, at) {
  let centre = at || pointFor(app) || app.viewport.center()
  const zones = (app.spec.zones || []).filter(zone => !zone.parking)
  if (!zoneOf(zones, { x: centre.x, y: centre.y, w: 0, h: 0 }) && zones.length) {
    const distance = zone => {
      const r = zone.rect
      return Math.hypot(Math.max(r.x - centre.x, 0, centre.x - r.x - r.w), Math.max(r.y - centre.y, 0, centre.y - r.y - r.h))
    }
    const nearest = zones.reduce((best, zone) => (distance(zone) < distance(best) ? zone : best))
    centre = { x: nearest.rect.x + nearest.rect.w / 2, y: nearest.rect.y + nearest.rect.h / 2 }
  }
  return freeSpot(app, SCORE_SIZE, centre)
}

registerCanvas('building-blocks', app => {
  app.actions.newScore = (at = null) => {
    if (app.readOnly) return null
    const id = addElementAt(app, 'score', scoreSpot(app, at), SCORE_SIZE, { color: '' })
    focusNode(app, id, '.score-dots')
    return id
  }
  addTool(app, { action: 'new-score', label: 'new_score', run: () => app.actions.newScore() })
  installMeans(app)
})
