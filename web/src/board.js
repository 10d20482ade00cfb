// Entry point of the board page (/b/{id}?token=…), bundled by esbuild into dist/board.js.
//
// window.partnerboard is the browser API for canvas plugins (plugin_api.js): a canvas's own
// script, loaded after this one, registers its kinds and tools there. The board starts once
// every script of the page has run (DOMContentLoaded), so those registrations are in place.

import './kinds/generic.js'
import './kinds/note.js'
import './kinds/arrow.js'
import { startBoard } from './app.js'
import { pluginApi } from './plugin_api.js'

const api = pluginApi()
window.partnerboard = api

let started = false
function start () {
  if (started) return
  started = true
  const root = document.getElementById('app')
  if (root) startBoard(root).then(board => { api.board = board })
}

// A module script runs while the document is already "interactive", before the scripts after
// it: DOMContentLoaded comes once they have all run ("load" too, should this script have been
// added later).
if (document.readyState === 'complete') start()
else {
  document.addEventListener('DOMContentLoaded', start)
  window.addEventListener('load', start)
}
