// The toolbar. Buttons carry data-action; editing buttons are hidden when the board is
// read-only, so observers and finalized boards offer nothing that looks editable.

import { h, setText } from './dom.js'
import { onLanguage, t } from './i18n.js'
import { NOTE_COLORS } from './model.js'

export function toolbar (app) {
  const { actions } = app
  const buttons = []
  const button = (action, label, run, { edit = false, shortcut = '' } = {}) => {
    const node = h('button', {
      className: `tool tool-${action}`,
      attrs: { type: 'button', 'aria-keyshortcuts': shortcut || null },
      dataset: { action },
      on: { click: run }
    })
    buttons.push({ node, label, edit })
    return node
  }
  const swatches = NOTE_COLORS.map(([name, value]) => {
    const node = h('button', {
      className: 'swatch',
      attrs: { type: 'button', 'aria-pressed': 'false' },
      dataset: { action: 'colour', color: value },
      on: { click: () => actions.recolour(value) }
    })
    node.style.setProperty('--swatch', value)
    node.colourName = name
    return node
  })
  const colourLabel = h('span', { className: 'tool-group-label' })
  const colours = h('div', { className: 'tool-group colours', attrs: { role: 'group' } }, colourLabel, ...swatches)
  const zoomLevel = h('span', { className: 'zoom-level', attrs: { 'aria-live': 'off' } })
  // The board as a PNG, drawn by the server (GET /api/boards/{id}/image), for a report.
  const picture = h('a', {
    className: 'tool tool-picture',
    attrs: { href: `/api/boards/${encodeURIComponent(app.boardId)}/image?format=png&token=${encodeURIComponent(app.token)}`, download: '' },
    dataset: { action: 'picture' }
  })
  const shortcutsSummary = h('summary')
  const shortcutsList = h('ul')
  const editing = h('div', { className: 'tool-group editing' },
    button('new-note', 'new_note', () => actions.newNote(), { edit: true, shortcut: 'N' }),
    button('connect', 'connect', () => actions.connectSelected(), { edit: true, shortcut: 'A' }),
    button('delete', 'delete', () => actions.deleteSelected(), { edit: true, shortcut: 'Delete' }),
    button('undo', 'undo', () => actions.undo(), { edit: true, shortcut: 'Control+Z' }),
    button('redo', 'redo', () => actions.redo(), { edit: true, shortcut: 'Control+Shift+Z' }))
  const view = h('div', { className: 'tool-group view' },
    button('zoom-out', 'zoom_out', () => actions.zoomOut(), { shortcut: '-' }),
    zoomLevel,
    button('zoom-in', 'zoom_in', () => actions.zoomIn(), { shortcut: '+' }),
    button('fit', 'fit', () => actions.fit(), { shortcut: '0' }),
    button('outline', 'outline', () => actions.toggleOutline(), { shortcut: 'O' }),
    picture)
  // On a phone (phone.css) only the most used tools stay in view; this button folds the rest,
  // the facilitator's tools included, in and out.
  const menu = h('button', {
    className: 'tool tool-menu',
    attrs: { type: 'button', 'aria-expanded': 'false' },
    dataset: { action: 'menu' },
    on: {
      click: () => {
        const open = app.root.classList.toggle('menu-open')
        menu.setAttribute('aria-expanded', open ? 'true' : 'false')
      }
    }
  })
  const node = h('div', { className: 'toolbar', attrs: { role: 'toolbar', 'aria-orientation': 'horizontal' } },
    editing, colours, view,
    h('details', { className: 'shortcuts' }, shortcutsSummary, shortcutsList), menu)

  const render = () => {
    node.setAttribute('aria-label', t('toolbar'))
    for (const { node: b, label, edit } of buttons) {
      setText(b, t(label))
      b.hidden = edit && app.readOnly
    }
    setText(picture, t('download_picture'))
    colours.hidden = app.readOnly
    colourLabel.textContent = t('colour')
    colours.setAttribute('aria-label', t('colour'))
    for (const swatch of swatches) {
      const label = t('colour_of', { name: t(swatch.colourName) })
      swatch.setAttribute('aria-label', label)
      swatch.title = label
      swatch.setAttribute('aria-pressed', swatch.dataset.color === app.noteColor ? 'true' : 'false')
    }
    setText(menu, t('menu'))
    setText(shortcutsSummary, t('shortcuts'))
    shortcutsList.replaceChildren(...t('shortcut_list').map(line => h('li', { text: line })))
    renderZoom()
  }
  const renderZoom = () => setText(zoomLevel, t('zoom_level', { percent: Math.round(app.viewport.scale * 100) }))
  const renderHistory = () => {
    const undo = node.querySelector('[data-action=undo]')
    const redo = node.querySelector('[data-action=redo]')
    undo.disabled = app.undo.undoStack.length === 0
    redo.disabled = app.undo.redoStack.length === 0
  }
  const renderOutline = visible => {
    node.querySelector('[data-action=outline]').setAttribute('aria-pressed', visible ? 'true' : 'false')
  }
  onLanguage(render)
  app.on('readonly', render)
  app.on('note-color', render)
  app.on('outline', renderOutline)
  app.viewport.on('change', renderZoom)
  for (const event of ['stack-item-added', 'stack-item-popped', 'stack-cleared']) app.undo.on(event, renderHistory)
  render()
  renderHistory()
  renderOutline(false)
  return node
}
