// The quadrant's geometry, shared by the partner markers and the ambition line: positions
// relative to the plot area, and the ambition line from meta or the canvas default. The same
// rules as canvases/influence_dependency/strategy.py, so the board shows what the covenant says.


const finite = value => typeof value === 'number' && Number.isFinite(value)

/** The ambition-line decoration of the spec, if the canvas has one. */
export function ambitionDecoration (spec) {
  return (spec.decorations || []).find(item => item && item.type === 'ambition-line') || null
}

/** The plot zone: the one the ambition line names, else spec.extra.plot, else "plot". */
export function plotZone (spec) {
  const decoration = ambitionDecoration(spec)
  const id = (decoration && decoration.zone) || (spec.extra && spec.extra.plot) || 'plot'
  return (spec.zones || []).find(zone => zone.id === id) || null
}

const clamp = value => Math.min(1, Math.max(0, value))

/** {dependency, influence} of a board point, clamped to the plot (y grows downward). */
export function positionOf (x, y, rect) {
  return { dependency: clamp((x - rect.x) / rect.w), influence: clamp((rect.y + rect.h - y) / rect.h) }
}

/** The board point of a position: the inverse of positionOf. */
export function boardPoint ({ dependency, influence }, rect) {
  return { x: rect.x + dependency * rect.w, y: rect.y + (1 - influence) * rect.h }
}

/** A well-formed line [[d0, i0], [d1, i1]] (d0 != d1), or null. */
export function validLine (candidate) {
  if (!Array.isArray(candidate) || candidate.length !== 2) return null
  const points = candidate.map(point => (Array.isArray(point) && point.length === 2 && point.every(finite) ? point : null))
  if (points.includes(null) || points[0][0] === points[1][0]) return null
  return [[points[0][0], points[0][1]], [points[1][0], points[1][1]]]
}

/** The meta key of the facilitator's line (the decoration names it). */
export function ambitionKey (spec) {
  const decoration = ambitionDecoration(spec)
  return (decoration && decoration.meta) || 'ambition'
}

/** The default line of the canvas (spec.extra[key]); a straight diagonal if it has none. */
export function defaultLine (spec) {
  return validLine(spec.extra && spec.extra[ambitionKey(spec)]) || [[0, 0], [1, 1]]
}

/** The line in force: the facilitator's (meta), else the canvas default. */
export function ambitionLine (app) {
  return validLine(app.roots.meta.get(ambitionKey(app.spec))) || defaultLine(app.spec)
}

/** The influence the line asks for at this dependency (extended beyond its ends). */
export function ambitionAt (line, dependency) {
  const [[d0, i0], [d1, i1]] = line
  return i0 + (i1 - i0) * (dependency - d0) / (d1 - d0)
}

/** Movement ids from current to desired: up/down, right/left, or ["stay"] for moves smaller
 * than `stay` (spec.extra.stay, the threshold the covenant's advice uses). */
export function movement (current, desired, stay) {
  const moves = []
  const di = desired.influence - current.influence
  const dd = desired.dependency - current.dependency
  if (Math.abs(di) >= stay) moves.push(di > 0 ? 'up' : 'down')
  if (Math.abs(dd) >= stay) moves.push(dd > 0 ? 'right' : 'left')
  return moves.length ? moves : ['stay']
}

export const percent = value => Math.round(value * 100)
