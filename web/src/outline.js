// The outline: every note as plain text, grouped per zone in the order of the steps, parked
// notes apart. It is real DOM text, so screen readers and find-in-page can read the board, and
// each entry has a button that shows the note on the canvas. Its search box narrows the list
// to the notes that match (text or organisation, ignoring case and accents), marks them on the
// board, and Enter jumps from one hit to the next.

import { commentList } from './comments.js'
import { clear, h } from './dom.js'
import { kindFor } from './kinds.js'
import { onLanguage, pick, t } from './i18n.js'
import { geometry, kindsWith, orgLabel, str, textOf, zoneOf } from './model.js'


/** Text for matching: lower case, without accents ("Café" finds "cafe" and the other way). */
function folded (text) {
  return String(text).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
}

export class Outline {
  constructor (app) {
    this.app = app
    this.visible = false
    this.heading = h('h2', { attrs: { id: 'outline-heading', tabindex: -1 } })
    this.intro = h('p', { className: 'outline-intro' })
    this.content = h('div', { className: 'outline-content' })
    this.query = ''
    this.hits = []
    this.hitIndex = -1
    this.searchLabel = h('span')
    this.search = h('input', {
      className: 'outline-search',
      attrs: { type: 'search', autocomplete: 'off', spellcheck: 'false' },
      on: {
        input: () => { this.query = this.search.value; this.hitIndex = -1; this.render() },
        keydown: event => {
          if (event.key === 'Enter') { event.preventDefault(); this.nextHit(event.shiftKey ? -1 : 1) }
        }
      }
    })
    this.found = h('p', { className: 'outline-found', attrs: { role: 'status', 'aria-live': 'polite' } })
    this.panel = h('aside', {
      className: 'outline',
      attrs: { hidden: true, 'aria-labelledby': 'outline-heading' }
    }, this.heading, this.intro,
    h('label', { className: 'outline-search-label' }, this.searchLabel, this.search), this.found,
    this.content)
    this._timer = 0
    app.roots.elements.observeDeep(() => this.schedule())
    onLanguage(() => this.schedule())
  }

  toggle (show = !this.visible) {
    this.visible = show
    this.panel.hidden = !show
    if (!show) { this.hits = []; this.markHits() }
    this.app.emit('outline', show)
    if (show) {
      this.render()
      this.heading.focus({ preventScroll: true })
    }
  }

  /** Open the outline with the keyboard in its search box. */
  startSearch () {
    if (!this.visible) this.toggle(true)
    this.search.focus()
    this.search.select()
  }

  nextHit (step = 1) {
    if (!this.hits.length) return
    this.hitIndex = (this.hitIndex + step + this.hits.length) % this.hits.length
    const id = this.hits[this.hitIndex]
    this.app.actions.focusElement(id)
    this.search.focus({ preventScroll: true })
    this.found.textContent = t('search_hit', { k: this.hitIndex + 1, n: this.hits.length })
  }

  matches (entry, words) {
    if (!words.length) return true
    const impl = kindFor(str(entry.ymap, 'kind'))
    const text = `${impl.label ? impl.label(this.app, entry.ymap) : textOf(entry.ymap)} ${orgLabel(entry.ymap, t)}`
    const plain = folded(text)
    return words.every(word => plain.includes(word))
  }

  markHits () {
    const hits = new Set(this.hits)
    for (const [id, { node }] of this.app.renderer.nodes) node.classList.toggle('search-hit', hits.has(id))
  }

  schedule () {
    if (!this.visible || this._timer) return
    this._timer = setTimeout(() => { this._timer = 0; this.render() }, 150)
  }

  /** Zones in the order the group works through them: the steps first, then the rest. */
  orderedZones () {
    const zones = (this.app.spec.zones || []).filter(zone => !zone.parking)
    const steps = this.app.spec.steps || []
    const rank = zone => { const i = steps.indexOf(zone.id); return i === -1 ? steps.length : i }
    return zones.map((zone, i) => [zone, i]).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([zone]) => zone)
  }

  render () {
    const app = this.app
    this.heading.textContent = t('outline_title')
    this.intro.textContent = t('outline_intro')
    this.searchLabel.textContent = t('search')
    this.search.placeholder = t('search_placeholder')
    const words = folded(this.query).split(/\s+/).filter(Boolean)
    const groups = new Map()
    const parked = []
    const hits = []
    app.roots.elements.forEach((ymap, id) => {
      if (typeof ymap.get !== 'function' || ['arrow', 'comment'].includes(ymap.get('kind'))) return
      if (!this.matches({ ymap }, words)) return
      if (words.length) hits.push(id)
      const g = geometry(ymap)
      const zone = zoneOf(app.spec.zones || [], g)
      const entry = { id, ymap, g }
      if (!zone || zone.parking) parked.push(entry)
      else {
        if (!groups.has(zone.id)) groups.set(zone.id, [])
        groups.get(zone.id).push(entry)
      }
    })
    clear(this.content)
    for (const zone of this.orderedZones()) {
      this.content.append(this.section(`outline-${zone.id}`, pick(zone.title), groups.get(zone.id) || [], zone.id))
    }
    this.content.append(this.section('outline-parked', t('parked'), parked, 'parked'))
    this.hits = hits
    this.found.textContent = words.length ? t('search_found', { n: hits.length }) : ''
    this.markHits()
  }

  section (id, title, entries, zoneId) {
    entries.sort((a, b) => a.g.y - b.g.y || a.g.x - b.g.x)
    // The covenant's rule: once a note in a zone is marked agreed, only agreed notes count there.
    const kinds = kindsWith(this.app.spec, 'markable')
    const markable = entries.filter(entry => kinds.has(str(entry.ymap, 'kind')))
    const agreed = markable.filter(entry => str(entry.ymap, 'status') === 'agreed')
    const agreedOnly = zoneId !== 'parked' && agreed.length > 0
    const list = entries.length
      ? h('ul', {}, entries.map(entry => this.item(entry, agreedOnly && markable.includes(entry) && !agreed.includes(entry))))
      : h('p', { className: 'outline-none', text: t('none_yet') })
    const rule = agreedOnly
      ? h('p', { className: 'outline-agreed-only', attrs: { role: 'note' }, text: t('agreed_only', { k: agreed.length, n: markable.length }) })
      : null
    return h('section', { className: 'outline-zone', dataset: { zone: zoneId }, attrs: { 'aria-labelledby': id } },
      h('h3', { attrs: { id }, text: `${title} (${entries.length})` }), rule, list)
  }

  item ({ id, ymap }, notCounted = false) {
    const app = this.app
    const kind = str(ymap, 'kind')
    const impl = kindFor(kind)
    const text = impl.label ? impl.label(app, ymap) : textOf(ymap)
    // In the facilitator's anonymous mode, ideas are listed without their sender too.
    const org = app.root.classList.contains('pb-anonymous') ? '' : orgLabel(ymap, t)
    const details = []
    if (org) details.push(org)
    if (str(ymap, 'owner')) details.push(`${t('owner')}: ${str(ymap, 'owner')}`)
    if (str(ymap, 'due')) details.push(`${t('due')}: ${str(ymap, 'due')}`)
    if (notCounted) details.push(t('not_counted'))
    const comments = (app.comments && app.comments().get(id)) || []
    const item = h('li', { className: 'outline-item', dataset: { id, counted: notCounted ? 'false' : 'true' } },
      h('span', { className: 'outline-text', text: text || '…' }),
      details.length ? h('span', { className: 'outline-meta', text: ` — ${details.join(' · ')}` }) : null,
      h('button', {
        className: 'link-button',
        attrs: { type: 'button', 'aria-label': `${t('show_on_board')}: ${(text || '').slice(0, 60)}` },
        text: t('show_on_board'),
        on: { click: () => app.actions.focusElement(id) }
      }),
      comments.length ? commentList(comments) : null)
    item.style.setProperty('--org', app.colorOf(org))
    return item
  }
}
