// Scores on building blocks (kind "score", key `value` 1-5): five dots to click, and a slider
// for the keyboard (arrow keys, Home/End, or the digits 1-5, also on the focused score itself).
// The author's organisation is shown; the block's mean is drawn by canvas/means.js.

import { addTexts, geometry, h, place, registerKind, setFields, setText, str, t } from 'partnerboard'
import { TEXTS } from './texts.js'

addTexts(TEXTS)

export const SCORE_SIZE = { w: 170, h: 64 }
export const LOWEST = 1
export const HIGHEST = 5

/** A score's value 1-5, or null (the covenant reads `value`, as canvases/building_blocks does). */
export function scoreValue (ymap) {
  const value = ymap.get('value')
  return Number.isInteger(value) && value >= LOWEST && value <= HIGHEST ? value : null
}

export function setScore (app, id, value) {
  if (app.readOnly || !Number.isInteger(value)) return
  app.undo.stopCapturing()
  setFields(app.doc, new Map([[id, { value: Math.min(HIGHEST, Math.max(LOWEST, value)) }]]))
}

function onKey (app, id, event) {
  if (event.ctrlKey || event.metaKey || event.altKey || app.readOnly) return
  const element = app.roots.elements.get(id)
  if (!element) return
  const onSlider = event.target.classList.contains('score-dots')
  const current = scoreValue(element)
  let next = null
  if (/^[1-5]$/.test(event.key)) next = Number(event.key)
  else if (!onSlider) return
  else if (event.key === 'ArrowUp' || event.key === 'ArrowRight') next = (current || LOWEST - 1) + 1
  else if (event.key === 'ArrowDown' || event.key === 'ArrowLeft') next = (current || LOWEST + 1) - 1
  else if (event.key === 'Home') next = LOWEST
  else if (event.key === 'End') next = HIGHEST
  if (next === null) return
  event.preventDefault()
  setScore(app, id, next)
}

export const scoreKind = {
  layer: 'html',

  create (app, id) {
    const dots = []
    for (let value = LOWEST; value <= HIGHEST; value++) {
      const dot = h('span', { className: 'score-dot overlay-ui', dataset: { value: String(value) } })
      dot.addEventListener('pointerdown', event => {
        if (event.button !== 0 || app.readOnly) return
        event.stopPropagation()
        event.preventDefault()
        setScore(app, id, value)
      })
      dots.push(dot)
    }
    const slider = h('div', {
      className: 'score-dots',
      attrs: { role: 'slider', tabindex: 0, 'aria-valuemin': LOWEST, 'aria-valuemax': HIGHEST, 'aria-orientation': 'horizontal' }
    }, dots)
    const value = h('span', { className: 'score-value' })
    const org = h('div', { className: 'score-org' })
    const node = h('div', {
      className: 'el score',
      attrs: { tabindex: 0, role: 'group', 'aria-roledescription': 'score', 'aria-keyshortcuts': '1 2 3 4 5' }
    }, h('div', { className: 'score-row' }, slider, value), org)
    node.addEventListener('keydown', event => onKey(app, id, event))
    node.parts = { dots, slider, value, org }
    return node
  },

  update (app, node, id, ymap) {
    const { x, y, w, h: height } = geometry(ymap)
    place(node, x, y, w, height)
    const parts = node.parts
    const org = str(ymap, 'org')
    const author = str(ymap, 'author')
    const value = scoreValue(ymap)
    node.style.setProperty('--org', app.colorOf(org))
    node.dataset.value = value === null ? '' : String(value)
    for (const dot of parts.dots) {
      const n = Number(dot.dataset.value)
      dot.classList.toggle('on', value !== null && n <= value)
      dot.title = t('score_dot', { value: n })
    }
    setText(parts.value, value === null ? '–' : String(value))
    setText(parts.org, [org, author].filter(Boolean).join(' · '))
    const said = value === null ? t('score_none') : t('score_of', { value })
    parts.slider.setAttribute('aria-label', t('score_control'))
    if (value === null) parts.slider.removeAttribute('aria-valuenow')
    else parts.slider.setAttribute('aria-valuenow', value)
    parts.slider.setAttribute('aria-valuetext', said)
    parts.slider.setAttribute('aria-readonly', app.readOnly ? 'true' : 'false')
    node.setAttribute('aria-label', t('score_by', { author: author || '?', org: org ? ` (${org})` : '', value: said }))
  },

  label (app, ymap) {
    const value = scoreValue(ymap)
    return value === null ? t('score_none') : t('score_of', { value })
  }
}

registerKind('score', scoreKind)
