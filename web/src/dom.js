// Tiny DOM helpers. Every text goes in through textContent: user data never becomes markup.

const SVG_NS = 'http://www.w3.org/2000/svg'

/**
 * Make an HTML element.
 * props: className, text, attrs {name: value}, dataset {key: value}, on {event: handler}.
 */
export function h (tag, props = {}, ...children) {
  return fill(document.createElement(tag), props, children)
}

/** Make an SVG element (attributes through props.attrs). */
export function s (tag, props = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), props, children)
}

function fill (node, props, children) {
  if (props.className) node.setAttribute('class', props.className)
  if (props.text !== undefined) node.textContent = String(props.text)
  for (const [name, value] of Object.entries(props.attrs || {})) {
    if (value === false || value === null || value === undefined) continue
    // style="" would be blocked by the page's CSP anyway: set styles through node.style.
    if (name === 'style') throw new Error('set styles through node.style, not an attribute')
    node.setAttribute(name, value === true ? '' : String(value))
  }
  for (const [key, value] of Object.entries(props.dataset || {})) node.dataset[key] = value
  for (const [event, handler] of Object.entries(props.on || {})) node.addEventListener(event, handler)
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    node.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return node
}

/** Remove all children. */
export function clear (node) {
  while (node.firstChild) node.firstChild.remove()
  return node
}

/** Set textContent only when it changed (cheap on hot paths, keeps selections stable). */
export function setText (node, text) {
  if (node.textContent !== text) node.textContent = text
}

/** True when the event happens inside a text field, where keys belong to the field. */
export function isTyping (target) {
  if (!(target instanceof Element)) return false
  return target.closest('input, textarea, select, [contenteditable="true"]') !== null
}
