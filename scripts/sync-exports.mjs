// Keeps each package's `exports` equal to its public modules: the entry point
// plus one subpath per `export * as X from "./X.ts"` line of src/index.ts (and
// any `extraExports` listed under "wedsync" in package.json). `internal/` is
// never exported. Run `node scripts/sync-exports.mjs` after adding a module;
// `node scripts/sync-exports.mjs --check` fails when a package is out of date.
//
// Every publishable (non-private) package also gets what it is packed with:
// `publishConfig.exports` and `publishConfig.bin` pointing at the compiled
// dist/ (pnpm swaps them in at pack time; `bin` in the workspace stays on
// src/*.ts), `files` (dist, src and CHANGELOG.md, never tests), `engines`, and `build` and
// `prepack` scripts that build it and what it references first
// (scripts/build-package.mjs), so a tarball never lacks its dist/.
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs"
import { join } from "node:path"

const check = process.argv.includes("--check")
const publishedFiles = ["dist", "src", "CHANGELOG.md"]
const nodeRange = ">=22.19"
const buildScript = "node ../../scripts/build-package.mjs"
const stale = []
for (const group of ["packages"]) {
  for (const name of readdirSync(group)) {
    const dir = join(group, name)
    const manifestPath = join(dir, "package.json")
    const indexPath = join(dir, "src", "index.ts")
    if (!existsSync(manifestPath) || !existsSync(indexPath)) continue
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"))
    const modules = [...readFileSync(indexPath, "utf8").matchAll(/^export \* as \w+ from "\.\/([\w/]+)\.ts"/gm)].map(
      (match) => match[1]
    )
    const extra = manifest.wedsync?.extraExports ?? []
    const subpaths = [...new Set([...modules, ...extra])].sort()
    const expected = { ...manifest }
    const exports = { ".": "./src/index.ts" }
    const published = { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } }
    for (const path of subpaths) {
      exports[`./${path}`] = `./src/${path}.ts`
      published[`./${path}`] = { types: `./dist/${path}.d.ts`, default: `./dist/${path}.js` }
    }
    const bin = Object.fromEntries(
      Object.entries(manifest.bin ?? {}).map(([name, path]) => [
        name,
        path.replace(/^\.\/src\/(.*)\.ts$/, "./dist/$1.js")
      ])
    )
    expected.exports = exports
    expected.publishConfig = {
      ...manifest.publishConfig,
      exports: published,
      ...(manifest.bin === undefined ? {} : { bin })
    }
    if (manifest.private !== true) {
      expected.files = publishedFiles
      expected.engines = { ...manifest.engines, node: nodeRange }
      expected.scripts = { ...manifest.scripts, build: buildScript, prepack: buildScript }
    }
    const fields = ["exports", "publishConfig", "files", "engines", "scripts"]
    if (fields.every((field) => JSON.stringify(manifest[field]) === JSON.stringify(expected[field]))) continue
    if (check) {
      stale.push(manifestPath)
      continue
    }
    writeFileSync(manifestPath, `${JSON.stringify(expected, null, 2)}\n`)
    console.log(`exports of ${manifest.name}: ${subpaths.length} modules`)
  }
}
if (stale.length > 0) {
  console.error(`exports or publishing fields out of date (run node scripts/sync-exports.mjs): ${stale.join(", ")}`)
  process.exit(1)
}
