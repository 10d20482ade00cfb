// Builds the browser code: the core board (src/board.js -> dist/board.js) and the browser
// module of each canvas that has one (../canvases/<name>/web/index.js ->
// ../canvases/<name>/static/board.js, served as that plugin's static file). A canvas module
// imports the page's API as 'partnerboard' (src/plugin_module.js), never the core's files, so
// it gets the same Yjs, texts and registries as the core — as a third-party plugin would.
//
//   node tools/build.mjs           (npm run build)

import { existsSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const canvases = resolve(web, '..', 'canvases')
const common = { bundle: true, format: 'esm', target: 'es2020', minify: true, sourcemap: true, logLevel: 'warning' }

const pluginApi = {
  name: 'partnerboard-api',
  setup (build) {
    build.onResolve({ filter: /^partnerboard$/ }, () => ({ path: join(web, 'src', 'plugin_module.js') }))
  }
}

await esbuild.build({ ...common, entryPoints: [join(web, 'src', 'board.js')], outfile: join(web, 'dist', 'board.js') })

for (const name of existsSync(canvases) ? readdirSync(canvases).sort() : []) {
  const entry = join(canvases, name, 'web', 'index.js')
  if (!existsSync(entry)) continue
  await esbuild.build({
    ...common,
    entryPoints: [entry],
    outfile: join(canvases, name, 'static', 'board.js'),
    plugins: [pluginApi]
  })
}
