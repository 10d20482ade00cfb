// What notes show of the facilitation: the facilitator's agreed / parked mark (set with the
// buttons or G and P on the selected notes), the source group's label on a merged board, and
// in anonymous mode no author or organisation.

import { h, isTyping, setText } from '../dom.js'
import { t } from '../i18n.js'
import { str, textOf } from '../model.js'
import { eachDecorated } from './decor.js'
import { setStatus } from './meta.js'
import { onBoardFocus } from '../keyboard.js'

const STATUSES = ['agreed', 'parked']
const HEX = /^#[0-9a-f]{3,8}$/i

export function installMarks (fac) {
  const { app } = fac
  const elements = app.roots.elements

  const targets = () => app.actions.targets().filter(id => {
    const element = elements.get(id)
    return element && element.get('kind') !== 'arrow'
  })

  /** Set a mark on the selected notes, or clear it if they all have it already. */
  function toggle (status) {
    const ids = targets()
    if (!ids.length) { fac.say(t('fac_mark_select_first')); return }
    const all = ids.every(id => elements.get(id).get('status') === status)
    setStatus(app, ids, all ? null : status)
  }

  const label = h('span', { className: 'tool-group-label' })
  const agreed = fac.button('mark-agreed', () => toggle('agreed'))
  const parked = fac.button('mark-parked', () => toggle('parked'))
  agreed.setAttribute('aria-keyshortcuts', 'G')
  parked.setAttribute('aria-keyshortcuts', 'P')
  const group = h('div', { className: 'tool-group fac-marks', attrs: { role: 'group' } }, label, agreed, parked)
  fac.tools.append(group)

  if (fac.isFacilitator) {
    document.addEventListener('keydown', event => {
      if (event.defaultPrevented || app.readOnly || event.ctrlKey || event.metaKey || event.altKey) return
      if (isTyping(event.target) || document.querySelector('dialog[open]')) return
      if (!onBoardFocus(app, event.target) || event.repeat) return
      const status = { g: 'agreed', G: 'agreed', p: 'parked', P: 'parked' }[event.key]
      if (!status) return
      event.preventDefault()
      toggle(status)
    })
  }

  function renderNote (_id, ymap, decor, node) {
    const status = str(ymap, 'status')
    const known = STATUSES.includes(status)
    for (const s of STATUSES) node.classList.toggle(`status-${s}`, status === s)
    const groupLabel = str(ymap, 'group_label')
    const parts = decor(known || Boolean(groupLabel))
    if (parts) {
      parts.status.hidden = !known
      if (known) setText(parts.status, t(`fac_status_${status}`))
      parts.group.hidden = !groupLabel
      if (groupLabel) {
        setText(parts.group, groupLabel)
        const color = str(ymap, 'group_color')
        parts.group.style.setProperty('--group', HEX.test(color) ? color : '#5b6573')
        parts.group.title = t('fac_group_of', { group: groupLabel })
      }
    }
    if (fac.state.anonymous) {
      node.setAttribute('aria-label', `${t('fac_note_anonymous')}: ${textOf(ymap)}`)
    }
  }

  app.renderer.on('rendered', ids => eachDecorated(app, ids, renderNote))
  let anonymous = fac.state.anonymous
  fac.watch(state => {
    // The note kind writes the author into aria-label: redraw all when anonymity changes.
    if (state.anonymous !== anonymous) {
      anonymous = state.anonymous
      app.renderer.refreshAll()
      app.outline.schedule()
    }
    eachDecorated(app, null, renderNote)
    group.hidden = app.readOnly
    setText(label, t('fac_mark'))
    setText(agreed, t('fac_mark_agreed'))
    setText(parked, t('fac_mark_parked'))
    agreed.title = t('fac_mark_hint')
    parked.title = t('fac_mark_hint')
  })
}
