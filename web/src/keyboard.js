// Keyboard access to everything the pointer can do (the list is in i18n "shortcut_list").

import { installClipboard } from './clipboard.js'
import { isTyping } from './dom.js'

const PAN_STEP = 60

/** True when keys go to the board: its canvas or an element on it has the focus and no note
 * is being edited. A click on the board gives it the focus (it is a tab stop). */
export function onBoardFocus (app, target) {
  if (app.editor.editingId !== null || !(target instanceof Element)) return false
  return app.container.contains(target) && !isTyping(target) && !target.closest('.overlay-ui')
}

export function installKeyboard (app) {
  const { actions, selection } = app
  installClipboard(app, target => onBoardFocus(app, target))

  document.addEventListener('keydown', event => {
    if (event.defaultPrevented || document.querySelector('dialog[open]')) return
    if (isTyping(event.target)) return
    const mod = event.ctrlKey || event.metaKey
    const key = event.key
    if (mod) {
      if (key === 'z' || key === 'Z') actions[event.shiftKey ? 'redo' : 'undo']()
      else if (key === 'y') actions.redo()
      else if (key === 'a' && app.container.contains(event.target)) actions.selectAll()
      else if ((key === 'd' || key === 'D') && onBoardFocus(app, event.target)) actions.duplicateSelected()
      else return
      event.preventDefault()
      return
    }
    const onControl = event.target instanceof Element && event.target.closest('button, a, summary')
    if (onControl && (key === 'Enter' || key === ' ')) return
    const onElement = event.target instanceof Element && event.target.closest('[data-id]')
    // Letters make or change things only while the board has the focus: a letter typed with
    // the focus on a panel, a toolbar or the page around the board is not a command (a held
    // key or an input method's composition never is).
    const onBoard = onBoardFocus(app, event.target) && !event.repeat && !event.isComposing
    let handled = true
    switch (key) {
      case 'n': case 'N':
        if (!onBoard) { handled = false; break }
        actions.newNote(app.pointerInside ? app.pointer : null)
        break
      case 'Enter':
        actions.editSelected()
        break
      case 'Escape':
        selection.clear()
        break
      case 'Delete': case 'Backspace':
        actions.deleteSelected()
        break
      case 'ArrowLeft': case 'ArrowRight': case 'ArrowUp': case 'ArrowDown': {
        const dx = key === 'ArrowLeft' ? -1 : key === 'ArrowRight' ? 1 : 0
        const dy = key === 'ArrowUp' ? -1 : key === 'ArrowDown' ? 1 : 0
        const step = event.shiftKey ? 50 : 10
        if (event.altKey) actions.resizeSelected(dx * step, dy * step)
        else if (app.readOnly || !actions.targets().length || !actions.moveSelected(dx * step, dy * step)) {
          app.viewport.panBy(-dx * PAN_STEP, -dy * PAN_STEP)
        }
        break
      }
      case '+': case '=':
        actions.zoomIn()
        break
      case '-': case '_':
        actions.zoomOut()
        break
      case '0':
        actions.fit()
        break
      case 'c': case 'C':
        if (!onBoard) { handled = false; break }
        actions.nextColour()
        break
      case 'a': case 'A':
        if (!onBoard) { handled = false; break }
        actions.connectSelected()
        break
      case 'm': case 'M': {
        if (!onBoard) { handled = false; break }
        const [id] = actions.targets()
        if (id) app.actions.openComments(id)
        else handled = false
        break
      }
      case '/':
        if (!onBoard) { handled = false; break }
        app.outline.startSearch()
        break
      case 'o': case 'O':
        actions.toggleOutline()
        break
      case ' ':
        if (onElement) selection.toggle(onElement.dataset.id)
        else app.spaceHeld = true
        break
      default:
        handled = false
    }
    if (handled) event.preventDefault()
  })

  document.addEventListener('keyup', event => {
    if (event.key === ' ') app.spaceHeld = false
  })
  window.addEventListener('blur', () => { app.spaceHeld = false })
}
