// The game-rules canvas in the browser, loaded as this plugin's static/board.js: rules with
// their level (rule.js) and the "New rule" tool. Built by web/tools/build.mjs.
import { addElementAt, addTool, freeSpot, registerCanvas } from 'partnerboard'
import { defaultLevel, RULE_COLOR } from './rule.js'

const RULE_SIZE = { w: 200, h: 120 }

registerCanvas('game-rules', app => {
  app.actions.newRule = (at = null) => {
    if (app.readOnly) return null
    const id = addElementAt(app, 'rule', freeSpot(app, RULE_SIZE, at), RULE_SIZE, { color: RULE_COLOR, level: defaultLevel(app) })
    app.editor.open(id)
    return id
  }
  addTool(app, { action: 'new-rule', label: 'new_rule', run: () => app.actions.newRule() })
})
