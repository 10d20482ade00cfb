// "Bring everyone here": the facilitator shares the part of the board they look at through
// awareness (state.follow = {x, y, w, h, seq}); each participant's view follows it, fitted to
// their own screen, until they pan or zoom themselves. A new "bring everyone here" (a new seq)
// makes everyone follow again; late joiners follow a lead that is still on.

import { h, setText } from '../dom.js'
import { t } from '../i18n.js'

const SAME = 2 // px: a view within this of the one we set is still "ours"
const SHARE_INTERVAL = 100

export function installFollow (fac) {
  const { app } = fac
  const awareness = app.connection.awareness
  const viewport = app.viewport

  // Facilitator: lead (share the view while leading).
  let leading = false
  let seq = 0
  const lead = fac.button('follow-lead', () => setLeading(!leading))
  // A group of its own: canvases without steps (the building blocks) have no step buttons,
  // and everyone must still be able to follow the facilitator there.
  fac.tools.append(h('div', { className: 'tool-group fac-follow', attrs: { role: 'group' } }, lead))
  const share = () => {
    if (!leading) return
    const r = viewport.visibleRect()
    awareness.setLocalStateField('follow', { x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.w), h: Math.round(r.h), seq })
  }
  function setLeading (on) {
    leading = on
    if (on) { seq = Date.now(); share() } else awareness.setLocalStateField('follow', null)
    render()
  }
  // Panning fires a change per frame: share at most every SHARE_INTERVAL ms, and the last one.
  let pending = 0
  if (fac.isFacilitator) viewport.on('change', () => { if (leading && !pending) pending = setTimeout(() => { pending = 0; share() }, SHARE_INTERVAL) })

  // Participant: follow.
  let following = null // the seq being followed
  let declined = 0 // the last seq the user stopped following
  let applied = null // {x, y, scale} of the view we set
  const text = h('span', { className: 'follow-text' })
  const stop = fac.button('follow-stop', () => { declined = following; unfollow() }, 'link-button')
  const indicator = h('div', { className: 'follow-indicator', attrs: { hidden: true } }, text, stop)
  fac.bar.append(indicator)

  function leader () {
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId === awareness.clientID || !state || !state.follow) continue
      const f = state.follow
      if ([f.x, f.y, f.w, f.h, f.seq].every(Number.isFinite) && f.w > 0 && f.h > 0) return f
    }
    return null
  }

  function unfollow () {
    following = null
    applied = null
    render()
  }

  function apply (f) {
    viewport.fit({ x: f.x, y: f.y, w: f.w, h: f.h }, 0)
    applied = { x: viewport.x, y: viewport.y, scale: viewport.scale }
  }

  awareness.on('change', () => {
    if (fac.isFacilitator) return
    const f = leader()
    if (!f) { if (following !== null) unfollow(); return }
    if (following === null && f.seq !== declined) {
      following = f.seq
      render()
    }
    if (following !== null) {
      following = f.seq
      apply(f)
    }
  })
  // Any pan or zoom that is not ours ends following (resizing the window keeps it).
  viewport.on('change', () => {
    if (following === null || !applied) return
    if (Math.abs(viewport.x - applied.x) > SAME || Math.abs(viewport.y - applied.y) > SAME ||
      Math.abs(viewport.scale - applied.scale) > 0.001) {
      declined = following
      unfollow()
      fac.say(t('fac_follow_stopped'))
    }
  })

  function render () {
    indicator.hidden = following === null
    app.root.classList.toggle('following', following !== null)
    setText(text, t('fac_following'))
    setText(stop, t('fac_follow_stop'))
    lead.hidden = !fac.isFacilitator || app.readOnly
    setText(lead, leading ? t('fac_lead_stop') : t('fac_lead'))
    lead.setAttribute('aria-pressed', leading ? 'true' : 'false')
    lead.title = t('fac_lead_hint')
  }
  fac.watch(render)
}
