// Who takes part. Participants can say "I'm done" with the current step (awareness: done =
// step number); the facilitator sees how many are done, the notes and edits per organisation
// and per step (GET /participation), the invited partners not heard yet, and can make the
// board anonymous so ideas are weighed without their sender.

import { clear, h, setText } from '../dom.js'
import { t } from '../i18n.js'
import { api } from './api.js'
import { setMeta, zoneTitle } from './meta.js'

export function installParticipation (fac) {
  const { app } = fac
  const awareness = app.connection.awareness
  awareness.setLocalStateField('role', app.role)

  // "I'm done" (participants) and "k of n done" (facilitator), in the step bar.
  let doneStep = 0
  const done = fac.button('done', () => {
    doneStep = doneStep === fac.state.step ? 0 : fac.state.step
    awareness.setLocalStateField('done', doneStep || null)
    render()
  })
  const doneCount = h('span', { className: 'done-count', attrs: { 'aria-live': 'polite' } })
  fac.bar.append(done, doneCount)

  function counts () {
    let n = 0
    let k = 0
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId === awareness.clientID || !state || !state.user || state.role !== 'participant') continue
      n += 1
      if (state.done === fac.state.step) k += 1
    }
    return { k, n }
  }

  // Facilitator tools: the panel and anonymous mode.
  const anonymous = fac.button('anonymous', () => setMeta(app, { anonymous: !fac.state.anonymous }))
  const toggle = fac.button('participation', () => show(panel.hidden))
  fac.tools.append(h('div', { className: 'tool-group fac-people', attrs: { role: 'group' } }, anonymous, toggle))

  const heading = h('h2', { attrs: { id: 'participation-heading', tabindex: -1 } })
  const intro = h('p', { className: 'panel-intro' })
  const refresh = h('button', { className: 'tool', attrs: { type: 'button' }, dataset: { action: 'participation-refresh' }, on: { click: () => load() } })
  const closeButton = h('button', { className: 'link-button panel-close', attrs: { type: 'button' }, on: { click: () => show(false) } })
  // It scrolls when the tables are long: a tab stop, so keyboard users can scroll it too.
  const content = h('div', { className: 'participation-content', attrs: { tabindex: 0, role: 'region', 'aria-labelledby': 'participation-heading' } })
  const panel = h('aside', { className: 'fac-panel participation', attrs: { hidden: true, 'aria-labelledby': 'participation-heading' } },
    h('div', { className: 'panel-head' }, heading, closeButton), intro, refresh, content)
  app.root.querySelector('.board-main').append(panel)
  let data = null

  function show (on) {
    panel.hidden = !on
    toggle.setAttribute('aria-pressed', on ? 'true' : 'false')
    if (on) { load(); heading.focus({ preventScroll: true }) }
  }

  async function load () {
    refresh.disabled = true
    try {
      data = await api(app, 'GET', 'participation')
      renderPanel()
    } catch (error) {
      content.replaceChildren(h('p', { className: 'panel-error', text: t('fac_failed', { error: error.message }) }))
    } finally {
      refresh.disabled = false
    }
  }

  function renderPanel () {
    if (!data) return
    clear(content)
    const steps = data.steps || []
    const titleOf = zoneId => zoneTitle((app.spec.zones || []).find(z => z.id === zoneId)) || zoneId
    const silent = data.silent_partners || []
    content.append(silent.length
      ? h('div', { className: 'silent-partners', attrs: { role: 'note' } },
        h('strong', { text: t('fac_silent') }), ' ', silent.join(', '))
      : h('p', { className: 'all-heard', text: t('fac_all_heard') }))
    const orgs = data.organisations || []
    if (!orgs.length) {
      content.append(h('p', { className: 'empty', text: t('fac_no_partners') }))
    } else {
      const head = h('tr', {}, h('th', { attrs: { scope: 'col' }, text: t('fac_org') }),
        h('th', { attrs: { scope: 'col' }, text: t('fac_notes') }),
        h('th', { attrs: { scope: 'col' }, text: t('fac_edits') }),
        steps.map(s => h('th', { attrs: { scope: 'col', title: titleOf(s.zone) }, text: t('fac_step_short', { n: s.step }) })))
      const rows = orgs.map(org => {
        // A guest's organisation is self-declared: its row is marked and kept apart.
        const row = h('tr', { className: silent.includes(org.name) ? 'silent' : '', dataset: { org: org.guest ? `guest:${org.name}` : org.name } },
          h('th', { attrs: { scope: 'row' } }, org.name,
            org.guest ? h('span', { className: 'guest-mark', text: ` (${t('guest')})` })
              : org.invited ? null : h('span', { className: 'not-invited', text: ` (${t('fac_not_invited')})` })),
          h('td', { text: String(org.notes) }),
          h('td', { text: String(org.edits) }),
          steps.map(s => h('td', { text: String((org.notes_per_step || {})[String(s.step)] || 0) })))
        return row
      })
      content.append(h('table', { className: 'participation-table' },
        h('caption', { text: t('fac_per_org') }), h('thead', {}, head), h('tbody', {}, rows)))
    }
    if (steps.length) {
      content.append(h('table', { className: 'participation-table steps' },
        h('caption', { text: t('fac_per_step') }),
        h('thead', {}, h('tr', {}, h('th', { attrs: { scope: 'col' }, text: t('fac_step') }),
          h('th', { attrs: { scope: 'col' }, text: t('fac_notes') }), h('th', { attrs: { scope: 'col' }, text: t('fac_edits') }))),
        h('tbody', {}, steps.map(s => h('tr', { className: s.step === fac.state.step ? 'current' : '' },
          h('th', { attrs: { scope: 'row' }, text: `${s.step}. ${titleOf(s.zone)}` }),
          h('td', { text: String(s.notes) }), h('td', { text: String(s.edits) }))))))
    }
  }

  function renderDone () {
    doneCount.hidden = !fac.isFacilitator || !fac.state.step || app.readOnly
    if (doneCount.hidden) return
    const { k, n } = counts()
    setText(doneCount, n ? t('fac_done_count', { k, n }) : t('fac_done_nobody'))
    doneCount.dataset.done = String(k)
  }

  function render () {
    const { step, anonymous: anon } = fac.state
    if (doneStep && doneStep !== step) { doneStep = 0; awareness.setLocalStateField('done', null) }
    done.hidden = app.role !== 'participant' || !step || app.readOnly
    setText(done, doneStep === step && step ? t('fac_not_done') : t('fac_done'))
    done.setAttribute('aria-pressed', doneStep === step && step ? 'true' : 'false')
    renderDone()
    setText(anonymous, anon ? t('fac_anonymous_off') : t('fac_anonymous_on'))
    anonymous.setAttribute('aria-pressed', anon ? 'true' : 'false')
    anonymous.hidden = app.readOnly
    setText(toggle, t('fac_participation'))
    setText(heading, t('fac_participation'))
    setText(intro, t('fac_participation_intro'))
    setText(refresh, t('fac_refresh'))
    setText(closeButton, t('fac_close'))
    renderPanel()
  }
  awareness.on('change', () => { if (fac.isFacilitator) renderDone() })
  fac.watch(render)
}
