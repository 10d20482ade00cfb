// The ambition line on the influence/dependency plot: the canvas default (spec.extra) until
// the facilitator moves it, then meta[key] ([[dependency, influence], [dependency, influence]]).
// Everyone sees it live; only the facilitator gets the two end-point handles (the server
// reverts anyone else's meta change). Handles drag with the pointer or move with arrow keys;
// Delete puts the line back to the canvas default.

import { dragHandle, h, onLanguage, pick, s, setMeta, setText, t } from 'partnerboard'
import {
  ambitionAt, ambitionDecoration, ambitionKey, ambitionLine, boardPoint, percent, plotZone, positionOf
} from './plot.js'

/** Ends stay this far apart in dependency, so the line never turns vertical. */
const MIN_GAP = 0.05
const round = value => Math.round(value * 1000) / 1000

export function installAmbition (app) {
  const decoration = ambitionDecoration(app.spec)
  const zone = plotZone(app.spec)
  if (!decoration || !zone) return null
  const key = ambitionKey(app.spec)
  const r = zone.rect
  const { w, h: height } = app.spec.size

  const extended = s('line', { className: 'ambition-extended' })
  const segment = s('line', { className: 'ambition-line' })
  // A nested svg clips the extended line to the plot.
  const clip = s('svg', { attrs: { x: r.x, y: r.y, width: r.w, height: r.h, viewBox: `${r.x} ${r.y} ${r.w} ${r.h}` } }, extended, segment)
  const svg = s('svg', {
    className: 'layer-ambition',
    attrs: { width: w, height, viewBox: `0 0 ${w} ${height}`, 'aria-hidden': 'true' }
  }, clip)
  const label = h('div', { className: 'ambition-label' })
  const handles = [0, 1].map(end => {
    const handle = h('button', {
      className: 'ambition-handle overlay-ui',
      attrs: { type: 'button', hidden: true },
      dataset: { end: String(end) }
    })
    handle.addEventListener('pointerdown', event => {
      if (event.button !== 0 || !canEdit()) return
      dragHandle(app, event, handle, point => moveEnd(end, positionOf(point.x, point.y, r)))
    })
    handle.addEventListener('keydown', event => onKey(end, event))
    return handle
  })
  const ui = h('div', { className: 'layer-ambition-ui', attrs: { role: 'group' } }, label, ...handles)
  app.renderer.world.insertBefore(svg, app.renderer.svg)
  app.renderer.world.append(ui)

  const canEdit = () => app.role === 'facilitator' && !app.readOnly

  function moveEnd (end, position) {
    if (!canEdit()) return
    const line = ambitionLine(app).map(point => [...point])
    const other = line[1 - end][0]
    let dependency = position.dependency
    dependency = end === 0 ? Math.min(dependency, other - MIN_GAP) : Math.max(dependency, other + MIN_GAP)
    line[end] = [round(Math.min(1, Math.max(0, dependency))), round(position.influence)]
    if (line[0][0] === line[1][0]) return
    setMeta(app, { [key]: line })
  }

  function onKey (end, event) {
    if (!canEdit() || event.ctrlKey || event.metaKey || event.altKey) return
    const [dependency, influence] = ambitionLine(app)[end]
    const step = event.shiftKey ? 0.05 : 0.01
    const moves = { ArrowUp: [0, step], ArrowDown: [0, -step], ArrowLeft: [-step, 0], ArrowRight: [step, 0] }
    if (moves[event.key]) {
      const [dd, di] = moves[event.key]
      moveEnd(end, { dependency: dependency + dd, influence: Math.min(1, Math.max(0, influence + di)) })
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      setMeta(app, { [key]: undefined })
    } else {
      return
    }
    event.preventDefault()
    event.stopPropagation()
  }

  function render () {
    const line = ambitionLine(app)
    const a = boardPoint({ dependency: line[0][0], influence: line[0][1] }, r)
    const b = boardPoint({ dependency: line[1][0], influence: line[1][1] }, r)
    const left = boardPoint({ dependency: 0, influence: ambitionAt(line, 0) }, r)
    const right = boardPoint({ dependency: 1, influence: ambitionAt(line, 1) }, r)
    for (const [node, p, q] of [[extended, left, right], [segment, a, b]]) {
      node.setAttribute('x1', p.x)
      node.setAttribute('y1', p.y)
      node.setAttribute('x2', q.x)
      node.setAttribute('y2', q.y)
    }
    ui.dataset.line = JSON.stringify(line)
    setText(label, pick(decoration.label))
    // The label sits above the right part of the line, turned along it.
    const angle = Math.atan2(b.y - a.y, b.x - a.x)
    label.style.left = `${(a.x + b.x) / 2 + (b.x - a.x) * 0.2 - 250}px`
    label.style.top = `${(a.y + b.y) / 2 + (b.y - a.y) * 0.2 - 40}px`
    label.style.transform = `rotate(${angle}rad)`
    ui.setAttribute('aria-label', pick(decoration.label))
    handles.forEach((handle, end) => {
      const p = end === 0 ? a : b
      handle.hidden = !canEdit()
      handle.style.left = `${p.x}px`
      handle.style.top = `${p.y}px`
      handle.setAttribute('aria-label', t('ambition_handle', {
        end: t(`ambition_end_${end}`), dependency: percent(line[end][0]), influence: percent(line[end][1])
      }))
    })
  }

  app.roots.meta.observe(event => {
    if (!event.keysChanged.has(key)) return
    render()
    // Above or below the line: every partner marker may have changed side.
    app.roots.elements.forEach((element, id) => { if (element.get('kind') === 'partner') app.renderer.markDirty(id) })
  })
  app.on('readonly', render)
  onLanguage(render)
  render()
  return { render }
}
