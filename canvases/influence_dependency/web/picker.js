// Which partner does a marker stand for? A small dialog: the board's partners as buttons, or
// a typed name. Answers {name, id} (id = the partners-map id, '' for a typed name) or null.
import { h, t, Y } from 'partnerboard'


/** The board's partners [{id, name}]: the document's map, else the API answer. */
export function boardPartners (app) {
  const found = []
  app.roots.partners.forEach((partner, id) => {
    if (partner instanceof Y.Map && typeof partner.get('name') === 'string') found.push({ id, name: partner.get('name') })
  })
  for (const partner of app.info.partners || []) {
    if (partner && typeof partner.name === 'string' && !found.some(p => p.name === partner.name)) {
      found.push({ id: typeof partner.id === 'string' ? partner.id : '', name: partner.name })
    }
  }
  return found
}

export function pickPartner (app, { current = '', rename = false } = {}) {
  return new Promise(resolve => {
    const partners = boardPartners(app)
    const input = h('input', { attrs: { name: 'partner', maxlength: 100, list: 'partner-pick-names', autocomplete: 'off' } })
    input.value = current
    const names = h('datalist', { attrs: { id: 'partner-pick-names' } }, partners.map(p => h('option', { attrs: { value: p.name } })))
    let answered = false
    const finish = answer => {
      if (answered) return
      answered = true
      dialog.close()
      dialog.remove()
      resolve(answer)
    }
    const byName = name => {
      const wanted = name.trim().toLowerCase()
      const partner = partners.find(p => p.name.trim().toLowerCase() === wanted)
      return { name: partner ? partner.name : name.trim().slice(0, 100), id: partner ? partner.id : '' }
    }
    const picks = h('div', { className: 'partner-picks' }, partners.map(partner => h('button', {
      className: 'partner-pick',
      attrs: { type: 'button', 'aria-pressed': partner.name === current ? 'true' : 'false' },
      text: partner.name,
      on: { click: () => finish({ name: partner.name, id: partner.id }) }
    })))
    const cancel = h('button', { attrs: { type: 'button' }, text: t('partner_pick_cancel'), on: { click: () => finish(null) } })
    const submit = h('button', { className: 'primary', attrs: { type: 'submit' }, text: t(rename ? 'partner_pick_rename' : 'partner_pick_ok') })
    const form = h('form', { attrs: { method: 'dialog' } },
      h('h2', { attrs: { id: 'partner-pick-title' }, text: t('partner_pick_title') }),
      h('p', { text: t('partner_pick_intro') }),
      picks,
      h('label', {}, h('span', { text: t('partner_pick_other') }), input), names,
      h('div', { className: 'dialog-actions' }, cancel, submit))
    const dialog = h('dialog', { className: 'partner-picker', attrs: { 'aria-labelledby': 'partner-pick-title' } }, form)
    form.addEventListener('submit', event => {
      event.preventDefault()
      if (!input.value.trim()) { input.focus(); return }
      finish(byName(input.value))
    })
    dialog.addEventListener('cancel', event => { event.preventDefault(); finish(null) })
    document.body.append(dialog)
    dialog.showModal()
    const first = picks.querySelector('button')
    ;(rename || !first ? input : first).focus()
  })
}
