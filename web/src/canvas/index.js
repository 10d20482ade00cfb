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
import { freeSpot } from '../placement.js'

const inside = (rect, p) => p.x >= rect.x && p.x <= rect.x + rect.w && p.y >= rect.y && p.y <= rect.y + rect.h

/** The kinds the canvas allows (spec.element_kinds: [{kind, label, fields}]). */
export function canvasKinds (spec) {
  return new Set((spec.element_kinds || []).map(k => (typeof k === 'string' ? k : k && k.kind)).filter(Boolean))
}

/** The board point a kind's button adds at: the selected element's, else the spot the user
 * last pressed on the board while it is still in view, else null (the middle of the view). */
function pointFor (app) {
  const elements = app.roots.elements
  for (const id of app.selection.list()) {
    const element = elements.get(id)
    if (element && element.get('kind') !== 'arrow') {
      const g = geometry(element)
      return { x: g.x + g.w / 2, y: g.y + g.h / 2 }
    }
  }
  const last = app.lastPoint
  return last && inside(app.viewport.visibleRect(), last) ? last : null
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
    const id = add(app, 'partner', freeSpot(app, PARTNER_SIZE, at), PARTNER_SIZE, fields)
    focusNode(app, id)
    return id
  }

  actions.newRule = (at = null) => {
    if (app.readOnly) return null
    const size = { w: 200, h: 120 }
    const id = add(app, 'rule', freeSpot(app, size, at), size, { color: RULE_COLOR, level: DEFAULT_LEVEL })
    editor.open(id)
    return id
  }

  actions.newScore = (at = null) => {
    if (app.readOnly) return null
    // The block of the selected element (or of the spot last pressed): scoring the block the
    // user is looking at, not whichever block happens to be in the middle of the view.
    let centre = at || pointFor(app) || app.viewport.center()
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
    const id = add(app, 'score', freeSpot(app, SCORE_SIZE, centre), SCORE_SIZE, { color: '' })
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
