// Sticky notes: text (a Y.Text), the author's organisation as a coloured tag, and for notes in
// an action zone the owner and due fields.

import { h, setText } from '../dom.js'
import { registerKind } from '../kinds.js'
import { t } from '../i18n.js'
import { editorsLabel, geometry, NOTE_COLORS, orgLabel, str, textOf, zoneOf } from '../model.js'

const HEX = /^#[0-9a-f]{3,8}$/i
/** Spaces that white-space: pre-line would not keep: runs, tabs, and a line's leading space. */
const SPACED = /[ \t]{2}|\t|(^|\n) /
/** How tall (board px) a note may grow with its text before the text scrolls. */
export const GROW_LIMIT = 320
/** A note's left border and horizontal padding (board.css .note). */
const NOTE_INSET = 6 + 10 + 10

/**
 * Position with left/top (for kinds of canvas plugins, whose nodes may carry a transform of
 * their own). Notes are placed with placeNote.
 */
export function place (node, x, y, w, h) {
  node.style.left = `${x}px`
  node.style.top = `${y}px`
  node.style.width = `${w}px`
  node.style.height = `${h}px`
}

/**
 * Notes are positioned with a translation: moving one then costs Chromium no layout at all
 * (with left/top, each frame in which others moved notes laid out the board's layer of 2,000
 * notes again: 2.5 ms of 7 on the main thread). Panning is native scrolling, so the
 * translation adds nothing to a pan.
 */
function placeNote (node, x, y, w) {
  node.style.transform = `translate(${x}px, ${y}px)`
  node.style.width = `${w}px`
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

/**
 * The organisation line, shortened with an ellipsis to fit `width` (CSS px). Done here rather
 * than with text-overflow, which needs a clip: one clip per note is a paint chunk per note,
 * and with 2,000 notes Chromium re-converts every chunk of the board in each frame that moves
 * a note. Widths come from a canvas with the line's font, cached per text.
 */
const ORG_FONT_PX = 11 // .note-org in board.css
const fitted = new Map() // `${width} ${text}` -> the line shown
let measurer = null

function textWidth (text) {
  if (!measurer) {
    measurer = document.createElement('canvas').getContext('2d')
    measurer.font = `${ORG_FONT_PX}px ${getComputedStyle(document.body).fontFamily}`
  }
  return measurer.measureText(text).width
}

export function fitLine (text, width) {
  if (!text) return text
  const key = `${width} ${text}`
  let line = fitted.get(key)
  if (line === undefined) {
    // A pixel to spare: canvas and layout may round a glyph differently.
    const room = width - 1
    line = text
    if (textWidth(text) > room) {
      const chars = Array.from(text) // never half a surrogate pair
      const cut = n => `${chars.slice(0, n).join('').trimEnd()}…`
      let low = 0
      let high = chars.length - 1
      while (low < high) { // the longest prefix that fits with the ellipsis
        const mid = (low + high + 1) >> 1
        if (textWidth(cut(mid)) <= room) low = mid
        else high = mid - 1
      }
      line = low ? cut(low) : ''
    }
    if (fitted.size >= 5000) fitted.clear()
    fitted.set(key, line)
  }
  return line
}

export function safeColor (value, fallback = NOTE_COLORS[0][1]) {
  return typeof value === 'string' && HEX.test(value) ? value : fallback
}

/** The zone ids whose notes carry the owner/due fields (the spec may name its own). */
export function showsFields (app, ymap) {
  const zone = zoneOf(app.spec.zones || [], geometry(ymap))
  return zone !== null && app.fieldZones.has(zone.id)
}

/**
 * A new note is a clone of this one: cheaper than making each of 2,000 notes element by
 * element. The owner/due fields are added only to notes that show them.
 */
let prototype = null

function notePrototype () {
  if (!prototype) {
    prototype = h('div', {
      className: 'el note',
      attrs: { tabindex: 0, role: 'group', 'aria-roledescription': 'note' }
    }, h('div', { className: 'note-text' }), h('div', { className: 'note-org' }),
    h('span', { className: 'handle resize', attrs: { 'aria-hidden': 'true' } }),
    h('span', { className: 'handle connector', attrs: { 'aria-hidden': 'true' } }))
  }
  return prototype
}

function addFields (parts) {
  const owner = h('dd', { className: 'note-owner' })
  const due = h('dd', { className: 'note-due' })
  const ownerLabel = h('dt')
  const dueLabel = h('dt')
  const fields = h('dl', { className: 'note-fields' },
    h('div', {}, ownerLabel, owner), h('div', {}, dueLabel, due))
  parts.text.after(fields)
  Object.assign(parts, { fields, owner, due, ownerLabel, dueLabel })
}

export const noteKind = {
  layer: 'html',

  create (app) {
    const node = notePrototype().cloneNode(true)
    const [text, org] = node.children
    node.parts = { text, org, fields: null }
    capped.observe(node)
    return node
  },

  update (app, node, id, ymap) {
    const { x, y, w, h: height } = geometry(ymap)
    placeNote(node, x, y, w)
    // At least the stored size, taller while the text needs it, up to a limit (then it scrolls).
    node.style.minHeight = `${height}px`
    node.maxHeight = Math.max(height, GROW_LIMIT)
    node.style.maxHeight = `${node.maxHeight}px`
    node.style.setProperty('--note', safeColor(ymap.get('color')))
    const org = orgLabel(ymap, t)
    const author = str(ymap, 'author')
    const edited = editorsLabel(ymap, t)
    node.style.setProperty('--org', app.colorOf(str(ymap, 'org')))
    const parts = node.parts
    const text = textOf(ymap)
    if (app.editor.editingId !== id) setText(parts.text, text)
    // Zoomed out, text without runs of spaces is laid out with them collapsed (board.css):
    // the same lines, with fewer painting operations.
    node.classList.toggle('spaced', SPACED.test(text))
    // The line's room: the note's width less its left border and padding (board.css .note).
    // Shortened, the whole line is its tooltip (the note's aria-label has it all too).
    const line = [org, author, edited].filter(Boolean).join(' · ')
    const shown = fitLine(line, w - NOTE_INSET)
    setText(parts.org, shown)
    if (shown !== line) parts.org.title = line
    else if (parts.org.title) parts.org.removeAttribute('title')
    node.setAttribute('aria-label', `${t('note_by', { author: author || '?' })}${org ? ` (${org})` : ''}${edited ? `, ${edited}` : ''}: ${text}`)
    const withFields = showsFields(app, ymap)
    node.classList.toggle('with-fields', withFields)
    if (withFields) {
      if (!parts.fields) addFields(parts)
      setText(parts.ownerLabel, t('owner'))
      setText(parts.dueLabel, t('due'))
      setText(parts.owner, str(ymap, 'owner') || '—')
      setText(parts.due, str(ymap, 'due') || '—')
    }
  },

  label (_app, ymap) { return textOf(ymap) }
}

registerKind('note', noteKind)
