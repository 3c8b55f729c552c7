// Builds the package in the current directory and every package its
// tsconfig.build.json references (`tsc -b`): each package's `build` and
// `prepack` script, so `pnpm pack` and `pnpm publish` never pack a missing or
// stale dist/.
//
// The .tsbuildinfo lives at the package root (not in dist/, so it is never
// packed), which means deleting dist/ no longer deletes it, and `tsc -b` would
// then call the project up to date and emit nothing. So before building, a
// project whose published files (publishConfig.exports and publishConfig.bin)
// are not all in dist/ loses its .tsbuildinfo and is built from scratch.
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"

const config = resolve(process.argv[2] ?? "tsconfig.build.json")

const seen = new Set()
const visit = (configPath) => {
  if (seen.has(configPath)) return
  seen.add(configPath)
  const dir = dirname(configPath)
  const tsconfig = JSON.parse(readFileSync(configPath, "utf8"))
  for (const reference of tsconfig.references ?? []) {
    const target = resolve(dir, reference.path)
    visit(target.endsWith(".json") ? target : join(target, "tsconfig.json"))
  }
  const manifestPath = join(dir, "package.json")
  const tsBuildInfoFile = tsconfig.compilerOptions?.tsBuildInfoFile
  if (!existsSync(manifestPath) || tsBuildInfoFile === undefined) return
  const publishConfig = JSON.parse(readFileSync(manifestPath, "utf8")).publishConfig ?? {}
  const published = [
    ...Object.values(publishConfig.exports ?? {}).flatMap((entry) =>
      typeof entry === "string" ? [entry] : Object.values(entry)
    ),
    ...Object.values(publishConfig.bin ?? {})
  ]
  const missing = published.filter((file) => !existsSync(join(dir, file)))
  if (missing.length > 0) {
    console.error(`${dir}: ${missing[0]} is missing, building from scratch`)
    rmSync(join(dir, tsBuildInfoFile), { force: true })
  }
}
visit(config)

const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc")
const result = spawnSync(process.execPath, [tsc, "-b", config], { stdio: "inherit" })
process.exit(result.status ?? 1)
