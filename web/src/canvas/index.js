// The canvas-specific parts of the board page: toolbar buttons for the kinds the canvas
// allows (partner markers, rules, scores), the ambition line, and the block means. The kinds
// themselves are drawn by kinds/partner.js, rule.js and score.js through the kind registry.

import { h, setText } from '../dom.js'
import { onLanguage, t } from '../i18n.js'
import { addElement, applyTextDiff, geometry, LOCAL, zoneOf } from '../model.js'
import { partnerName, PARTNER_SIZE } from '../kinds/partner.js'
import { DEFAULT_LEVEL, RULE_COLOR } from '../kinds/rule.js'
import { SCORE_SIZE } from '../kinds/score.js'
import { installAmbition } from './ambition.js'
import { installMeans } from './means.js'
import { pickPartner } from './picker.js'

const inside = (rect, p) => p.x >= rect.x && p.x <= rect.x + rect.w && p.y >= rect.y && p.y <= rect.y + rect.h

/** The kinds the canvas allows (spec.element_kinds: [{kind, label, fields}]). */
export function canvasKinds (spec) {
  return new Set((spec.element_kinds || []).map(k => (typeof k === 'string' ? k : k && k.kind)).filter(Boolean))
}

function centreFor (app, at) {
  let centre = at || app.viewport.center()
  // While the facilitator holds the group to one step, new things go into that step's zone.
  const fac = app.facilitation
  const zone = fac && fac.state.locked && app.role !== 'facilitator' ? fac.state.zone : null
  if (zone && !inside(zone.rect, centre)) centre = { x: zone.rect.x + zone.rect.w / 2, y: zone.rect.y + zone.rect.h / 2 }
  return centre
}

/** Top-left for a new element of `size` centred near `centre`, overlapping no other element. */
function freeSpot (app, centre, size) {
  const boxes = []
  app.roots.elements.forEach(element => { if (element.get('kind') !== 'arrow') boxes.push(geometry(element)) })
  const free = (x, y) => !boxes.some(b => x < b.x + b.w && x + size.w > b.x && y < b.y + b.h && y + size.h > b.y)
  const x0 = Math.round(centre.x - size.w / 2)
  const y0 = Math.round(centre.y - size.h / 2)
  // Below the point first, then in the next column; the point itself when all is taken.
  for (let column = 0; column < 4; column++) {
    for (let row = 0; row < 6; row++) {
      const x = x0 + column * (size.w + 12)
      const y = y0 + row * (size.h + 8)
      if (free(x, y)) return { x, y }
    }
  }
  return { x: x0, y: y0 }
}

function add (app, kind, spot, size, fields) {
  app.undo.stopCapturing()
  const id = addElement(app.doc, kind, { ...spot, ...size, author: app.identity.name, org: app.identity.org, ...fields })
  app.undo.stopCapturing()
  app.selection.set([id])
  app.renderer.flush()
  app.viewport.reveal(geometry(app.roots.elements.get(id)))
  return id
}

function focusNode (app, id, selector = null) {
  const node = app.renderer.nodeFor(id)
  const target = node && selector ? node.querySelector(selector) : node
  if (target) target.focus({ preventScroll: true })
}

export function installCanvas (app) {
  const kinds = canvasKinds(app.spec)
  const { actions, editor } = app
  const elements = app.roots.elements
  const buttons = []

  /** Write a marker's partner: its name as text, and the partners-map id when it is one. */
  function setPartner (id, { name, id: partnerId }) {
    const element = elements.get(id)
    if (!element || app.readOnly) return
    app.undo.stopCapturing()
    app.doc.transact(() => {
      applyTextDiff(app.doc, element.get('text'), name)
      if (partnerId) element.set('partner', partnerId)
      else if (element.has('partner')) element.delete('partner')
    }, LOCAL)
    app.undo.stopCapturing()
  }

  actions.newPartner = async (at = null) => {
    if (app.readOnly) return null
    const answer = await pickPartner(app)
    if (!answer || app.readOnly) return null
    const fields = { text: answer.name, color: '' }
    if (answer.id) fields.partner = answer.id
    const id = add(app, 'partner', freeSpot(app, centreFor(app, at), PARTNER_SIZE), PARTNER_SIZE, fields)
    focusNode(app, id)
    return id
  }

  actions.newRule = (at = null) => {
    if (app.readOnly) return null
    const centre = centreFor(app, at)
    const size = { w: 200, h: 120 }
    const id = add(app, 'rule', freeSpot(app, centre, size), size, { color: RULE_COLOR, level: DEFAULT_LEVEL })
    editor.open(id)
    return id
  }

  actions.newScore = (at = null) => {
    if (app.readOnly) return null
    let centre = centreFor(app, at)
    const zones = (app.spec.zones || []).filter(zone => !zone.parking)
    // A score counts only in a block: from outside every block, go to the nearest one.
    if (!zoneOf(zones, { x: centre.x, y: centre.y, w: 0, h: 0 }) && zones.length) {
      const distance = zone => {
        const r = zone.rect
        return Math.hypot(Math.max(r.x - centre.x, 0, centre.x - r.x - r.w), Math.max(r.y - centre.y, 0, centre.y - r.y - r.h))
      }
      const nearest = zones.reduce((best, zone) => (distance(zone) < distance(best) ? zone : best))
      centre = { x: nearest.rect.x + nearest.rect.w / 2, y: nearest.rect.y + nearest.rect.h / 2 }
    }
    const id = add(app, 'score', freeSpot(app, centre, SCORE_SIZE), SCORE_SIZE, { color: '' })
    focusNode(app, id, '.score-dots')
    return id
  }

  // Enter or a double-click on a marker picks its partner again (markers have no free text).
  const open = editor.open.bind(editor)
  editor.open = id => {
    const element = elements.get(id)
    if (!element || element.get('kind') !== 'partner') return open(id)
    if (app.readOnly) return false
    pickPartner(app, { current: partnerName(app, element), rename: true }).then(answer => {
      if (answer) setPartner(id, answer)
      focusNode(app, id)
    })
    return true
  }

  const tools = [['partner', 'new-partner', 'new_partner', () => actions.newPartner()],
    ['rule', 'new-rule', 'new_rule', () => actions.newRule()],
    ['score', 'new-score', 'new_score', () => actions.newScore()]]
  const group = app.root.querySelector('.toolbar .tool-group.editing')
  const after = group && group.querySelector('[data-action=new-note]')
  for (const [kind, action, label, run] of tools) {
    if (!kinds.has(kind) || !group) continue
    const button = h('button', { className: `tool tool-${action} tool-kind`, attrs: { type: 'button' }, dataset: { action }, on: { click: run } })
    buttons.push({ button, label })
  }
  if (after) after.after(...buttons.map(b => b.button))
  else if (group) group.prepend(...buttons.map(b => b.button))
  const render = () => {
    for (const { button, label } of buttons) {
      setText(button, t(label))
      button.hidden = app.readOnly
    }
  }
  onLanguage(render)
  app.on('readonly', render)
  render()
  // The level select, score dots and target controls of every element follow read-only.
  app.on('readonly', () => app.renderer.refreshAll())

  if (kinds.has('partner')) installAmbition(app)
  if (kinds.has('score')) installMeans(app)
}
