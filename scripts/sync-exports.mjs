// Keeps each package's `exports` equal to its public modules: the entry point
// plus one subpath per `export * as X from "./X.ts"` line of src/index.ts (and
// any `extraExports` listed under "wedsync" in package.json). `internal/` is
// never exported. Run `node scripts/sync-exports.mjs` after adding a module;
// `node scripts/sync-exports.mjs --check` fails when a package is out of date.
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs"
import { join } from "node:path"

const check = process.argv.includes("--check")
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
    const exports = { ".": "./src/index.ts" }
    const published = { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } }
    for (const path of subpaths) {
      exports[`./${path}`] = `./src/${path}.ts`
      published[`./${path}`] = { types: `./dist/${path}.d.ts`, default: `./dist/${path}.js` }
    }
    if (
      JSON.stringify(manifest.exports) === JSON.stringify(exports) &&
      JSON.stringify(manifest.publishConfig?.exports) === JSON.stringify(published)
    )
      continue
    if (check) {
      stale.push(manifestPath)
      continue
    }
    manifest.exports = exports
    manifest.publishConfig = { ...manifest.publishConfig, exports: published }
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
    console.log(`exports of ${manifest.name}: ${subpaths.length} modules`)
  }
}
if (stale.length > 0) {
  console.error(`exports out of date (run node scripts/sync-exports.mjs): ${stale.join(", ")}`)
  process.exit(1)
}
