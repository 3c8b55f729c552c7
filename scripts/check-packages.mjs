// `pnpm check:packages [dir]`: packs every public package as it would be
// published (scripts/pack-all.mjs, into dir, default .packs/) and checks each
// tarball with publint (--strict: a warning fails like an error; suggestions
// are printed) and @arethetypeswrong/cli with the ESM-only profile (these
// packages are ESM-only, so only require() resolution is not asked for).
// `node scripts/check-packages.mjs a.tgz b.tgz` checks the given tarballs
// without packing. Exits 1 with a summary when any check fails.
import { spawn, spawnSync } from "node:child_process"
import { basename, join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const bin = (name) => join(root, "node_modules", ".bin", name)
const args = process.argv.slice(2)
const started = Date.now()

let tarballs = args.filter((arg) => arg.endsWith(".tgz")).map((arg) => resolve(arg))
if (tarballs.length === 0) {
  const packed = spawnSync(process.execPath, [join(root, "scripts", "pack-all.mjs"), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"]
  })
  if (packed.status !== 0) {
    console.error("check-packages: packing failed")
    process.exit(1)
  }
  tarballs = packed.stdout.split("\n").filter((line) => line.trim() !== "")
}
const packedAt = Date.now()

const run = (command, commandArgs) =>
  new Promise((resolvePromise) => {
    const child = spawn(command, commandArgs, { cwd: root, env: { ...process.env, NO_COLOR: "1" } })
    let output = ""
    child.stdout.on("data", (chunk) => {
      output += chunk
    })
    child.stderr.on("data", (chunk) => {
      output += chunk
    })
    child.on("close", (code) => resolvePromise({ ok: code === 0, output }))
  })

const checks = tarballs.flatMap((tarball) => [
  { tarball, tool: "publint", command: bin("publint"), args: ["run", tarball, "--strict"] },
  {
    tarball,
    tool: "attw",
    command: bin("attw"),
    args: [tarball, "--profile", "esm-only", "--format", "ascii", "--no-emoji", "--no-color"]
  }
])

// Two at a time: CI machines here have two cores.
const results = []
let next = 0
const worker = async () => {
  while (next < checks.length) {
    const check = checks[next++]
    const { ok, output } = await run(check.command, check.args)
    results.push({ ...check, ok, output })
    const suggestions = check.tool === "publint" && /Suggestions?:/i.test(output)
    console.error(
      `${ok ? "ok  " : "FAIL"} ${check.tool} ${basename(check.tarball)}${suggestions ? " (see suggestions)" : ""}`
    )
    if (!ok || suggestions) console.error(output.trimEnd().replace(/^/gm, "    "))
  }
}
await Promise.all([worker(), worker()])

const failed = results.filter((result) => !result.ok)
const seconds = (to, from) => ((to - from) / 1000).toFixed(1)
console.error(
  `check-packages: ${tarballs.length} packages, ${checks.length} checks, ${failed.length} failed ` +
    `(pack ${seconds(packedAt, started)} s, checks ${seconds(Date.now(), packedAt)} s)`
)
if (failed.length > 0) {
  for (const { tool, tarball } of failed) console.error(`  ${tool} failed on ${basename(tarball)}`)
  process.exit(1)
}
