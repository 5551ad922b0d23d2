// Builds the front-end assets into static/dist/ (build output, not committed).
//
//   npm run build --prefix frontend     (from the repository root)
//   npm run build                        (from frontend/)
//
// 1. Compiles frontend/scss/app.scss to static/dist/app.css (compressed).
// 2. Copies GOV.UK Frontend's compiled JavaScript (and its source map, which
//    Django's manifest storage follows) to static/dist/.
// 3. Copies exactly the GOV.UK Frontend assets that app.css refers to into
//    static/dist/assets/, and fails if the CSS refers to a font or to a file
//    that does not exist, so collectstatic never meets a broken url().
//
// All paths are worked out from this file's location, so the cwd does not
// matter.

import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import * as sass from 'sass'

const frontendDir = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(frontendDir, '..')
const nodeModules = path.join(frontendDir, 'node_modules')
const govukDist = path.join(nodeModules, 'govuk-frontend', 'dist', 'govuk')
const outDir = path.join(repoRoot, 'static', 'dist')
const cssFile = path.join(outDir, 'app.css')

const relative = (file) => path.relative(repoRoot, file)

async function buildCss () {
  const result = sass.compile(path.join(frontendDir, 'scss', 'app.scss'), {
    style: 'compressed',
    loadPaths: [nodeModules],
    // Deprecation warnings raised inside govuk-frontend are theirs to fix,
    // not ours: keep the build output readable. Our own code still warns.
    quietDeps: true,
    sourceMap: false
  })
  await writeFile(cssFile, result.css + '\n')
  return result.css
}

// url(...) references in the compiled CSS, as written.
function cssUrls (css) {
  const urls = new Set()
  for (const match of css.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)) {
    urls.add(match[2].trim())
  }
  return [...urls]
}

async function copyReferencedAssets (css) {
  const copied = []
  for (const url of cssUrls(css)) {
    if (/^(data:|https?:|#)/.test(url)) continue
    const cleanUrl = url.split(/[?#]/)[0]
    if (cleanUrl.startsWith('/')) {
      throw new Error(`app.css refers to an absolute path (${url}); use a path relative to the stylesheet`)
    }
    const target = path.resolve(outDir, cleanUrl)
    const inAssets = path.relative(path.join(outDir, 'assets'), target)
    if (inAssets.startsWith('..') || path.isAbsolute(inAssets)) {
      throw new Error(`app.css refers to ${url}, outside static/dist/assets/`)
    }
    if (inAssets.split(path.sep)[0] === 'fonts') {
      throw new Error(`app.css refers to a font file (${url}); GDS Transport is for GOV.UK only`)
    }
    const source = path.join(govukDist, 'assets', inAssets)
    if (!existsSync(source)) {
      throw new Error(`app.css refers to ${url} but govuk-frontend has no ${relative(source)}`)
    }
    await mkdir(path.dirname(target), { recursive: true })
    await copyFile(source, target)
    copied.push(target)
  }
  return copied
}

async function copyJs () {
  const copied = []
  for (const name of ['govuk-frontend.min.js', 'govuk-frontend.min.js.map']) {
    const target = path.join(outDir, name)
    await copyFile(path.join(govukDist, name), target)
    copied.push(target)
  }
  return copied
}

async function main () {
  if (!existsSync(govukDist)) {
    throw new Error('govuk-frontend is not installed: run `npm ci` in frontend/ first')
  }
  // Start clean so files a previous build copied cannot linger.
  await rm(outDir, { recursive: true, force: true })
  await mkdir(outDir, { recursive: true })

  const css = await buildCss()
  const written = [cssFile, ...(await copyJs()), ...(await copyReferencedAssets(css))]
  for (const file of written) console.log(`wrote ${relative(file)}`)
}

main().catch((error) => {
  console.error(error.message ?? error)
  process.exitCode = 1
})
