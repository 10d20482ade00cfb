// Finalizing (issue 5) in the browser. The facilitator first sees the completeness checklist of
// the covenant the board would give (who / why / what, each not in place, partly or fully),
// then confirms. Every open page then gets meta.finalized and turns read-only; this panel adds
// the covenant in each format, the sign-off per organisation, and for the facilitator a new
// version of the board to keep working in.

import { clear, h, setText } from '../dom.js'
import { t } from '../i18n.js'
import { api, tokenLink } from './api.js'

const FORMATS = [['html', 'fac_format_html'], ['md', 'fac_format_md'], ['docx', 'fac_format_docx'], ['json', 'fac_format_json']]
const GROUPS = ['who', 'why', 'what']

/** A text for a checklist or section id: ours if we have one, else the id made readable. */
function named (prefix, id) {
  const key = `${prefix}${id}`
  const text = t(key)
  return text === key ? id.replace(/[_-]+/g, ' ') : text
}

/** A section's title: the one the covenant carries (in the board's language), else its id. */
function sectionTitle (covenant, id) {
  const titles = covenant.section_titles
  return titles && typeof titles[id] === 'string' ? titles[id] : id.replace(/[_-]+/g, ' ')
}

export function linkList (links) {
  return h('dl', { className: 'new-links' }, ['facilitator', 'participant', 'observer'].filter(role => links[role]).map(role =>
    h('div', { dataset: { role } },
      h('dt', { text: t(`role_${role}`) }),
      h('dd', {}, h('input', { className: 'link', attrs: { readonly: true, value: links[role], 'aria-label': t(`role_${role}`) } }),
        ' ', h('a', { attrs: { href: links[role], target: '_blank', rel: 'noopener' }, text: t('fac_open') })))))
}

export function installCovenant (fac) {
  const { app } = fac

  // --- The finalize dialog (facilitator) ---
  const finalizeButton = fac.button('finalize', () => openDialog(), 'tool fac-primary')
  fac.tools.append(h('div', { className: 'tool-group fac-finalize' }, finalizeButton))

  const title = h('h2', { attrs: { id: 'finalize-title' } })
  const intro = h('p')
  const body = h('div', { className: 'checklist', attrs: { 'aria-live': 'polite' } })
  const problem = h('p', { className: 'dialog-error', attrs: { role: 'alert' } })
  const cancel = h('button', { className: 'tool', attrs: { type: 'button' }, on: { click: () => dialog.close() } })
  const confirm = h('button', { className: 'primary', attrs: { type: 'button' }, dataset: { action: 'finalize-confirm' }, on: { click: () => finalize() } })
  const dialog = h('dialog', { className: 'fac-dialog finalize-dialog', attrs: { 'aria-labelledby': 'finalize-title' } },
    title, intro, body, problem, h('div', { className: 'dialog-actions' }, cancel, confirm))
  document.body.append(dialog)

  async function openDialog () {
    problem.textContent = ''
    confirm.disabled = true
    body.replaceChildren(h('p', { className: 'loading-text', text: t('fac_checking') }))
    dialog.showModal()
    try {
      const preview = await api(app, 'GET', 'covenant/preview')
      renderChecklist(preview)
      confirm.disabled = false
      confirm.focus()
    } catch (error) {
      body.replaceChildren()
      problem.textContent = t('fac_failed', { error: error.message })
    }
  }

  function renderChecklist (preview) {
    clear(body)
    const items = Array.isArray(preview.completeness) ? preview.completeness : []
    for (const group of GROUPS) {
      const mine = items.filter(item => item.group === group)
      if (!mine.length) continue
      body.append(h('section', { className: 'check-group', dataset: { group } },
        h('h3', { text: t(`fac_check_${group}`) }),
        h('ul', {}, mine.map(item => h('li', { className: 'check-item', dataset: { id: item.id, status: item.status } },
          h('span', { className: `check-status ${item.status}`, text: t(`fac_status_${item.status}`) }),
          h('span', { className: 'check-name', text: item.title || named('fac_check_item_', String(item.id)) }),
          Array.isArray(item.notes) && item.notes.length
            ? h('ul', { className: 'check-notes' }, item.notes.map(note => h('li', { text: String(note) })))
            : null)))))
    }
    if (!items.length) body.append(h('p', { className: 'empty', text: t('fac_check_none') }))
    const sections = preview.sections && typeof preview.sections === 'object' ? Object.entries(preview.sections) : []
    if (sections.length) {
      body.append(h('section', { className: 'check-sections' }, h('h3', { text: t('fac_sections') }),
        h('ul', {}, sections.map(([id, list]) => h('li', { dataset: { section: id } },
          `${sectionTitle(preview, id)}: ${t('fac_items', { n: Array.isArray(list) ? list.length : 0 })}`)))))
    }
    const agreedOnly = Array.isArray(preview.agreed_only) ? preview.agreed_only : []
    if (agreedOnly.length) {
      body.append(h('section', { className: 'check-agreed-only' }, h('h3', { text: t('fac_agreed_only_title') }),
        h('p', { className: 'hint', text: t('fac_agreed_only_intro') }),
        h('ul', {}, agreedOnly.map(zone => h('li', { dataset: { zone: String(zone.zone) } },
          t('fac_agreed_only_zone', { title: String(zone.title), k: Number(zone.agreed), n: Number(zone.notes) }))))))
    }
    const weak = items.filter(item => item.status !== 'fully').length
    body.append(h('p', { className: 'check-summary', text: weak ? t('fac_check_missing', { n: weak }) : t('fac_check_complete') }))
  }

  async function finalize () {
    confirm.disabled = true
    problem.textContent = ''
    try {
      await api(app, 'POST', 'finalize')
      dialog.close()
      app.setFinalized(true)
      fac.refresh()
    } catch (error) {
      if (error.status === 409) { dialog.close(); app.setFinalized(true); fac.refresh(); return }
      problem.textContent = t('fac_failed', { error: error.message })
      confirm.disabled = false
    }
  }

  // --- After finalizing: documents, signatures, a new version ---
  const panel = h('section', { className: 'covenant-panel', attrs: { hidden: true, 'aria-labelledby': 'covenant-heading' } })
  fac.extra.append(panel)
  let built = false
  let signed = null
  let version = null
  let prefill = () => {}
  app.connection.awareness.on('change', () => prefill())

  function buildPanel () {
    clear(panel)
    const links = h('ul', { className: 'covenant-links' }, FORMATS.map(([format, key]) =>
      h('li', {}, h('a', {
        attrs: { href: tokenLink(app, 'covenant', { format }), target: '_blank', rel: 'noopener' },
        dataset: { format },
        text: t(key)
      }))))
    panel.append(h('h2', { attrs: { id: 'covenant-heading' }, text: t('fac_covenant') }), links)
    // Only a partner's own link signs, for its own partner (the server holds to it too).
    if (app.info.party) panel.append(signForm())
    if (fac.isFacilitator) panel.append(versionBlock())
  }

  function signForm () {
    const result = h('p', { className: 'sign-result', attrs: { role: 'status' } })
    if (signed) { result.textContent = t('fac_signed', signed); return h('div', { className: 'sign' }, result) }
    const name = h('input', { attrs: { name: 'name', required: true, maxlength: 100, autocomplete: 'name' } })
    name.value = app.identity.name || ''
    const party = app.info.party
    // On a board opened already finalized, the name may be known only after the join dialog.
    prefill = () => {
      if (!name.value && document.activeElement !== name) name.value = app.identity.name || ''
    }
    const submit = h('button', { className: 'primary', attrs: { type: 'submit' }, text: t('fac_sign_submit') })
    const form = h('form', { className: 'sign' },
      h('h3', { text: t('fac_sign_title') }),
      h('p', { className: 'hint', text: t('fac_sign_intro') }),
      h('label', {}, h('span', { text: t('join_name') }), name),
      h('p', { className: 'sign-party', text: t('fac_sign_for', { org: party.name }) }),
      submit, result)
    form.addEventListener('submit', async event => {
      event.preventDefault()
      if (!name.value.trim()) { name.focus(); return }
      submit.disabled = true
      try {
        const answer = await api(app, 'POST', 'signatures', { name: name.value.trim() })
        signed = { name: answer.name, org: answer.party.name }
        form.replaceWith(signForm())
      } catch (error) {
        // The server's words are English; a refusal people can expect gets a text of our own.
        result.textContent = error.status === 409 ? t('fac_sign_already') : t('fac_failed', { error: error.message })
        submit.disabled = false
      }
    })
    return form
  }

  function versionBlock () {
    const block = h('div', { className: 'new-version' })
    const start = h('button', { className: 'tool', attrs: { type: 'button' }, dataset: { action: 'new-version' }, text: t('fac_new_version') })
    const result = h('div', { attrs: { 'aria-live': 'polite' } })
    start.addEventListener('click', async () => {
      start.disabled = true
      try {
        version = await api(app, 'POST', 'versions')
        showVersion()
      } catch (error) {
        result.textContent = t('fac_failed', { error: error.message })
        start.disabled = false
      }
    })
    const showVersion = () => {
      start.hidden = true
      result.replaceChildren(h('p', { text: t('fac_new_version_made') }), linkList(version.links || {}))
    }
    block.append(h('p', { className: 'hint', text: t('fac_new_version_intro') }), start, result)
    if (version) showVersion()
    return block
  }

  fac.watch(() => {
    finalizeButton.hidden = app.readOnly
    setText(finalizeButton, t('fac_finalize'))
    setText(title, t('fac_finalize_title'))
    setText(intro, t('fac_finalize_intro'))
    setText(cancel, t('fac_cancel'))
    setText(confirm, t('fac_finalize_confirm'))
    panel.hidden = !app.finalized
    if (app.finalized) { buildPanel(); built = true } else if (built) { clear(panel); built = false }
  })
}
