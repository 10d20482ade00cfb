// Partner markers on the influence/dependency plot (kind "partner"). The marker's centre is
// the partner's position; `target_x` / `target_y` (board coordinates of the desired centre)
// are drawn as an arrow to a ghost marker. The name is the marker's text, or the name of the
// board partner whose id is in `partner`. A small ▲/▼ says whether the partner stands above
// or below the ambition line.
//
// The desired position is set by dragging the handle above a selected marker (or the ghost),
// or with the keyboard: T on a focused marker, then the arrow keys; Delete clears it.

import {
  addTexts, applyTextDiff, dragHandle, edgePoint, focusNode, geometry, h, LOCAL, place, registerKind, s, setFields, setText, str, t, textOf
} from 'partnerboard'
import { pickPartner } from './picker.js'
import { TEXTS } from './texts.js'
import { ambitionAt, ambitionLine, movement, percent, plotZone, positionOf } from './plot.js'

addTexts(TEXTS)

export const PARTNER_SIZE = { w: 180, h: 52 }
const finite = value => typeof value === 'number' && Number.isFinite(value)

/** The partner's name: the marker's text, else the name of the partner its `partner` key names. */
export function partnerName (app, ymap) {
  const text = textOf(ymap).trim()
  if (text) return text
  const partner = app.roots.partners.get(str(ymap, 'partner'))
  const name = partner && typeof partner.get === 'function' ? partner.get('name') : null
  return typeof name === 'string' ? name : ''
}

/** The desired centre, or null. */
export function targetOf (ymap) {
  const x = ymap.get('target_x')
  const y = ymap.get('target_y')
  return finite(x) && finite(y) ? { x, y } : null
}

function say (app, text) {
  if (app.facilitation) app.facilitation.say(text)
}

/** Put the desired centre at a board point (kept inside the plot). */
export function setTarget (app, id, point) {
  if (app.readOnly) return
  const zone = plotZone(app.spec)
  const r = zone ? zone.rect : { x: 0, y: 0, w: app.spec.size.w, h: app.spec.size.h }
  const x = Math.round(Math.min(r.x + r.w, Math.max(r.x, point.x)))
  const y = Math.round(Math.min(r.y + r.h, Math.max(r.y, point.y)))
  setFields(app.doc, new Map([[id, { target_x: x, target_y: y }]]))
}

export function clearTarget (app, id) {
  const element = app.roots.elements.get(id)
  if (app.readOnly || !element) return
  app.undo.stopCapturing()
  app.doc.transact(() => { element.delete('target_x'); element.delete('target_y') }, LOCAL)
  app.undo.stopCapturing()
}

function setTargetMode (app, id, on) {
  const was = app.partnerTargetMode
  app.partnerTargetMode = on ? id : null
  if (was && was !== app.partnerTargetMode) app.renderer.markDirty(was)
  if (on) app.renderer.markDirty(id)
}

/** T, then arrows / Enter / Escape / Delete: the desired position without a pointer. */
function onKey (app, id, event) {
  if (event.target !== event.currentTarget || event.ctrlKey || event.metaKey || event.altKey) return
  const element = app.roots.elements.get(id)
  if (!element || app.readOnly) return
  const name = partnerName(app, element) || '?'
  const inMode = app.partnerTargetMode === id
  const key = event.key
  if (key === 't' || key === 'T') {
    if (inMode) {
      setTargetMode(app, id, false)
      say(app, t('partner_target_done', { name }))
    } else {
      app.undo.stopCapturing()
      if (!targetOf(element)) {
        const g = geometry(element)
        setTarget(app, id, { x: g.x + g.w / 2, y: g.y + g.h / 2 })
      }
      setTargetMode(app, id, true)
      say(app, t('partner_target_mode', { name }))
    }
  } else if (!inMode) {
    return
  } else if (key.startsWith('Arrow')) {
    const step = event.shiftKey ? 50 : 10
    const target = targetOf(element)
    if (target) {
      setTarget(app, id, {
        x: target.x + (key === 'ArrowLeft' ? -step : key === 'ArrowRight' ? step : 0),
        y: target.y + (key === 'ArrowUp' ? -step : key === 'ArrowDown' ? step : 0)
      })
    }
  } else if (key === 'Enter' || key === 'Escape') {
    setTargetMode(app, id, false)
    app.undo.stopCapturing()
    say(app, t('partner_target_done', { name }))
  } else if (key === 'Delete' || key === 'Backspace') {
    setTargetMode(app, id, false)
    clearTarget(app, id)
    say(app, t('partner_target_cleared', { name }))
  } else {
    return
  }
  event.preventDefault()
}

function startTargetDrag (app, id, event) {
  if (app.readOnly || event.button !== 0) return
  app.selection.set([id])
  dragHandle(app, event, event.currentTarget, point => setTarget(app, id, point))
}

/** The text a screen reader hears, and the outline shows. */
function describe (app, ymap) {
  const name = partnerName(app, ymap) || '?'
  const parts = [t('partner_marker', { name })]
  const zone = plotZone(app.spec)
  const g = geometry(ymap)
  const cx = g.x + g.w / 2
  const cy = g.y + g.h / 2
  const r = zone && zone.rect
  const inside = r && cx >= r.x && cx <= r.x + r.w && cy >= r.y && cy <= r.y + r.h
  let side = null
  if (inside) {
    const now = positionOf(cx, cy, r)
    side = now.influence >= ambitionAt(ambitionLine(app), now.dependency) ? 'above' : 'below'
    parts.push(t('partner_position', { dependency: percent(now.dependency), influence: percent(now.influence) }))
    parts.push(t(`partner_${side}`))
    const target = targetOf(ymap)
    if (target) {
      const desired = positionOf(target.x, target.y, r)
      parts.push(t('partner_desired', {
        position: t('partner_position', { dependency: percent(desired.dependency), influence: percent(desired.influence) }),
        movement: movement(now, desired, app.spec.extra.stay).map(move => t(`move_${move}`)).join(', ')
      }))
    }
  } else if (zone) {
    parts.push(t('partner_parked'))
  }
  return { name, side, text: parts.join('; ') }
}

export const partnerKind = {
  layer: 'html',

  create (app, id) {
    const name = h('span', { className: 'partner-name' })
    const side = h('span', { className: 'partner-side', attrs: { role: 'img', hidden: true } })
    const handle = h('span', { className: 'handle target', attrs: { 'aria-hidden': 'true' } })
    const line = s('line', { attrs: { 'marker-end': 'url(#pb-arrowhead)' } })
    const arrow = s('svg', { className: 'partner-arrow', attrs: { width: 1, height: 1, 'aria-hidden': 'true' } }, line)
    const ghostName = h('span', { className: 'partner-target-name' })
    const clear = h('button', {
      className: 'partner-target-clear overlay-ui',
      attrs: { type: 'button', tabindex: -1 },
      text: '×',
      on: { click: event => { event.stopPropagation(); clearTarget(app, id) } }
    })
    const ghost = h('div', { className: 'partner-target', attrs: { hidden: true, 'aria-hidden': 'true' } }, ghostName, clear)
    const node = h('div', {
      className: 'el partner',
      attrs: { tabindex: 0, role: 'group', 'aria-roledescription': 'partner', 'aria-keyshortcuts': 'Enter T' }
    }, arrow, ghost, name, side, handle)
    handle.addEventListener('pointerdown', event => startTargetDrag(app, id, event))
    ghost.addEventListener('pointerdown', event => {
      if (event.target.closest('.partner-target-clear')) { event.stopPropagation(); return }
      startTargetDrag(app, id, event)
    })
    node.addEventListener('keydown', event => onKey(app, id, event))
    node.addEventListener('focusout', () => { if (app.partnerTargetMode === id) setTargetMode(app, id, false) })
    node.parts = { name, side, handle, arrow, line, ghost, ghostName, clear }
    return node
  },

  update (app, node, id, ymap) {
    const g = geometry(ymap)
    place(node, g.x, g.y, g.w, g.h)
    const parts = node.parts
    const { name, side, text } = describe(app, ymap)
    node.style.setProperty('--org', app.colorOf(name))
    setText(parts.name, name || '?')
    parts.side.hidden = side === null
    if (side) {
      setText(parts.side, side === 'above' ? '▲' : '▼')
      parts.side.dataset.side = side
      parts.side.setAttribute('aria-label', t(`partner_${side}`))
      parts.side.title = t(`partner_${side}`)
    }
    node.setAttribute('aria-label', text)
    node.title = t('partner_keys')
    parts.handle.title = t('partner_set_target')
    parts.clear.setAttribute('aria-label', t('partner_clear_target'))
    parts.clear.title = t('partner_clear_target')
    parts.clear.hidden = app.readOnly
    node.classList.toggle('target-mode', app.partnerTargetMode === id)

    const target = targetOf(ymap)
    parts.ghost.hidden = !target
    // An SVG element has no `hidden` property: hide it through its style.
    parts.arrow.style.display = target ? '' : 'none'
    node.classList.toggle('has-target', Boolean(target))
    if (target) {
      const ghost = { x: target.x - g.w / 2, y: target.y - g.h / 2, w: g.w, h: g.h }
      place(parts.ghost, ghost.x - g.x, ghost.y - g.y, g.w, g.h)
      setText(parts.ghostName, name || '?')
      // Node-local coordinates: the marker's top-left is (0, 0).
      const local = box => ({ ...box, x: box.x - g.x, y: box.y - g.y })
      const start = edgePoint(local(g), target.x - g.x, target.y - g.y)
      const end = edgePoint(local(ghost), g.w / 2, g.h / 2)
      const far = Math.hypot(end.x - start.x, end.y - start.y) > 4
      parts.line.setAttribute('x1', start.x)
      parts.line.setAttribute('y1', start.y)
      parts.line.setAttribute('x2', far ? end.x : start.x)
      parts.line.setAttribute('y2', far ? end.y : start.y)
    }
  },

  label (app, ymap) { return describe(app, ymap).text },

  /** Enter or a double-click on a marker picks its partner again (markers have no free text). */
  open (app, id) {
    const element = app.roots.elements.get(id)
    if (!element) return false
    pickPartner(app, { current: partnerName(app, element), rename: true }).then(answer => {
      if (answer) setPartner(app, id, answer)
      focusNode(app, id)
    })
    return true
  }
}

/** Write a marker's partner: its name as text, and the partners-map id when it is one. */
export function setPartner (app, id, { name, id: partnerId }) {
  const element = app.roots.elements.get(id)
  if (!element || app.readOnly) return
  app.undo.stopCapturing()
  app.doc.transact(() => {
    applyTextDiff(app.doc, element.get('text'), name)
    if (partnerId) element.set('partner', partnerId)
    else if (element.has('partner')) element.delete('partner')
  }, LOCAL)
  app.undo.stopCapturing()
}

registerKind('partner', partnerKind)
