// Where a new element goes: a free spot near where the user is looking, inside the zone they
// are working on, never on top of another element and never off the board. Used by the note
// button, the N key, a double-click and the canvas kinds' buttons (rule, score, partner).

import { geometry, zoneOf } from './model.js'

const GAP = 12
/** How far from the wanted point a free spot is searched, in rings of candidate positions. */
const RINGS = 12

/** The zone of the facilitator's current step, or null (no step, or no such zone). */
export function stepZone (app) {
  const fac = app.facilitation
  return (fac && fac.state && fac.state.zone) || null
}

function overlaps (a, b) {
  return a.x < b.x + b.w && a.x + a.w > b.x && a.y < b.y + b.h && a.y + a.h > b.y
}

/** The boxes new elements must keep clear of: stored geometry, or the drawn size when a note
 * has grown with its text. */
function occupied (app) {
  const boxes = []
  app.roots.elements.forEach((element, id) => {
    if (typeof element.get !== 'function' || element.get('kind') === 'arrow') return
    const box = geometry(element)
    const node = app.renderer.nodeFor(id)
    const drawn = node && node.offsetHeight ? node.offsetHeight : 0
    boxes.push({ x: box.x - GAP / 2, y: box.y - GAP / 2, w: box.w + GAP, h: Math.max(box.h, drawn) + GAP })
  })
  return boxes
}

function clampInto (area, size, x, y) {
  return {
    x: Math.min(Math.max(x, area.x), Math.max(area.x, area.x + area.w - size.w)),
    y: Math.min(Math.max(y, area.y), Math.max(area.y, area.y + area.h - size.h))
  }
}

/**
 * The area a new element should land in: the current step's zone (unless the user pointed
 * somewhere else on purpose), else the zone under the wanted point, else the whole board.
 */
function areaFor (app, wanted, explicit) {
  const board = { x: 0, y: 0, w: app.spec.size.w, h: app.spec.size.h }
  const zones = (app.spec.zones || []).filter(zone => !zone.parking)
  const step = stepZone(app)
  const fac = app.facilitation
  // While the facilitator holds the group to one step, participants can only add there.
  const held = step && fac.state.locked && app.role !== 'facilitator'
  const under = zoneOf(app.spec.zones || [], { x: wanted.x, y: wanted.y, w: 0, h: 0 })
  if (step && (held || !explicit || (under && under.id === step.id))) return step.rect
  if (explicit) return under ? under.rect : board
  const zone = zoneOf(zones, { x: wanted.x, y: wanted.y, w: 0, h: 0 })
  return zone ? zone.rect : board
}

/**
 * Top-left corner for a new element of `size`, centred as near `at` (a board point) as a free
 * spot allows; `at` null means "where the user is looking" (the middle of the view).
 * Candidates are searched ring by ring around the point, those in view first.
 */
export function freeSpot (app, size, at = null) {
  const explicit = at !== null
  const view = app.viewport.visibleRect()
  const wanted = at || { x: view.x + view.w / 2, y: view.y + view.h / 2 }
  const area = areaFor(app, wanted, explicit)
  const start = clampInto(area, size, wanted.x - size.w / 2, wanted.y - size.h / 2)
  const boxes = occupied(app)
  const fits = spot => !boxes.some(box => overlaps(box, { ...spot, ...size }))
  const inView = spot =>
    spot.x >= view.x && spot.y >= view.y && spot.x + size.w <= view.x + view.w && spot.y + size.h <= view.y + view.h
  if (fits(start)) return start
  const stepX = size.w / 2 + GAP
  const stepY = size.h / 2 + GAP
  let fallback = null
  for (let ring = 1; ring <= RINGS; ring++) {
    const ringSpots = []
    for (let i = -ring; i <= ring; i++) {
      for (let j = -ring; j <= ring; j++) {
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue
        const spot = clampInto(area, size, start.x + i * stepX, start.y + j * stepY)
        if (fits(spot)) ringSpots.push(spot)
      }
    }
    ringSpots.sort((a, b) => Math.hypot(a.x - start.x, a.y - start.y) - Math.hypot(b.x - start.x, b.y - start.y))
    const seen = ringSpots.find(inView)
    if (seen) return seen
    if (!fallback && ringSpots.length) fallback = ringSpots[0]
  }
  if (fallback) return fallback
  // A full area: step down and to the right from the point, so no two notes coincide exactly.
  const taken = new Set()
  app.roots.elements.forEach(element => {
    if (typeof element.get === 'function') taken.add(`${Math.round(element.get('x'))},${Math.round(element.get('y'))}`)
  })
  for (let n = 0; n < 400; n++) {
    const spot = clampInto(area, size, start.x + 24 * (n % 8), start.y + 24 * Math.floor(n / 8))
    if (!taken.has(`${Math.round(spot.x)},${Math.round(spot.y)}`)) return spot
  }
  return start
}
