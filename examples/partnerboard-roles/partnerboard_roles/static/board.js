// Roles and representation in the browser: the seat kind (a representative's card with the
// table's colour band and, for a rotating seat, until when), and the "New seat" tool. Loaded by
// the board page after partnerboard's own script; everything comes from window.partnerboard,
// the browser API for canvas plugins (version 1). No build step: this file is served as is.

const {
  addElementAt, addTexts, addTool, freeSpot, getLanguage, h, noteKind, registerCanvas,
  registerKind, setFields, setText, str, t, textOf, version
} = window.partnerboard

if (version !== 1) console.warn(`roles: written for the browser API version 1, the page has ${version}`)

addTexts({
  nl: {
    new_seat: 'Nieuwe zetel',
    seat_rotates: 'Wisselt',
    seat_until: 'tot {date}',
    seat_label: 'Zetel van {org}: {name}{rotation}',
    seat_rotation: ', wisselt tot {date}',
    seat_rotation_open: ', wisselt (einddatum nog open)'
  },
  en: {
    new_seat: 'New seat',
    seat_rotates: 'Rotates',
    seat_until: 'until {date}',
    seat_label: 'Seat of {org}: {name}{rotation}',
    seat_rotation: ', rotates until {date}',
    seat_rotation_open: ', rotates (no end date yet)'
  }
})

const SEAT_SIZE = { w: 200, h: 110 }

function formatDate (value) {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00`) : null
  return day ? day.toLocaleDateString(getLanguage(), { day: 'numeric', month: 'long', year: 'numeric' }) : value
}

function rotationText (ymap) {
  if (ymap.get('rotates') !== true) return ''
  const until = str(ymap, 'until')
  return until ? t('seat_rotation', { date: formatDate(until) }) : t('seat_rotation_open')
}

// A seat is a note (text: the representative, editable in place) with a rotation control.
const seatKind = {
  ...noteKind,

  create (app, id, ymap) {
    const node = noteKind.create(app, id, ymap)
    node.classList.add('seat')
    node.setAttribute('aria-roledescription', 'seat')
    const toggle = h('button', {
      className: 'seat-rotates overlay-ui',
      attrs: { type: 'button', 'aria-pressed': 'false' },
      on: {
        click: event => {
          event.stopPropagation()
          if (app.readOnly) return
          const element = app.roots.elements.get(id)
          setFields(app.doc, [[id, { rotates: !(element && element.get('rotates') === true) }]])
        }
      }
    })
    const until = h('span', { className: 'seat-until' })
    node.append(h('div', { className: 'seat-rotation' }, toggle, until))
    node.parts.rotates = toggle
    node.parts.until = until
    return node
  },

  update (app, node, id, ymap) {
    noteKind.update(app, node, id, ymap)
    const rotates = ymap.get('rotates') === true
    node.classList.toggle('rotating', rotates)
    setText(node.parts.rotates, `↻ ${t('seat_rotates')}`)
    node.parts.rotates.setAttribute('aria-pressed', rotates ? 'true' : 'false')
    node.parts.rotates.disabled = app.readOnly
    const until = str(ymap, 'until')
    setText(node.parts.until, rotates && until ? t('seat_until', { date: formatDate(until) }) : '')
    node.setAttribute('aria-label', seatKind.label(app, ymap))
  },

  label (_app, ymap) {
    return t('seat_label', { org: str(ymap, 'org') || '?', name: textOf(ymap), rotation: rotationText(ymap) })
  }
}

registerKind('seat', seatKind)

registerCanvas('roles', app => {
  addTool(app, {
    action: 'new-seat',
    label: 'new_seat',
    run: () => {
      if (app.readOnly) return
      const id = addElementAt(app, 'seat', freeSpot(app, SEAT_SIZE), SEAT_SIZE, { color: '#d8ecd2', rotates: false })
      app.editor.open(id)
    }
  })
})
