// The influence/dependency canvas in the browser, loaded as this plugin's static/board.js:
// partner markers (partner.js), the ambition line (ambition.js), quadrants and axes
// (decorations.js) and the "Add partner" tool. Built by web/tools/build.mjs.
import { addElementAt, addTool, focusNode, freeSpot, registerCanvas } from 'partnerboard'
import { installAmbition } from './ambition.js'
import './decorations.js'
import { PARTNER_SIZE } from './partner.js'
import { pickPartner } from './picker.js'

registerCanvas('influence-dependency', app => {
  app.actions.newPartner = async (at = null) => {
    if (app.readOnly) return null
    const answer = await pickPartner(app)
    if (!answer || app.readOnly) return null
    const fields = { text: answer.name, color: '' }
    if (answer.id) fields.partner = answer.id
    const id = addElementAt(app, 'partner', freeSpot(app, PARTNER_SIZE, at), PARTNER_SIZE, fields)
    focusNode(app, id)
    return id
  }
  addTool(app, { action: 'new-partner', label: 'new_partner', run: () => app.actions.newPartner() })
  installAmbition(app)
})
