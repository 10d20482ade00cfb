// The board document (DESIGN.md §6) and the few ways this client changes it.
//
// Every local change runs in a transaction with the LOCAL origin, so the undo manager tracks
// exactly this user's changes and never undoes what someone else did.

import * as Y from 'yjs'

/** The origin of every change made through this client's UI. */
export const LOCAL = { name: 'partnerboard-local' }

export const NOTE_SIZE = { w: 160, h: 100 }
export const MIN_SIZE = { w: 60, h: 40 }

/** Note colours, in the order "next colour" cycles through them. */
export const NOTE_COLORS = [
  ['yellow', '#fff3a8'], ['orange', '#ffd6a5'], ['pink', '#f9c6d9'], ['blue', '#c5e3f6'],
  ['green', '#cdeccd'], ['purple', '#e2d2f2'], ['white', '#ffffff']
]

export function roots (doc) {
  return {
    meta: doc.getMap('meta'),
    partners: doc.getMap('partners'),
    elements: doc.getMap('elements')
  }
}

export function newId () {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return Array.from(bytes, b => (b % 36).toString(36)).join('')
}

function num (value, fallback = 0) {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

/** A plain view of an element's geometry, tolerant of missing or malformed fields. */
export function geometry (ymap) {
  return {
    x: num(ymap.get('x')),
    y: num(ymap.get('y')),
    w: Math.max(1, num(ymap.get('w'), NOTE_SIZE.w)),
    h: Math.max(1, num(ymap.get('h'), NOTE_SIZE.h))
  }
}

export function textOf (ymap) {
  const text = ymap.get('text')
  if (text instanceof Y.Text) return text.toString()
  return typeof text === 'string' ? text : ''
}

export function str (ymap, key) {
  const value = ymap.get(key)
  return typeof value === 'string' ? value : ''
}

/** Add an element; returns its id. `fields` holds the kind-specific keys. */
export function addElement (doc, kind, { x, y, w, h, text = '', author, org, color, ...fields }) {
  const id = newId()
  const element = new Y.Map()
  element.set('kind', kind)
  element.set('x', Math.round(x))
  element.set('y', Math.round(y))
  element.set('w', Math.round(w))
  element.set('h', Math.round(h))
  element.set('text', new Y.Text(text))
  element.set('author', author || '')
  element.set('org', org || '')
  element.set('color', color || '')
  element.set('created', Date.now())
  for (const [key, value] of Object.entries(fields)) element.set(key, value)
  doc.transact(() => roots(doc).elements.set(id, element), LOCAL)
  return id
}

/** Move elements: moves is a Map id -> {x, y}. */
export function moveElements (doc, moves) {
  const { elements } = roots(doc)
  doc.transact(() => {
    for (const [id, at] of moves) {
      const element = elements.get(id)
      if (!element) continue
      const x = Math.round(at.x)
      const y = Math.round(at.y)
      if (element.get('x') !== x) element.set('x', x)
      if (element.get('y') !== y) element.set('y', y)
    }
  }, LOCAL)
}

/** Set plain fields on several elements at once: changes is a Map id -> {key: value}. */
export function setFields (doc, changes) {
  const { elements } = roots(doc)
  doc.transact(() => {
    for (const [id, fields] of changes) {
      const element = elements.get(id)
      if (!element) continue
      for (const [key, value] of Object.entries(fields)) {
        if (element.get(key) !== value) element.set(key, value)
      }
    }
  }, LOCAL)
}

/** Delete elements, and the arrows that would be left pointing at nothing. */
export function deleteElements (doc, ids) {
  const { elements } = roots(doc)
  const doomed = new Set(ids)
  elements.forEach((element, id) => {
    if (element.get('kind') === 'arrow' && (doomed.has(element.get('from')) || doomed.has(element.get('to')))) {
      doomed.add(id)
    }
  })
  doc.transact(() => { for (const id of doomed) elements.delete(id) }, LOCAL)
  return doomed
}

/**
 * Bring a Y.Text from its current value to `next` with one delete and one insert around the
 * common prefix and suffix, so that concurrent typing elsewhere in the text is kept.
 */
export function applyTextDiff (doc, ytext, next) {
  const previous = ytext.toString()
  if (previous === next) return
  let start = 0
  const max = Math.min(previous.length, next.length)
  while (start < max && previous.charCodeAt(start) === next.charCodeAt(start)) start++
  let end = 0
  while (end < max - start &&
    previous.charCodeAt(previous.length - 1 - end) === next.charCodeAt(next.length - 1 - end)) end++
  doc.transact(() => {
    const removed = previous.length - start - end
    if (removed > 0) ytext.delete(start, removed)
    const inserted = next.slice(start, next.length - end)
    if (inserted) ytext.insert(start, inserted)
  }, LOCAL)
}

/**
 * The zone an element belongs to (DESIGN.md §6): the zone whose rectangle contains the
 * element's centre, edges included, the smallest one where rectangles overlap; null = parked.
 */
/** The element kinds the canvas gives a role: 'markable', 'arranged' or 'content' (CanvasSpec). */
export function kindsWith (spec, role) {
  return new Set((spec.element_kinds || []).filter(kind => kind[role]).map(kind => kind.kind))
}

export function zoneOf (zones, { x, y, w, h }) {
  const cx = x + w / 2
  const cy = y + h / 2
  let best = null
  for (const zone of zones) {
    const r = zone.rect
    if (cx >= r.x && cx <= r.x + r.w && cy >= r.y && cy <= r.y + r.h) {
      if (best === null || r.w * r.h < best.rect.w * best.rect.h) best = zone
    }
  }
  return best
}

/** The colour of an organisation from the board's partners map; a stable grey-blue otherwise. */
export function orgColor (partners, org, fallbackList = []) {
  if (!org) return '#8a94a3'
  const wanted = org.trim().toLowerCase()
  let found = null
  partners.forEach(partner => {
    if (found === null && partner instanceof Y.Map &&
      String(partner.get('name') || '').trim().toLowerCase() === wanted) {
      found = partner.get('color')
    }
  })
  if (!found) {
    const listed = fallbackList.find(p => String(p.name).trim().toLowerCase() === wanted)
    if (listed) found = listed.color
  }
  if (typeof found === 'string' && /^#[0-9a-f]{3,8}$/i.test(found)) return found
  let hash = 0
  for (const char of wanted) hash = (hash * 31 + char.charCodeAt(0)) | 0
  return `hsl(${Math.abs(hash) % 360} 45% 45%)`
}

/**
 * The organisation as shown with an element: a guest's self-declared one is marked as such
 * (the server sets `guest` on what the guest link creates), and editors from other
 * organisations are named. `t` is the text lookup of i18n.js.
 */
export function orgLabel (ymap, t) {
  const org = str(ymap, 'org')
  return org && ymap.get('guest') === true ? `${org} (${t('guest')})` : org
}

/** "edited by Name (Org), ..." for an element others have edited, else ''. */
export function editorsLabel (ymap, t) {
  const editors = ymap.get('editors')
  if (!Array.isArray(editors) || !editors.length) return ''
  const names = editors.filter(e => e && typeof e === 'object').slice(0, 10).map(e => {
    const org = typeof e.org === 'string' && e.org ? ` (${e.org}${e.guest ? `, ${t('guest')}` : ''})` : ''
    return `${typeof e.name === 'string' && e.name ? e.name : '?'}${org}`
  })
  return t('edited_by', { names: names.join(', ') })
}

/** The names of the board's partners, from the document or the API answer. */
export function partnerNames (partners, fallbackList = []) {
  const names = []
  partners.forEach(partner => {
    if (partner instanceof Y.Map && typeof partner.get('name') === 'string') names.push(partner.get('name'))
  })
  for (const partner of fallbackList) if (!names.includes(partner.name)) names.push(partner.name)
  return names
}
