// Comments on a note: a thread under any element, for questions and remarks that are not the
// note itself. A comment is an element of the core kind "comment" ({on: element id, text,
// author, org, created}), so it syncs, works offline and is kept in the history like any
// change; it is never drawn on the canvas, never part of the covenant, and is read in the
// element's thread (its badge, or M on the selected note) and in the outline.

import { h, setText } from './dom.js'
import { registerKind } from './kinds.js'
import { t } from './i18n.js'
import { addElement, geometry, str, textOf } from './model.js'

const MAX_COMMENT = 2000

// Drawn nowhere: the node exists (the renderer wants one) but stays hidden.
registerKind('comment', {
  create () { return h('div', { className: 'el comment-data', attrs: { hidden: true, 'aria-hidden': 'true' } }) },
  update () {},
  label (_app, ymap) { return textOf(ymap) }
})

/** The comments on each element: element id -> [{id, text, author, org, created}], oldest first. */
export function commentsByTarget (app) {
  const found = new Map()
  app.roots.elements.forEach((ymap, id) => {
    if (typeof ymap.get !== 'function' || ymap.get('kind') !== 'comment') return
    const on = str(ymap, 'on')
    if (!on || !app.roots.elements.get(on)) return
    if (!found.has(on)) found.set(on, [])
    found.get(on).push({ id, text: textOf(ymap), author: str(ymap, 'author'), org: str(ymap, 'org'), created: Number(ymap.get('created')) || 0 })
  })
  for (const list of found.values()) list.sort((a, b) => a.created - b.created)
  return found
}

function byline (comment) {
  const when = comment.created ? new Date(comment.created).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' }) : ''
  return [comment.author || '?', comment.org, when].filter(Boolean).join(' · ')
}

export function commentList (comments) {
  return h('ol', { className: 'comment-list' }, comments.map(comment =>
    h('li', { className: 'comment', dataset: { id: comment.id } },
      h('span', { className: 'comment-by', text: byline(comment) }),
      h('span', { className: 'comment-text', text: comment.text }))))
}

export function installComments (app) {
  let threads = new Map()
  let openOn = null
  const heading = h('h2', { attrs: { id: 'comments-title' } })
  const about = h('p', { className: 'comments-about' })
  const list = h('div', { className: 'comments-thread', attrs: { 'aria-live': 'polite' } })
  const label = h('span')
  const input = h('textarea', { className: 'comment-input', attrs: { rows: 3, maxlength: MAX_COMMENT } })
  const submit = h('button', { className: 'tool', attrs: { type: 'submit' }, dataset: { action: 'comment-add' } })
  const close = h('button', { className: 'link-button', attrs: { type: 'button' }, on: { click: () => dialog.close() } })
  const form = h('form', { className: 'comment-form', on: { submit: event => { event.preventDefault(); add() } } },
    h('label', {}, label, input), h('div', { className: 'dialog-actions' }, close, submit))
  const dialog = h('dialog', { className: 'comments', attrs: { 'aria-labelledby': 'comments-title' } }, heading, about, list, form)
  dialog.addEventListener('close', () => {
    const target = openOn
    openOn = null
    const node = target && app.renderer.nodeFor(target)
    if (node) node.focus({ preventScroll: true })
  })
  document.body.append(dialog)

  function add () {
    const text = input.value.trim().slice(0, MAX_COMMENT)
    const target = openOn && app.roots.elements.get(openOn)
    if (!text || !target || app.readOnly) return
    const { x, y } = geometry(target)
    addElement(app.doc, 'comment', { x, y, w: 1, h: 1, text, author: app.identity.name, org: app.identity.org, on: openOn })
    input.value = ''
    input.focus()
  }

  function renderDialog () {
    if (!openOn) return
    const target = app.roots.elements.get(openOn)
    if (!target) { dialog.close(); return }
    setText(heading, t('comments_title'))
    setText(about, textOf(target).slice(0, 120) || '…')
    const comments = threads.get(openOn) || []
    list.replaceChildren(comments.length ? commentList(comments) : h('p', { className: 'comments-none', text: t('comments_none') }))
    form.hidden = app.readOnly
    setText(label, t('comment_label'))
    setText(submit, t('comment_add'))
    setText(close, t('comments_close'))
  }

  app.actions.openComments = id => {
    const element = id && app.roots.elements.get(id)
    if (!element || element.get('kind') === 'comment') return
    openOn = id
    renderDialog()
    if (!dialog.open) dialog.showModal()
    if (!app.readOnly) input.focus()
  }

  function badge (id) {
    const node = app.renderer.nodeFor(id)
    if (!node || node.hidden) return
    const count = (threads.get(id) || []).length
    let button = node.querySelector(':scope > .comment-badge')
    if (!count) { if (button) button.remove(); return }
    if (!button) {
      button = h('button', { className: 'comment-badge overlay-ui', attrs: { type: 'button' }, on: { click: event => { event.stopPropagation(); app.actions.openComments(id) } } })
      button.addEventListener('pointerdown', event => event.stopPropagation())
      node.append(button)
    }
    setText(button, `💬 ${count}`)
    button.setAttribute('aria-label', t('comments_count', { n: count }))
  }

  const refresh = () => {
    const before = threads
    threads = commentsByTarget(app)
    for (const id of new Set([...before.keys(), ...threads.keys()])) badge(id)
    renderDialog()
    app.emit('comments', threads)
  }
  // Threads change only when elements come or go, or a comment itself changes: not when
  // notes move or are typed in, which would rescan the whole board for every such message.
  const isComment = element => typeof element?.get === 'function' && element.get('kind') === 'comment'
  app.roots.elements.observeDeep(events => {
    const elements = app.roots.elements
    if (events.some(event => event.target === elements || isComment(elements.get(event.path[0])))) refresh()
  })
  app.renderer.on('rendered', ids => { for (const id of ids) if (threads.has(id)) badge(id) })
  app.comments = () => threads
  refresh()
}
