// The browser API for canvas plugins, version 1: what window.partnerboard holds. A canvas
// plugin's static/board.js (the built-in canvases' too) draws its own element kinds and adds
// its tools through it; its modules import these names from 'partnerboard' (web/tools/build.mjs
// maps that to window.partnerboard), so the core and every canvas share one Yjs, one set of
// texts and one kind registry. plugins/README.md documents each name; a name is only ever
// added, and `version` goes up when one changes.

import * as Y from 'yjs'
import { registerDecoration } from './background.js'
import { registerCanvas } from './canvases.js'
import { h, s, setText } from './dom.js'
import { dragHandle } from './drag.js'
import { setMeta } from './facilitation/meta.js'
import { addTexts, getLanguage, onLanguage, pick, t } from './i18n.js'
import { registeredKinds, registerKind } from './kinds.js'
import { edgePoint } from './kinds/arrow.js'
import { noteKind, place } from './kinds/note.js'
import { addElement, applyTextDiff, geometry, LOCAL, setFields, str, textOf, zoneOf } from './model.js'
import { freeSpot } from './placement.js'
import { addElementAt, addTool, focusNode, pointFor } from './tools.js'

export const API_VERSION = 1

export function pluginApi () {
  return {
    version: API_VERSION,
    // Registering what a canvas brings.
    registerKind,
    registeredKinds,
    registerCanvas,
    registerDecoration,
    addTexts,
    // Texts and languages.
    t,
    pick,
    getLanguage,
    onLanguage,
    // DOM and SVG nodes.
    h,
    s,
    setText,
    // The board document.
    Y,
    LOCAL,
    geometry,
    str,
    textOf,
    setFields,
    applyTextDiff,
    addElement,
    zoneOf,
    setMeta,
    // Drawing and adding elements.
    noteKind,
    place,
    edgePoint,
    dragHandle,
    freeSpot,
    pointFor,
    addElementAt,
    addTool,
    focusNode,
    /** The running board (for debugging and benchmarks); null until it has started. */
    board: null
  }
}
