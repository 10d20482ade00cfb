// Entry point of the board page (/b/{id}?token=…), bundled by esbuild into dist/board.js.
//
// window.partnerboard.registerKind lets a canvas plugin's own script draw its element kinds
// (see kinds.js); window.partnerboard.board is the running board, for debugging and benchmarks.

import './kinds/generic.js'
import './kinds/note.js'
import './kinds/arrow.js'
import './kinds/partner.js'
import './kinds/rule.js'
import './kinds/score.js'
import { registerKind, registeredKinds } from './kinds.js'
import { startBoard } from './app.js'

const api = { registerKind, registeredKinds, board: null }
window.partnerboard = api

const root = document.getElementById('app')
if (root) {
  startBoard(root).then(board => { api.board = board })
}
