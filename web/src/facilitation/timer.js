// A countdown per step. The facilitator starts it with a number of minutes; meta.timer holds
// {step, started_at, duration_ms}, so everyone — late joiners too — computes the time left,
// on the server's clock (clock.js) so that a browser whose clock is off still agrees. At zero the timer pulses and, if the user has touched the page (browsers
// allow sound only then), plays one soft short tone.

import { serverNow } from '../clock.js'
import { h, setText } from '../dom.js'
import { t } from '../i18n.js'
import { setMeta } from './meta.js'

const TICK = 250

export function remainingMs (timer, now = serverNow()) {
  return Math.max(0, timer.started_at + timer.duration_ms - now)
}

export function formatClock (ms) {
  const seconds = Math.ceil(ms / 1000)
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

let audio = null
let interacted = false
for (const type of ['pointerdown', 'keydown']) {
  document.addEventListener(type, () => { interacted = true }, { capture: true, passive: true })
}

/** One quiet tone of 0.35 s, only after the user has interacted with the page. */
function chime () {
  if (!interacted) return
  try {
    audio = audio || new AudioContext()
    const now = audio.currentTime
    const osc = audio.createOscillator()
    const gain = audio.createGain()
    osc.type = 'sine'
    osc.frequency.value = 660
    gain.gain.setValueAtTime(0.0001, now)
    gain.gain.exponentialRampToValueAtTime(0.06, now + 0.03)
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.35)
    osc.connect(gain).connect(audio.destination)
    osc.start(now)
    osc.stop(now + 0.4)
  } catch (_error) { /* no audio here: the visual pulse is the signal */ }
}

export function timerControls (fac) {
  const { app } = fac
  const clock = h('span', { className: 'timer-clock', attrs: { role: 'timer', 'aria-live': 'off' } })
  const label = h('span', { className: 'timer-label' })
  const display = h('div', { className: 'timer', attrs: { hidden: true } }, label, clock)
  fac.bar.append(display)

  const minutesLabel = h('span')
  const minutes = h('input', { className: 'timer-minutes', attrs: { type: 'number', min: 1, max: 120, step: 1, value: 5 } })
  const start = fac.button('timer-start', () => {
    const n = Math.min(120, Math.max(1, Math.round(Number(minutes.value) || 5)))
    minutes.value = String(n)
    setMeta(app, { timer: { step: fac.state.step, started_at: serverNow(), duration_ms: n * 60000 } })
  })
  const stop = fac.button('timer-stop', () => setMeta(app, { timer: null }))
  const group = h('div', { className: 'tool-group fac-timer', attrs: { role: 'group' } },
    h('label', { className: 'inline-label' }, minutesLabel, minutes), start, stop)
  fac.tools.append(group)

  let interval = 0
  let signalled = null // started_at of the timer we already signalled
  const tick = () => {
    const timer = fac.state.timer
    if (!timer) return
    const left = remainingMs(timer)
    display.dataset.remaining = String(Math.ceil(left / 1000))
    setText(clock, formatClock(left))
    const done = left === 0
    display.classList.toggle('done', done)
    setText(label, done ? t('fac_timer_done') : t('fac_timer_left'))
    if (done) {
      clearInterval(interval)
      interval = 0
      if (signalled !== timer.started_at) {
        signalled = timer.started_at
        display.classList.remove('pulse')
        void display.offsetWidth // restart the animation
        display.classList.add('pulse')
        chime()
      }
    }
  }

  fac.watch(state => {
    const timer = state.timer
    display.hidden = !timer
    if (timer) {
      // A timer that was over before this page saw it does not chime.
      if (remainingMs(timer) === 0 && signalled === null) signalled = timer.started_at
      if (!interval && remainingMs(timer) > 0) interval = setInterval(tick, TICK)
      tick()
    } else {
      clearInterval(interval)
      interval = 0
      display.classList.remove('done', 'pulse')
    }
    clock.setAttribute('aria-label', t('fac_timer_left'))
    group.hidden = app.readOnly
    setText(minutesLabel, t('fac_timer_minutes'))
    setText(start, timer && remainingMs(timer) > 0 ? t('fac_timer_restart') : t('fac_timer_start'))
    setText(stop, t('fac_timer_stop'))
    stop.disabled = !timer
  })
}
