// The ranked results of the last closed voting round: per zone, the elements that got votes,
// most first, with their counts. Everyone sees the button once a round is closed; a row shows
// its note on the board, and "Copy as text" puts the list on the clipboard for a report. The
// counts also go into the covenant (preview and finalized) as each item's `votes`.

import { h, setText } from '../dom.js'
import { pick, t } from '../i18n.js'
import { geometry, str, textOf, zoneOf } from '../model.js'

/** [{zone, title, rows: [{id, text, org, votes}]}] for the round's results, zones in canvas order. */
export function rankedResults (app, results) {
  const zones = (app.spec.zones || []).filter(zone => !zone.parking)
  const byZone = new Map(zones.map(zone => [zone.id, []]))
  const elsewhere = []
  for (const [id, count] of Object.entries(results || {})) {
    const votes = Number(count) || 0
    const ymap = app.roots.elements.get(id)
    if (!votes || !ymap || typeof ymap.get !== 'function') continue
    const zone = zoneOf(zones, geometry(ymap))
    const row = { id, text: textOf(ymap), org: str(ymap, 'org'), votes };
    (zone ? byZone.get(zone.id) : elsewhere).push(row)
  }
  const order = (a, b) => b.votes - a.votes || a.text.localeCompare(b.text)
  const groups = zones.map(zone => ({ zone: zone.id, title: pick(zone.title), rows: byZone.get(zone.id).sort(order) }))
  groups.push({ zone: '', title: t('parked'), rows: elsewhere.sort(order) })
  return groups.filter(group => group.rows.length)
}

export function installResults (fac) {
  const { app } = fac
  const toggle = fac.button('vote-results', () => show(panel.hidden))
  fac.bar.append(toggle)
  const heading = h('h2', { attrs: { id: 'vote-results-heading', tabindex: -1 } })
  const copy = h('button', { className: 'tool', attrs: { type: 'button' }, dataset: { action: 'vote-results-copy' }, on: { click: () => copyText() } })
  const closeButton = h('button', { className: 'link-button panel-close', attrs: { type: 'button' }, on: { click: () => show(false) } })
  const content = h('div', { className: 'vote-results-content', attrs: { tabindex: 0, role: 'region', 'aria-labelledby': 'vote-results-heading' } })
  const panel = h('aside', { className: 'fac-panel vote-results', attrs: { hidden: true, 'aria-labelledby': 'vote-results-heading' } },
    h('div', { className: 'panel-head' }, heading, closeButton), copy, content)
  app.root.querySelector('.board-main').append(panel)

  const closedRound = () => {
    const voting = fac.state.voting
    return voting && !voting.open && voting.results && typeof voting.results === 'object' ? voting : null
  }

  function show (on) {
    panel.hidden = !on
    toggle.setAttribute('aria-pressed', on ? 'true' : 'false')
    if (on) { renderPanel(); heading.focus({ preventScroll: true }) }
  }

  function reveal (id) {
    const ymap = app.roots.elements.get(id)
    if (!ymap) return
    app.selection.set([id])
    app.viewport.reveal(geometry(ymap))
  }

  function renderPanel () {
    const voting = closedRound()
    content.replaceChildren()
    if (!voting) return
    const groups = rankedResults(app, voting.results)
    if (!groups.length) {
      content.append(h('p', { className: 'panel-intro', text: t('fac_results_none') }))
      return
    }
    for (const group of groups) {
      content.append(h('h3', { text: group.title }), h('ol', { className: 'ranked' }, group.rows.map(row =>
        h('li', { dataset: { element: row.id, votes: String(row.votes) } },
          h('span', { className: 'ranked-votes', text: t('fac_votes_result', { n: row.votes }) }),
          h('button', { className: 'link-button ranked-text', attrs: { type: 'button' }, text: row.text || '—', on: { click: () => reveal(row.id) } }),
          row.org ? h('span', { className: 'ranked-org', text: row.org }) : null))))
    }
  }

  async function copyText () {
    const voting = closedRound()
    if (!voting) return
    const lines = [t('fac_results_title', { round: voting.round })]
    for (const group of rankedResults(app, voting.results)) {
      lines.push('', group.title)
      group.rows.forEach((row, index) => lines.push(`${index + 1}. ${row.text} (${row.org ? `${row.org}, ` : ''}${t('fac_votes_result', { n: row.votes })})`))
    }
    try {
      await navigator.clipboard.writeText(lines.join('\n'))
      fac.say(t('fac_results_copied'))
    } catch (_error) {
      fac.say(t('fac_results_copy_failed'))
    }
  }

  fac.watch(() => {
    const voting = closedRound()
    toggle.hidden = !voting
    if (!voting && !panel.hidden) show(false)
    setText(toggle, t('fac_results'))
    setText(heading, voting ? t('fac_results_title', { round: voting.round }) : t('fac_results'))
    setText(copy, t('fac_results_copy'))
    setText(closeButton, t('fac_close'))
    if (!panel.hidden) renderPanel()
  })
  app.roots.elements.observeDeep(() => { if (!panel.hidden) renderPanel() })
}
