// The facilitation state in the board's `meta` map, read tolerantly (any client could have
// written nonsense before the server guard undid it) and written by the facilitator only.
//
//   step      int, 1-based index into spec.steps; 0 = no step
//   locked    bool: participants work only inside the current step's zone
//   timer     {step, started_at (ms epoch), duration_ms} or null
//   anonymous bool: notes do not show author and organisation
//   voting    {open, round, votes_per_participant, results} — written by the server only
//   brainstorm {open, round, zone, counts: [{org, guest, n}]} — written by the server only
//   groups    [{board, title, color}] on a board merged from group boards
//   follow    (awareness, not meta) {x, y, w, h, seq}: the facilitator's view to follow

import { pick } from '../i18n.js'
import { LOCAL } from '../model.js'

/** Origin of the facilitator's meta and status writes (the undo manager does not track them). */
export const FACILITATION = { name: 'partnerboard-facilitation' }

const int = value => (typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0)

// Every value below is read as the server writes it, or as not set at all: a board may hold
// a value of another type or shape from before the server refused such writes (a hand-made
// client), and one bad value must not stop the page (a counts list holding null threw, a
// timer of 1e308 ms showed a clock of 300 digits, a round number that was an object...).
const finite = value => typeof value === 'number' && Number.isFinite(value)
const whole = (value, low, high) => finite(value) && Number.isInteger(value) && value >= low && value <= high
const plainObject = value => value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype
const MAX_ROUND = 2 ** 31 - 1
/** A timer runs at most a day; started_at is ms since 1970 (as the server checks them). */
const MAX_TIMER_MS = 24 * 60 * 60 * 1000

/** {step, started_at, duration_ms}, or null. */
export function readTimer (value, steps) {
  if (!plainObject(value) || !finite(value.started_at) || value.started_at < 0 || value.started_at > 1e14) return null
  if (!whole(value.duration_ms, 1, MAX_TIMER_MS)) return null
  return { step: whole(value.step, 0, steps) ? value.step : 0, started_at: value.started_at, duration_ms: value.duration_ms }
}

/** A voting round {open, round, votes_per_participant, results?}, or null. */
export function readVoting (value) {
  if (!plainObject(value) || typeof value.open !== 'boolean' || !whole(value.round, 1, MAX_ROUND)) return null
  const voting = { open: value.open, round: value.round, votes_per_participant: whole(value.votes_per_participant, 0, 1000) ? value.votes_per_participant : 0 }
  if (plainObject(value.results)) {
    voting.results = {}
    for (const [id, count] of Object.entries(value.results)) {
      if (whole(count, 0, Number.MAX_SAFE_INTEGER)) voting.results[id] = count
    }
  }
  return voting
}

/** A private brainstorm {open, round, counts: [{org, guest, n}]}, or null. */
export function readBrainstorm (value) {
  if (!plainObject(value) || typeof value.open !== 'boolean' || !whole(value.round, 1, MAX_ROUND)) return null
  const counts = (Array.isArray(value.counts) ? value.counts : [])
    .filter(count => plainObject(count) && whole(count.n, 0, Number.MAX_SAFE_INTEGER))
    .map(count => ({ org: typeof count.org === 'string' ? count.org : '', guest: count.guest === true, n: count.n }))
  return { ...value, open: value.open, round: value.round, counts }
}

/** The groups of a merged board: [{board, title, color}] with texts for texts. */
export function readGroups (value) {
  if (!Array.isArray(value)) return []
  return value.filter(group => plainObject(group) && typeof group.title === 'string')
    .map(group => ({
      board: typeof group.board === 'string' ? group.board : '',
      title: group.title,
      color: typeof group.color === 'string' && /^#[0-9a-f]{3,8}$/i.test(group.color) ? group.color : ''
    }))
}

export function readState (app) {
  const meta = app.roots.meta
  const steps = app.spec.steps || []
  let step = int(meta.get('step'))
  if (step < 0 || step > steps.length) step = 0
  const zoneId = step ? steps[step - 1] : null
  const zone = zoneId ? (app.spec.zones || []).find(z => z.id === zoneId) || null : null
  return {
    step,
    steps,
    zone,
    locked: meta.get('locked') === true && zone !== null,
    timer: readTimer(meta.get('timer'), steps.length),
    anonymous: meta.get('anonymous') === true,
    voting: readVoting(meta.get('voting')),
    brainstorm: readBrainstorm(meta.get('brainstorm')),
    groups: readGroups(meta.get('groups')),
    finalized: meta.get('finalized') === true
  }
}

/** Write meta keys (facilitator only: the server undoes anyone else's change). */
export function setMeta (app, values) {
  if (app.role !== 'facilitator' || app.readOnly) return
  app.doc.transact(() => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) app.roots.meta.delete(key)
      else app.roots.meta.set(key, value)
    }
  }, FACILITATION)
}

/** Mark elements agreed / parked, or clear the mark (status null). */
export function setStatus (app, ids, status) {
  if (app.role !== 'facilitator' || app.readOnly) return
  const elements = app.roots.elements
  app.doc.transact(() => {
    for (const id of ids) {
      const element = elements.get(id)
      if (!element || element.get('kind') === 'arrow') continue
      if (status) element.set('status', status)
      else if (element.has('status')) element.delete('status')
    }
  }, FACILITATION)
}

export { LOCAL }

/** A zone's title without the number some canvases put in front ("1. Values" -> "Values"). */
export function zoneTitle (zone) {
  return zone ? String(pick(zone.title) || zone.id).replace(/^\s*\d+[.)]\s*/, '') : ''
}
