// `import { registerKind, h, ... } from 'partnerboard'` in a canvas module resolves here when
// web/tools/build.mjs bundles it: the names of the running page's window.partnerboard
// (plugin_api.js), which the board page sets up before any canvas module runs.

const api = window.partnerboard

export const {
  version, registerKind, registeredKinds, registerCanvas, registerDecoration, addTexts,
  t, pick, getLanguage, onLanguage, h, s, setText, Y, LOCAL, geometry, str, textOf, setFields,
  applyTextDiff, addElement, zoneOf, setMeta, noteKind, place, edgePoint, dragHandle, freeSpot,
  pointFor, addElementAt, addTool, focusNode
} = api
