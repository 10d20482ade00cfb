// The facilitator's share panel: every link of the board (role links and one per partner) with
// a copy button and a QR code, a new link for any of them (the old one stops working at once),
// a partner added later, and the seats: who joined, for which organisation, votes used, with a
// way to remove a seat (its votes go with it).

import { clear, h, setText } from '../dom.js'
import { t } from '../i18n.js'
import { api } from './api.js'

export function installShare (fac) {
  const { app } = fac
  const toggle = fac.button('share', () => show(panel.hidden))
  fac.tools.append(h('div', { className: 'tool-group fac-share', attrs: { role: 'group' } }, toggle))

  const heading = h('h2', { attrs: { id: 'share-heading', tabindex: -1 } })
  const intro = h('p', { className: 'panel-intro' })
  const closeButton = h('button', { className: 'link-button panel-close', attrs: { type: 'button' }, on: { click: () => show(false) } })
  const links = h('div', { className: 'share-links' })
  const partnerName = h('input', { attrs: { name: 'organisation', maxlength: 100, autocomplete: 'organization' } })
  const partnerLabel = h('span')
  const partnerSubmit = h('button', { className: 'tool', attrs: { type: 'submit' } })
  const partnerForm = h('form', { className: 'add-partner' }, h('label', {}, partnerLabel, partnerName), partnerSubmit)
  const seatsHeading = h('h3')
  const seats = h('div', { className: 'share-seats' })
  const problem = h('p', { className: 'panel-error', attrs: { role: 'alert' } })
  const panel = h('aside', { className: 'fac-panel share', attrs: { hidden: true, 'aria-labelledby': 'share-heading' } },
    h('div', { className: 'panel-head' }, heading, closeButton), intro, problem, links, partnerForm, seatsHeading, seats)
  app.root.querySelector('.board-main').append(panel)
  let rows = []
  let seatRows = []

  function show (on) {
    panel.hidden = !on
    toggle.setAttribute('aria-pressed', on ? 'true' : 'false')
    if (on) { load(); heading.focus({ preventScroll: true }) }
  }

  async function load () {
    try {
      const [answer, seated] = await Promise.all([api(app, 'GET', 'links'), api(app, 'GET', 'seats')])
      rows = answer.links || []
      seatRows = seated.seats || []
      problem.textContent = ''
      renderPanel()
    } catch (error) {
      problem.textContent = t('fac_failed', { error: error.message })
    }
  }

  const labelOf = row => row.party ? row.party.name : t(`share_role_${row.role}`)

  async function reissue (row) {
    if (!window.confirm(t('share_reissue_confirm', { name: labelOf(row) }))) return
    try {
      const fresh = await api(app, 'POST', 'links', { link: row.link_id })
      if (row.link_id === 'facilitator') { location.replace(fresh.link); return }
      await load()
      fac.say(t('share_reissued', { name: labelOf(row) }))
    } catch (error) {
      problem.textContent = t('fac_failed', { error: error.message })
    }
  }

  async function copy (row, field, button) {
    try {
      await navigator.clipboard.writeText(row.link)
      button.classList.add('copied')
      fac.say(t('share_copied', { name: labelOf(row) }))
    } catch (_error) {
      field.focus()
      field.select()
    }
  }

  function linkRow (row) {
    const field = h('input', { className: 'link', attrs: { readonly: true, value: row.link || '', 'aria-label': labelOf(row) } })
    const copyButton = h('button', { className: 'tool copy', attrs: { type: 'button' }, text: t('share_copy') })
    copyButton.addEventListener('click', () => copy(row, field, copyButton))
    copyButton.hidden = !row.link
    field.hidden = !row.link
    const again = h('button', {
      className: 'tool reissue',
      attrs: { type: 'button' },
      text: row.shown === 'not_issued' ? t('share_issue') : t('share_reissue'),
      on: { click: () => row.shown === 'not_issued' ? api(app, 'POST', 'links', { link: row.link_id }).then(load, error => { problem.textContent = t('fac_failed', { error: error.message }) }) : reissue(row) }
    })
    const qr = row.qr ? h('img', { className: 'qr', attrs: { src: row.qr, alt: t('share_qr', { name: labelOf(row) }), width: 132, height: 132 } }) : null
    return h('div', { className: `share-row${row.party ? ' party' : ''}`, dataset: { link: row.link_id } },
      h('div', { className: 'share-label' }, h('strong', { text: labelOf(row) }),
        row.party ? h('span', { className: 'hint', text: ` ${t('share_party_hint')}` }) : null,
        !row.link ? h('span', { className: 'hint link-state', text: ` ${t(row.shown === 'reissue' ? 'share_reissue_to_see' : 'share_no_link')}` }) : null),
      h('div', { className: 'share-field' }, field, copyButton, again), qr)
  }

  function seatRow (seat) {
    const org = seat.org ? `${seat.org}${seat.guest ? ` (${t('guest')})` : ''}` : '—'
    const remove = h('button', { className: 'link-button remove-seat', attrs: { type: 'button' }, text: t('share_seat_remove') })
    remove.addEventListener('click', async () => {
      if (!window.confirm(t('share_seat_remove_confirm', { name: seat.name }))) return
      try { await api(app, 'DELETE', `seats/${encodeURIComponent(seat.id)}`); await load() } catch (error) { problem.textContent = t('fac_failed', { error: error.message }) }
    })
    return h('tr', { dataset: { seat: seat.id } },
      h('th', { attrs: { scope: 'row' }, text: seat.name }), h('td', { text: org }),
      h('td', { text: String(seat.votes_used || 0) }), h('td', {}, remove))
  }

  function renderPanel () {
    clear(links)
    links.append(...rows.map(linkRow))
    clear(seats)
    seats.append(seatRows.length
      ? h('table', { className: 'seats-table' },
        h('thead', {}, h('tr', {}, ['share_seat_name', 'fac_org', 'share_seat_votes', 'share_seat_action'].map(key => h('th', { attrs: { scope: 'col' }, text: t(key) })))),
        h('tbody', {}, seatRows.map(seatRow)))
      : h('p', { className: 'empty', text: t('share_no_seats') }))
  }

  partnerForm.addEventListener('submit', async event => {
    event.preventDefault()
    const name = partnerName.value.trim()
    if (!name) { partnerName.focus(); return }
    partnerSubmit.disabled = true
    try {
      await api(app, 'POST', 'partners', { name })
      partnerName.value = ''
      await load()
      fac.say(t('share_partner_added', { name }))
    } catch (error) {
      problem.textContent = t('fac_failed', { error: error.message })
    } finally {
      partnerSubmit.disabled = false
    }
  })

  fac.watch(() => {
    toggle.hidden = false
    setText(toggle, t('share'))
    setText(heading, t('share'))
    setText(intro, t('share_intro'))
    setText(closeButton, t('fac_close'))
    setText(partnerLabel, t('share_add_partner'))
    setText(partnerSubmit, t('share_add_partner_submit'))
    setText(seatsHeading, t('share_seats'))
    if (!panel.hidden) renderPanel()
  })
}
