// Game rules (kind "rule"): a note with a `level` (practice, management or governance, from
// spec.extra.levels), shown as a small select on the rule and as its label when read-only.
// Situations are plain notes; arrows between them are the ordinary arrow kind.

import { addTexts, h, noteKind, pick, registerKind, setFields, setText, str, t, textOf } from 'partnerboard'
import { TEXTS } from './texts.js'

addTexts(TEXTS)

export const RULE_COLOR = '#c5e3f6'

/** The levels a rule can have, with their names: spec.extra.levels (spec.py's LEVELS). */
export function levels (app) {
  const given = app.spec.extra && app.spec.extra.levels
  return given && typeof given === 'object' ? given : {}
}

/** A new rule's level: the first, from the work floor up. */
export function defaultLevel (app) {
  return Object.keys(levels(app))[0] || ''
}

function levelName (app, level) {
  const known = levels(app)[level]
  return known ? pick(known) : t('rule_no_level')
}

export const ruleKind = {
  layer: 'html',

  create (app, id, ymap) {
    const node = noteKind.create(app, id, ymap)
    node.classList.add('rule')
    node.setAttribute('aria-roledescription', 'rule')
    const select = h('select', {
      className: 'rule-level overlay-ui',
      on: {
        change: () => {
          if (app.readOnly) return
          app.undo.stopCapturing()
          setFields(app.doc, new Map([[id, { level: select.value }]]))
        }
      }
    })
    // Not a canvas gesture: clicking the select must not start moving the rule.
    select.addEventListener('pointerdown', event => event.stopPropagation())
    select.addEventListener('dblclick', event => event.stopPropagation())
    node.prepend(select)
    node.parts.level = select
    return node
  },

  update (app, node, id, ymap) {
    noteKind.update(app, node, id, ymap)
    const select = node.parts.level
    const level = str(ymap, 'level')
    const known = levels(app)
    const wanted = [...Object.keys(known), ...(known[level] ? [] : [''])]
    if (select.options.length !== wanted.length || [...select.options].some((o, i) => o.value !== wanted[i])) {
      select.replaceChildren(...wanted.map(value => h('option', { attrs: { value } })))
    }
    for (const option of select.options) setText(option, levelName(app, option.value))
    if (select.value !== (known[level] ? level : '')) select.value = known[level] ? level : ''
    select.disabled = app.readOnly
    select.setAttribute('aria-label', t('rule_level'))
    node.dataset.level = known[level] ? level : ''
    const author = str(ymap, 'author')
    const org = str(ymap, 'org')
    node.setAttribute('aria-label',
      `${t('rule_by', { level: levelName(app, level), author: author || '?' })}${org ? ` (${org})` : ''}: ${textOf(ymap)}`)
  },

  label (app, ymap) { return `[${levelName(app, str(ymap, 'level'))}] ${textOf(ymap)}` }
}

registerKind('rule', ruleKind)
