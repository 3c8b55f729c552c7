// `pnpm pack:all [dir]` / `node scripts/pack-all.mjs [dir]`: builds every
// package once from a clean dist/ (so no output of a deleted source file is
// packed), then packs every public package (packages/* and apps/* not marked
// private) into dir (default .packs/) with `pnpm pack`, which swaps in
// publishConfig and turns `workspace:*` into real versions.
//
// Interface (scripts/consumer and scripts/check-packages.mjs rely on it): exit
// code 0 when every package is packed; stdout is exactly one absolute tarball
// path per line; every log goes to stderr.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const destination = resolve(process.argv[2] ?? join(root, ".packs"))

const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], ...options })
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? "")
    console.error(`pack-all: \`${command} ${args.join(" ")}\` failed (exit ${result.status ?? result.signal})`)
    process.exit(1)
  }
  return result.stdout
}

// Every workspace project that is published, in directory order.
const packages = ["packages", "apps"].flatMap((group) =>
  readdirSync(join(root, group))
    .map((name) => join(root, group, name))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
    .filter(({ manifest }) => manifest.private !== true)
)
const started = Date.now()

for (const { dir } of packages) {
  rmSync(join(dir, "dist"), { recursive: true, force: true })
  rmSync(join(dir, ".tsbuildinfo"), { force: true })
}
console.error(`pack-all: building ${packages.length} packages`)
process.stderr.write(run("pnpm", ["--silent", "build"], { cwd: root }))

mkdirSync(destination, { recursive: true })
const tarballs = []
for (const { dir, manifest } of packages) {
  const stale = `${manifest.name.replace(/^@/, "").replace("/", "-")}-`
  for (const file of readdirSync(destination)) {
    if (file.startsWith(stale) && /^\d.*\.tgz$/.test(file.slice(stale.length))) rmSync(join(destination, file))
  }
  const output = run("pnpm", ["pack", "--json", "--pack-destination", destination], { cwd: dir })
  const { filename } = JSON.parse(output.slice(output.indexOf("{")))
  tarballs.push(resolve(destination, filename))
  console.error(`pack-all: ${manifest.name}@${manifest.version}`)
}
console.error(
  `pack-all: ${tarballs.length} tarballs in ${destination} (${((Date.now() - started) / 1000).toFixed(1)} s)`
)
process.stdout.write(`${tarballs.join("\n")}\n`)
