// Sticky notes: text (a Y.Text), the author's organisation as a coloured tag, and for notes in
// an action zone the owner and due fields.

import { h, setText } from '../dom.js'
import { registerKind } from '../kinds.js'
import { t } from '../i18n.js'
import { editorsLabel, geometry, NOTE_COLORS, orgLabel, str, textOf, zoneOf } from '../model.js'

const HEX = /^#[0-9a-f]{3,8}$/i
/** How tall (board px) a note may grow with its text before the text scrolls. */
export const GROW_LIMIT = 320

/**
 * Position with left/top, not a transform: with 2,000 notes on screen every transform (and
 * every clip) is a separate paint chunk Chromium re-layerizes on each frame of a pan.
 */
export function place (node, x, y, w, h) {
  node.style.left = `${x}px`
  node.style.top = `${y}px`
  node.style.width = `${w}px`
  node.style.height = `${h}px`
}

/**
 * A note's text is a scroll container only while the note is at its height limit. A scroll
 * container is a clip of its own, and with 2,000 notes those clips made every change of a
 * note's position cost Chromium a full re-layerization (~90 ms a frame while others move
 * notes). Sizes come from a ResizeObserver, so no layout is read while drawing.
 */
const capped = new ResizeObserver(entries => {
  for (const { target, borderBoxSize } of entries) {
    if (!target.isConnected) capped.unobserve(target) // removed from the board
    else target.classList.toggle('scrolls', borderBoxSize[0].blockSize >= target.maxHeight - 0.5)
  }
})

export function safeColor (value, fallback = NOTE_COLORS[0][1]) {
  return typeof value === 'string' && HEX.test(value) ? value : fallback
}

/** The zone ids whose notes carry the owner/due fields (the spec may name its own). */
export function showsFields (app, ymap) {
  const zone = zoneOf(app.spec.zones || [], geometry(ymap))
  return zone !== null && app.fieldZones.has(zone.id)
}

export const noteKind = {
  layer: 'html',

  create (app) {
    const text = h('div', { className: 'note-text' })
    const owner = h('dd', { className: 'note-owner' })
    const due = h('dd', { className: 'note-due' })
    const ownerLabel = h('dt')
    const dueLabel = h('dt')
    const fields = h('dl', { className: 'note-fields' },
      h('div', {}, ownerLabel, owner), h('div', {}, dueLabel, due))
    const org = h('div', { className: 'note-org' })
    const node = h('div', {
      className: 'el note',
      attrs: { tabindex: 0, role: 'group', 'aria-roledescription': 'note' }
    }, text, fields, org,
    h('span', { className: 'handle resize', attrs: { 'aria-hidden': 'true' } }),
    h('span', { className: 'handle connector', attrs: { 'aria-hidden': 'true' } }))
    node.parts = { text, fields, owner, due, ownerLabel, dueLabel, org }
    capped.observe(node)
    return node
  },

  update (app, node, id, ymap) {
    const { x, y, w, h: height } = geometry(ymap)
    place(node, x, y, w, height)
    // At least the stored size, taller while the text needs it, up to a limit (then it scrolls).
    node.style.height = ''
    node.style.minHeight = `${height}px`
    node.maxHeight = Math.max(height, GROW_LIMIT)
    node.style.maxHeight = `${node.maxHeight}px`
    node.style.setProperty('--note', safeColor(ymap.get('color')))
    const org = orgLabel(ymap, t)
    const author = str(ymap, 'author')
    const edited = editorsLabel(ymap, t)
    node.style.setProperty('--org', app.colorOf(str(ymap, 'org')))
    const parts = node.parts
    if (app.editor.editingId !== id) setText(parts.text, textOf(ymap))
    setText(parts.org, [org, author, edited].filter(Boolean).join(' · '))
    node.setAttribute('aria-label', `${t('note_by', { author: author || '?' })}${org ? ` (${org})` : ''}${edited ? `, ${edited}` : ''}: ${textOf(ymap)}`)
    const withFields = showsFields(app, ymap)
    node.classList.toggle('with-fields', withFields)
    if (withFields) {
      setText(parts.ownerLabel, t('owner'))
      setText(parts.dueLabel, t('due'))
      setText(parts.owner, str(ymap, 'owner') || '—')
      setText(parts.due, str(ymap, 'due') || '—')
    }
  },

  label (_app, ymap) { return textOf(ymap) }
}

registerKind('note', noteKind)
