// Facilitation (issue 6) and the finalize flow (issue 5) in the board page: guided steps with a
// lock, following the facilitator, a timer, dot voting, agreed/parked marks, participation,
// group boards, and finalizing into a covenant. Everything the group shares lives in the board
// document's `meta` (see meta.js) or in awareness; this module wires the parts together.

import { h } from '../dom.js'
import { Emitter } from '../events.js'
import { addTexts, onLanguage } from '../i18n.js'
import { TEXTS } from './texts.js'
import { readState } from './meta.js'
import { stepBar } from './steps.js'
import { installLock } from './lock.js'
import { installFollow } from './follow.js'
import { timerControls } from './timer.js'
import { installVoting } from './voting.js'
import { installBrainstorm } from './brainstorm.js'
import { installResults } from './results.js'
import { installMarks } from './marks.js'
import { installParticipation } from './participation.js'
import { installCovenant } from './covenant.js'
import { installGroups } from './groups.js'
import { installHistory } from './history.js'
import { installShare } from './share.js'

const STYLESHEET = '/static/facilitation.css'

function loadStylesheet () {
  if (document.querySelector(`link[href="${STYLESHEET}"]`)) return
  document.head.append(h('link', { attrs: { rel: 'stylesheet', href: STYLESHEET } }))
}

/**
 * The shared context of the facilitation modules: the current state (re-read on every change
 * of `meta`), a notice line for explanations, and the two rows of the facilitation area.
 */
class Facilitation extends Emitter {
  constructor (app) {
    super()
    this.app = app
    this.state = readState(app)
    this.isFacilitator = app.role === 'facilitator'
    this.canWrite = () => !app.readOnly
    this.notice = h('p', { className: 'fac-notice', attrs: { role: 'status', 'aria-live': 'polite' } })
    this.bar = h('div', { className: 'step-bar' })
    this.tools = h('div', { className: 'facilitator-tools', attrs: { role: 'toolbar' } })
    this.tools.hidden = !this.isFacilitator
    this.extra = h('div', { className: 'fac-extra' })
    this.node = h('section', { className: 'facilitation' }, this.bar, this.tools, this.extra, this.notice)
    this._noticeTimer = 0
  }

  refresh () {
    this.state = readState(this.app)
    this.app.root.classList.toggle('pb-anonymous', this.state.anonymous)
    this.app.root.classList.toggle('pb-locked', this.state.locked)
    this.tools.hidden = !this.isFacilitator || this.app.readOnly
    this.bar.hidden = this.app.finalized
    this.emit('state', this.state)
  }

  /** Call render(state) now-ish (at the first refresh) and on every change of state or language. */
  watch (render) {
    this.on('state', render)
    this.on('language', () => render(this.state))
  }

  /** A button of the facilitation area (texts are set by the module's render). */
  button (action, onClick, className = 'tool') {
    return h('button', { className: `${className} fac-${action}`, attrs: { type: 'button' }, dataset: { action }, on: { click: onClick } })
  }

  /** Explain something (why an action was refused, what just happened); fades after a while. */
  say (text) {
    this.notice.textContent = text
    this.notice.classList.add('visible')
    clearTimeout(this._noticeTimer)
    this._noticeTimer = setTimeout(() => this.notice.classList.remove('visible'), 6000)
  }
}

export function installFacilitation (app) {
  addTexts(TEXTS)
  loadStylesheet()
  const fac = new Facilitation(app)
  app.facilitation = fac
  app.root.classList.add('has-facilitation')
  const main = app.root.querySelector('.board-main')
  app.root.insertBefore(fac.node, main)

  stepBar(fac)
  installLock(fac)
  installFollow(fac)
  timerControls(fac)
  installVoting(fac)
  installBrainstorm(fac)
  installResults(fac)
  installMarks(fac)
  installParticipation(fac)
  installGroups(fac)
  installCovenant(fac)
  installHistory(fac)
  if (fac.isFacilitator) installShare(fac)

  app.roots.meta.observe(() => fac.refresh())
  app.on('readonly', () => fac.refresh())
  onLanguage(() => fac.emit('language'))
  fac.refresh()
  return fac
}
