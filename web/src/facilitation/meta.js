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

export function readState (app) {
  const meta = app.roots.meta
  const steps = app.spec.steps || []
  let step = int(meta.get('step'))
  if (step < 0 || step > steps.length) step = 0
  const zoneId = step ? steps[step - 1] : null
  const zone = zoneId ? (app.spec.zones || []).find(z => z.id === zoneId) || null : null
  const timer = meta.get('timer')
  const voting = meta.get('voting')
  const brainstorm = meta.get('brainstorm')
  const groups = meta.get('groups')
  return {
    step,
    steps,
    zone,
    locked: meta.get('locked') === true && zone !== null,
    timer: timer && typeof timer === 'object' && Number.isFinite(timer.started_at) && Number.isFinite(timer.duration_ms)
      ? timer
      : null,
    anonymous: meta.get('anonymous') === true,
    voting: voting && typeof voting === 'object' ? voting : null,
    brainstorm: brainstorm && typeof brainstorm === 'object' ? brainstorm : null,
    groups: Array.isArray(groups) ? groups.filter(g => g && typeof g === 'object') : [],
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
