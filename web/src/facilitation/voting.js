// Dot voting. The server keeps the votes and writes meta.voting ({open, round,
// votes_per_participant, results}); results appear only after the facilitator closes the
// round. Votes are cast by the seat the server issued when this person joined (app.seat):
// the server counts nothing else, and shows a seat only its own votes.

import { h, setText } from '../dom.js'
import { t } from '../i18n.js'
import { api } from './api.js'
import { eachDecorated } from './decor.js'

export function installVoting (fac) {
  const { app } = fac
  const canVote = app.role === 'facilitator' || app.role === 'participant'
  const seat = () => (app.seat ? app.seat.id : '')
  let mine = {} // element id -> my votes this round
  let remaining = 0
  let loadedRound = null
  let busy = false

  const status = h('div', { className: 'vote-status', attrs: { hidden: true, 'aria-live': 'polite' } })
  fac.bar.append(status)

  const perLabel = h('span')
  const per = h('input', { className: 'vote-per', attrs: { type: 'number', min: 1, max: 20, step: 1, value: 3 } })
  // Optional: one voice per party (e.g. 5 votes per organisation, however many people it sent).
  const perOrgLabel = h('span')
  const perOrg = h('input', { className: 'vote-per-org', attrs: { type: 'number', min: 0, max: 200, step: 1, value: '' } })
  const open = fac.button('voting-open', () => call(async () => {
    const n = Math.min(20, Math.max(1, Math.round(Number(per.value) || 3)))
    const body = { votes_per_participant: n }
    const orgCap = Math.round(Number(perOrg.value) || 0)
    if (orgCap >= 1) body.votes_per_organisation = Math.min(200, orgCap)
    await api(app, 'POST', 'voting', body)
  }))
  const close = fac.button('voting-close', () => call(() => api(app, 'POST', 'voting/close')))
  const group = h('div', { className: 'tool-group fac-voting', attrs: { role: 'group' } },
    h('label', { className: 'inline-label' }, perLabel, per),
    h('label', { className: 'inline-label' }, perOrgLabel, perOrg), open, close)
  fac.tools.append(group)

  async function call (run) {
    if (busy) return
    busy = true
    try { await run() } catch (error) { fac.say(t('fac_failed', { error: error.message })) } finally { busy = false }
  }

  async function load (round) {
    loadedRound = round
    if (!seat()) return // joined without a seat yet: loaded when the seat arrives
    try {
      const answer = await api(app, 'GET', `votes?seat=${encodeURIComponent(seat())}`)
      if (answer.round === round) { mine = answer.mine || {}; remaining = answer.remaining; renderAll() }
    } catch (_error) { /* the round closed meanwhile */ }
  }

  function vote (id, method) {
    return call(async () => {
      try {
        if (!seat()) { fac.say(t('fac_votes_no_seat')); return }
        const answer = await api(app, method, 'votes', { element: id, seat: seat() })
        mine = answer.mine || {}
        remaining = answer.remaining
        renderAll()
        fac.say(t('fac_votes_left', { n: remaining, total: fac.state.voting.votes_per_participant }))
      } catch (error) {
        if (error.status === 409 && /closed before your vote/.test(error.message)) fac.say(t('fac_votes_round_closed'))
        else if (error.status === 409 && /organisation/.test(error.message)) fac.say(t('fac_votes_org_used'))
        else if (error.status === 409 && fac.state.voting && fac.state.voting.open) fac.say(t('fac_votes_used'))
        else if (error.status === 403) fac.say(t('fac_votes_no_seat'))
        else throw error
      }
    })
  }

  function renderNote (id, _ymap, decor) {
    const voting = fac.state.voting
    const isOpen = Boolean(voting && voting.open)
    const voteHere = isOpen && canVote && !app.readOnly
    const results = voting && !isOpen && voting.results && typeof voting.results === 'object' ? voting.results : null
    const parts = decor(voteHere || Boolean(results))
    if (!parts) return
    parts.votes.hidden = !voteHere
    if (!parts.votes.hidden) {
      if (!parts.votes.firstChild) {
        parts.votes.append(
          h('button', { className: 'vote-remove', attrs: { type: 'button' }, text: '−', on: { click: () => vote(parts.votes.dataset.id, 'DELETE') } }),
          h('span', { className: 'vote-mine' }),
          h('button', { className: 'vote-add', attrs: { type: 'button' }, text: '+', on: { click: () => vote(parts.votes.dataset.id, 'POST') } }))
      }
      parts.votes.dataset.id = id
      const n = mine[id] || 0
      const [remove, count, add] = parts.votes.children
      setText(count, `● ${n}`)
      count.setAttribute('aria-label', t('fac_my_votes', { n }))
      remove.hidden = n === 0
      remove.setAttribute('aria-label', t('fac_vote_remove'))
      add.disabled = remaining <= 0
      add.setAttribute('aria-label', t('fac_vote_add'))
      add.title = t('fac_vote_add')
    }
    parts.result.hidden = !results
    if (results) {
      const n = Number(results[id]) || 0
      parts.result.dataset.votes = String(n)
      parts.result.classList.toggle('zero', n === 0)
      setText(parts.result, `★ ${n}`)
      parts.result.setAttribute('aria-label', t('fac_votes_result', { n }))
      parts.result.title = t('fac_votes_result', { n })
    }
  }

  const renderAll = () => { eachDecorated(app, null, renderNote); renderStatus() }
  app.renderer.on('rendered', ids => eachDecorated(app, ids, renderNote))

  function renderStatus () {
    const voting = fac.state.voting
    status.hidden = !voting || !voting.round
    if (!status.hidden) {
      let text
      if (voting.open && canVote && !app.readOnly) text = t('fac_voting_open', { round: voting.round, n: remaining, total: voting.votes_per_participant })
      else if (voting.open) text = t('fac_voting_open_observer', { round: voting.round })
      else text = t('fac_voting_closed', { round: voting.round })
      setText(status, text)
      status.classList.toggle('open', Boolean(voting.open))
    }
    const isOpen = Boolean(voting && voting.open)
    group.hidden = app.readOnly
    open.hidden = isOpen
    close.hidden = !isOpen
    per.disabled = isOpen
    perOrg.disabled = isOpen
    setText(perLabel, t('fac_votes_per'))
    setText(perOrgLabel, t('fac_votes_per_org'))
    setText(open, t('fac_voting_start'))
    setText(close, t('fac_voting_stop'))
  }

  app.on('seat', () => {
    const voting = fac.state.voting
    if (voting && voting.open && canVote) load(voting.round)
  })

  fac.watch(state => {
    const voting = state.voting
    if (voting && voting.open && canVote && loadedRound !== voting.round) {
      mine = {}
      remaining = voting.votes_per_participant
      load(voting.round)
    }
    if (!voting || !voting.open) loadedRound = null
    renderAll()
  })
}
