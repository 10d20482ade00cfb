// Canvas modules: what a canvas plugin's browser script sets up on a board of its canvas
// (tool buttons, layers such as the ambition line), registered through
// window.partnerboard.registerCanvas(id, install) and run once the board is built.

const installers = new Map()

export function registerCanvas (canvasId, install) {
  if (typeof canvasId !== 'string' || !canvasId) throw new TypeError('registerCanvas: the canvas id must be a non-empty string')
  if (typeof install !== 'function') throw new TypeError(`registerCanvas(${JSON.stringify(canvasId)}): install must be a function`)
  installers.set(canvasId, install)
}

/** Run the board's canvas module, if one registered; a failing one leaves the core board working. */
export function installCanvas (app) {
  const install = installers.get(app.spec.id)
  if (!install) return
  try {
    install(app)
  } catch (error) {
    console.error(`the browser module of canvas ${app.spec.id} failed`, error)
  }
  // Kinds drawn by the canvas follow read-only (their controls are enabled or not).
  app.on('readonly', () => app.renderer.refreshAll())
}
