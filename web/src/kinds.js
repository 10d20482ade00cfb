// The registry of element kinds. A module (built in, or a canvas plugin's own script through
// window.partnerboard.registerKind) tells the renderer how to draw one kind:
//
//   registerKind('stamp', {
//     layer: 'html',                       // 'html' (default) or 'svg' (the arrows layer)
//     create (app, id, ymap) { return node },   // a new DOM/SVG node for the element
//     update (app, node, id, ymap) { },        // bring the node up to date (called on change)
//     dependsOn (ymap) { return [ids] },       // optional: redraw when these elements change
//     label (app, ymap) { return 'text' }      // optional: a text for the outline and for aria
//   })
//
// The renderer positions nothing itself: update() does. Kinds nobody registered are drawn as
// generic boxes, so a board made with a newer canvas still shows everything.

const registry = new Map()

export function registerKind (kind, impl) {
  if (typeof kind !== 'string' || !kind) throw new TypeError('registerKind: kind must be a non-empty string')
  if (!impl || typeof impl.create !== 'function' || typeof impl.update !== 'function') {
    throw new TypeError(`registerKind(${JSON.stringify(kind)}): needs create() and update() functions`)
  }
  registry.set(kind, { layer: 'html', ...impl })
}

export function kindFor (kind) {
  return registry.get(kind) || registry.get('*')
}

export function registeredKinds () {
  return [...registry.keys()].filter(kind => kind !== '*')
}
