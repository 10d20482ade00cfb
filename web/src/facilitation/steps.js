// Guided steps: the current step's zone is outlined on the board and its prompts are shown in
// the step bar for everyone; the facilitator moves between steps, locks the board to the
// current step, and can bring everyone's view to their own.

import { h, setText } from '../dom.js'
import { pick, t } from '../i18n.js'
import { setMeta, zoneTitle } from './meta.js'

export function stepBar (fac) {
  const { app } = fac
  const label = h('strong', { className: 'fac-step-label', attrs: { id: 'fac-step-label' } })
  const prompts = h('ul', { className: 'step-prompts' })
  const lockBadge = h('span', { className: 'lock-badge' })
  const step = h('div', { className: 'step-current', attrs: { 'aria-labelledby': 'fac-step-label' } }, label, lockBadge, prompts)
  fac.bar.append(step)

  // The outline around the current zone: a layer in the scaled world, under the notes.
  const highlight = h('div', { className: 'step-highlight', attrs: { 'aria-hidden': 'true', hidden: true } })
  const world = app.renderer.world
  world.insertBefore(highlight, app.renderer.svg)

  const previous = fac.button('step-previous', () => go(-1))
  const next = fac.button('step-next', () => go(1))
  const lock = fac.button('lock', () => setMeta(app, { locked: !fac.state.locked }))
  const group = h('div', { className: 'tool-group fac-steps', attrs: { role: 'group' } }, previous, next, lock)
  fac.tools.append(group)

  function go (delta) {
    const { step, steps } = fac.state
    const target = Math.min(steps.length, Math.max(0, step + delta))
    if (target === step) return
    // A running timer belongs to its step: moving on stops it.
    setMeta(app, fac.state.timer ? { step: target, timer: null } : { step: target })
    const zone = target ? (app.spec.zones || []).find(z => z.id === steps[target - 1]) : null
    if (zone) app.viewport.fit(zone.rect)
    else app.actions.fit()
  }

  let shownStep = -1
  fac.watch(state => {
    const { step, steps, zone, locked } = state
    app.root.dataset.step = String(step)
    const title = zoneTitle(zone) // without its number: the step label says it already
    setText(label, step ? t('fac_step_of', { n: step, total: steps.length, title }) : t('fac_no_step'))
    lockBadge.hidden = !locked
    setText(lockBadge, t('fac_locked_badge'))
    prompts.replaceChildren(...(zone ? pick(zone.prompts) || [] : []).map(text => h('li', { text })))
    highlight.hidden = !zone
    if (zone) {
      const { x, y, w, h: height } = zone.rect
      Object.assign(highlight.style, { left: `${x}px`, top: `${y}px`, width: `${w}px`, height: `${height}px` })
      highlight.classList.toggle('locked', locked)
    }
    document.querySelectorAll('.zone.current-step').forEach(node => node.classList.remove('current-step'))
    if (zone) document.querySelector(`.zone[data-zone="${CSS.escape(zone.id)}"]`)?.classList.add('current-step')

    group.hidden = !steps.length || app.readOnly
    previous.disabled = step <= 0
    next.disabled = step >= steps.length
    setText(previous, t('fac_previous'))
    setText(next, step === 0 ? t('fac_start_steps') : t('fac_next'))
    setText(lock, locked ? t('fac_unlock') : t('fac_lock'))
    lock.setAttribute('aria-pressed', locked ? 'true' : 'false')
    lock.disabled = step === 0
    lock.title = t('fac_lock_hint')
    if (shownStep !== -1 && step !== shownStep && step && !fac.isFacilitator) fac.say(t('fac_step_moved', { title }))
    // Only a change seen live is announced, not the state found on joining.
    if (app.connection.everSynced) shownStep = step
  })
}
