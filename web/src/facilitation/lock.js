// The lock, in the participant's browser: while the facilitator holds the group to one step,
// nothing outside that step's zone can be made, moved, edited or deleted, and the step bar
// says why. The server undoes such changes anyway (server/guard.py); this keeps people from
// seeing their work jump back, and explains it.

import { pick, t } from '../i18n.js'
import { geometry, moveElements, NOTE_SIZE, zoneOf } from '../model.js'

export function installLock (fac) {
  const { app } = fac
  const elements = app.roots.elements
  const zones = app.spec.zones || []
  const active = () => fac.state.locked && app.role !== 'facilitator' && !app.readOnly
  const lockedZone = () => fac.state.zone

  const inside = g => { const zone = zoneOf(zones, g); return zone !== null && zone.id === lockedZone().id }
  // An arrow is inside when its ends are. Another client may point arrows at arrows, also in
  // a loop (an arrow at itself): each arrow is followed once, and an end already on the way
  // adds nothing (else the recursion never ended, and every frame threw in every browser).
  const within = (id, seen) => {
    const element = elements.get(id)
    if (!element || seen.has(id)) return true
    if (element.get('kind') === 'arrow') {
      seen.add(id)
      return [element.get('from'), element.get('to')].every(end => !elements.has(end) || within(end, seen))
    }
    return inside(geometry(element))
  }
  const elementInside = id => within(id, new Set())
  const refuse = () => {
    fac.say(t('fac_locked_refused', { title: pick(lockedZone().title) }))
    return null
  }

  const { actions, editor } = app
  const wrap = (name, guard) => {
    const original = actions[name]
    actions[name] = (...args) => (active() ? guard(original, ...args) : original(...args))
  }

  wrap('newNote', (original, at = null) => {
    const rect = lockedZone().rect
    if (at) {
      if (!inside({ x: at.x - NOTE_SIZE.w / 2, y: at.y - NOTE_SIZE.h / 2, ...NOTE_SIZE })) return refuse()
      return original(at)
    }
    // No point given (toolbar, N key): the middle of the view if it is in the zone, else the zone.
    const centre = app.viewport.center()
    const here = { x: centre.x - NOTE_SIZE.w / 2, y: centre.y - NOTE_SIZE.h / 2, ...NOTE_SIZE }
    if (inside(here)) return original(centre)
    return original({ x: rect.x + rect.w / 2, y: rect.y + rect.h / 2 })
  })
  wrap('moveSelected', (original, dx, dy) => {
    const ids = actions.targets()
    const ok = ids.every(id => {
      const element = elements.get(id)
      if (!element || element.get('kind') === 'arrow') return true
      const g = geometry(element)
      return inside(g) && inside({ ...g, x: g.x + dx, y: g.y + dy })
    })
    if (!ok) { refuse(); return true } // true: the arrow key was handled, do not pan instead
    return original(dx, dy)
  })
  for (const name of ['deleteSelected', 'resizeSelected']) {
    wrap(name, (original, ...args) => (actions.targets().every(elementInside) ? original(...args) : refuse()))
  }
  wrap('recolour', (original, color) => {
    if (actions.targets().every(elementInside)) return original(color)
    app.noteColor = color
    app.emit('note-color', color)
    return refuse()
  })
  wrap('connect', (original, from, to) => (elementInside(from) && elementInside(to) ? original(from, to) : refuse()))

  const open = editor.open.bind(editor)
  editor.open = id => {
    if (active() && !elementInside(id)) { refuse(); return false }
    return open(id)
  }

  // Pointer: a note outside the zone can be selected but not dragged, resized or connected.
  app.container.addEventListener('pointerdown', event => {
    if (!active() || event.button !== 0 || !(event.target instanceof Element) || event.target.closest('.overlay-ui')) return
    const node = event.target.closest('[data-id]')
    const id = node && app.renderer.nodeFor(node.dataset.id) === node ? node.dataset.id : null
    if (!id || elementInside(id)) return
    event.stopPropagation()
    app.selection.set([id])
    refuse()
  }, { capture: true })

  // A note dragged out of the zone goes back to where it last was inside it.
  const lastInside = new Map()
  const remember = () => {
    if (!active()) { lastInside.clear(); return }
    elements.forEach((element, id) => {
      const g = geometry(element)
      if (element.get('kind') !== 'arrow' && inside(g)) lastInside.set(id, { x: g.x, y: g.y })
    })
  }
  app.container.addEventListener('pointerdown', () => remember(), { capture: true })
  app.container.addEventListener('pointerup', () => {
    if (!active()) return
    const back = new Map()
    for (const id of app.selection.list()) {
      const element = elements.get(id)
      if (element && element.get('kind') !== 'arrow' && !inside(geometry(element)) && lastInside.has(id)) {
        back.set(id, lastInside.get(id))
      }
    }
    if (back.size) { moveElements(app.doc, back); refuse() }
  })

  // Out-of-step elements look quieter while the lock holds.
  const mark = ids => {
    const on = active()
    for (const id of ids) {
      const node = app.renderer.nodeFor(id)
      if (node) node.classList.toggle('out-of-step', on && !elementInside(id))
    }
  }
  app.renderer.on('rendered', mark)
  fac.on('state', () => mark([...app.renderer.nodes.keys()]))
}
