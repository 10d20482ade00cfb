// The connection status (with the count of changes not yet sent) and the read-only banners.

import { h, setText } from './dom.js'
import { onLanguage, t } from './i18n.js'

export function connectionStatus (app) {
  const node = h('div', { className: 'connection', attrs: { id: 'connection', role: 'status', 'aria-live': 'polite' } },
    h('span', { className: 'connection-dot', attrs: { 'aria-hidden': 'true' } }),
    h('span', { className: 'connection-text' }),
    h('span', { className: 'connection-unsynced' }))
  const render = () => {
    const { status, unsynced } = app.connection
    node.dataset.state = status
    node.dataset.unsynced = String(unsynced)
    const removed = status === 'denied' && app.connection.deniedBecause === 'seat_removed'
    setText(node.children[1], t(removed ? 'status_seat_removed' : `status_${status}`))
    setText(node.children[2], unsynced === 0
      ? ''
      : unsynced === 1 ? t('unsynced_one') : t('unsynced_many', { n: unsynced }))
  }
  app.connection.on('change', render)
  onLanguage(render)
  render()
  return node
}

export function banners (app) {
  const node = h('div', { className: 'banners' })
  const render = () => {
    node.replaceChildren()
    if (app.finalized) {
      node.append(h('p', { className: 'banner finalized', attrs: { role: 'status' }, text: t('finalized') }))
    } else if (app.newerCanvas !== null) {
      node.append(h('p', {
        className: 'banner newer-canvas',
        attrs: { role: 'status' },
        text: t('newer_canvas', { made: app.newerCanvas, installed: app.spec.version })
      }))
    } else if (app.role === 'observer') {
      node.append(h('p', { className: 'banner observer', attrs: { role: 'status' }, text: t('read_only_observer') }))
    }
  }
  app.on('readonly', render)
  onLanguage(render)
  render()
  return node
}
