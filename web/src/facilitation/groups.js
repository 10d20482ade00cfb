// Group boards. Groups of partners first fill a canvas each; the facilitator then combines their
// boards into one (POST /api/boards/merge with each board's facilitator link). On the combined
// board notes carry their group's label and colour, and the compare panel shows per zone what
// several groups said alike and what only one group said.

import { clear, h, setText } from '../dom.js'
import { pick, t } from '../i18n.js'
import { api, boardToken } from './api.js'
import { linkList } from './covenant.js'

const LINK = /\/b\/([A-Za-z0-9_-]+)\?(?:[^\s#]*&)?token=([A-Za-z0-9_-]+)/

/** {id, token} of each facilitator link in the text (one per line; anything else is reported). */
export function parseLinks (text) {
  const boards = []
  const bad = []
  for (const line of text.split(/\s+/).map(l => l.trim()).filter(Boolean)) {
    const found = LINK.exec(line)
    if (found) boards.push({ id: found[1], token: decodeURIComponent(found[2]) })
    else bad.push(line)
  }
  return { boards, bad }
}

export function installGroups (fac) {
  const { app } = fac

  // --- Combine boards (facilitator) ---
  const mergeButton = fac.button('merge', () => openMerge())
  fac.tools.append(h('div', { className: 'tool-group fac-groups' }, mergeButton))

  const title = h('h2', { attrs: { id: 'merge-title' } })
  const intro = h('p')
  const nameLabel = h('span')
  const name = h('input', { attrs: { name: 'title', required: true, maxlength: 200 } })
  const includeLabel = h('span')
  const include = h('input', { attrs: { type: 'checkbox', name: 'include', checked: true } })
  const linksLabel = h('span')
  const links = h('textarea', { attrs: { name: 'links', rows: 5, spellcheck: 'false' } })
  const hint = h('p', { className: 'hint' })
  const problem = h('p', { className: 'dialog-error', attrs: { role: 'alert' } })
  const result = h('div', { className: 'merge-result', attrs: { 'aria-live': 'polite' } })
  const cancel = h('button', { className: 'tool', attrs: { type: 'button' }, on: { click: () => dialog.close() } })
  const submit = h('button', { className: 'primary', attrs: { type: 'submit' }, dataset: { action: 'merge-submit' } })
  const form = h('form', { className: 'merge-form' }, title, intro,
    h('label', {}, nameLabel, name),
    h('label', { className: 'check' }, include, includeLabel),
    h('label', {}, linksLabel, links), hint, problem, result,
    h('div', { className: 'dialog-actions' }, cancel, submit))
  const dialog = h('dialog', { className: 'fac-dialog merge-dialog', attrs: { 'aria-labelledby': 'merge-title' } }, form)
  document.body.append(dialog)

  function openMerge () {
    problem.textContent = ''
    result.replaceChildren()
    submit.hidden = false
    if (!name.value) name.value = t('fac_merge_default_title', { title: app.info.title })
    dialog.showModal()
    links.focus()
  }

  form.addEventListener('submit', async event => {
    event.preventDefault()
    problem.textContent = ''
    const { boards, bad } = parseLinks(links.value)
    if (include.checked) boards.unshift({ id: app.boardId, token: boardToken() })
    const unique = boards.filter((b, i) => boards.findIndex(o => o.id === b.id) === i)
    if (bad.length) { problem.textContent = t('fac_merge_bad_link', { link: bad[0].slice(0, 80) }); return }
    if (unique.length < 2) { problem.textContent = t('fac_merge_need_two'); return }
    if (!name.value.trim()) { name.focus(); return }
    submit.disabled = true
    try {
      const made = await api(app, 'POST', '/api/boards/merge', { title: name.value.trim(), boards: unique })
      submit.hidden = true
      result.replaceChildren(h('p', { text: t('fac_merge_done', { title: made.title }) }), linkList(made.links || {}))
    } catch (error) {
      problem.textContent = t('fac_failed', { error: error.message })
    } finally {
      submit.disabled = false
    }
  })

  // --- Compare (everyone, on a combined board) ---
  const compareButton = fac.button('compare', () => showCompare(panel.hidden))
  fac.bar.append(compareButton)
  const heading = h('h2', { attrs: { id: 'compare-heading', tabindex: -1 } })
  const compareIntro = h('p', { className: 'panel-intro' })
  const refresh = h('button', { className: 'tool', attrs: { type: 'button' }, dataset: { action: 'compare-refresh' }, on: { click: () => load() } })
  const closeButton = h('button', { className: 'link-button panel-close', attrs: { type: 'button' }, on: { click: () => showCompare(false) } })
  const legend = h('ul', { className: 'group-legend' })
  const content = h('div', { className: 'compare-content' })
  const panel = h('aside', { className: 'fac-panel compare', attrs: { hidden: true, 'aria-labelledby': 'compare-heading' } },
    h('div', { className: 'panel-head' }, heading, closeButton), compareIntro, legend, refresh, content)
  app.root.querySelector('.board-main').append(panel)
  let data = null

  function showCompare (on) {
    panel.hidden = !on
    compareButton.setAttribute('aria-pressed', on ? 'true' : 'false')
    if (on) { load(); heading.focus({ preventScroll: true }) }
  }

  async function load () {
    refresh.disabled = true
    try {
      data = await api(app, 'GET', 'compare')
      renderCompare()
    } catch (error) {
      content.replaceChildren(h('p', { className: 'panel-error', text: t('fac_failed', { error: error.message }) }))
    } finally {
      refresh.disabled = false
    }
  }

  const colorOf = label => (fac.state.groups.find(g => g.title === label) || {}).color || '#5b6573'
  const chip = label => {
    const node = h('span', { className: 'group-chip', text: label || '?' })
    node.style.setProperty('--group', /^#[0-9a-f]{3,8}$/i.test(colorOf(label)) ? colorOf(label) : '#5b6573')
    return node
  }

  function cluster (entry, shared) {
    return h('li', { className: shared ? 'cluster shared' : 'cluster' },
      shared ? h('div', { className: 'cluster-groups' }, (entry.groups || []).map(chip)) : null,
      h('ul', {}, (entry.texts || []).map(text => h('li', { className: 'cluster-text' },
        shared ? null : chip(text.group_label), shared ? h('span', { className: 'cluster-by', text: `${text.group_label}: ` }) : null,
        h('span', { text: text.text })))))
  }

  function renderCompare () {
    if (!data) return
    clear(content)
    const zones = data.zones || []
    for (const zone of zones) {
      const shared = zone.shared || []
      const single = zone.single || []
      content.append(h('section', { className: 'compare-zone', dataset: { zone: zone.zone } },
        h('h3', { text: pick(zone.title) || zone.zone }),
        !shared.length && !single.length ? h('p', { className: 'empty', text: t('none_yet') }) : null,
        shared.length ? h('h4', { text: t('fac_compare_shared') }) : null,
        shared.length ? h('ul', { className: 'clusters shared-list' }, shared.map(c => cluster(c, true))) : null,
        single.length ? h('h4', { text: t('fac_compare_single') }) : null,
        single.length ? h('ul', { className: 'clusters single-list' }, single.map(c => cluster(c, false))) : null))
    }
    if (!zones.length) content.append(h('p', { className: 'empty', text: t('none_yet') }))
  }

  fac.watch(state => {
    mergeButton.hidden = app.readOnly
    setText(mergeButton, t('fac_merge'))
    setText(title, t('fac_merge_title'))
    setText(intro, t('fac_merge_intro'))
    setText(nameLabel, t('fac_merge_name'))
    setText(includeLabel, t('fac_merge_include'))
    setText(linksLabel, t('fac_merge_links'))
    setText(hint, t('fac_merge_hint'))
    setText(cancel, t('fac_close'))
    setText(submit, t('fac_merge_submit'))
    const merged = state.groups.length > 0
    compareButton.hidden = !merged
    setText(compareButton, t('fac_compare'))
    setText(heading, t('fac_compare'))
    setText(compareIntro, t('fac_compare_intro'))
    setText(refresh, t('fac_refresh'))
    setText(closeButton, t('fac_close'))
    legend.replaceChildren(...state.groups.map(g => h('li', {}, chip(String(g.title || '')))))
    if (!merged && !panel.hidden) showCompare(false)
    renderCompare()
  })
}
