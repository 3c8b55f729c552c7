// Runs dependency-cruiser's CLI (same arguments, same output, same exit code)
// with scripts/depcruise-typescript.mjs standing in for the "typescript"
// package, because dependency-cruiser cannot read .ts files with TypeScript 7.0
// (see that file for why and how).
//
//   node scripts/depcruise.mjs --config .dependency-cruiser.cjs packages apps
//
// Once a TypeScript with a compiler API dependency-cruiser supports (>=7.1) is
// installed, this wrapper can go: call `depcruise` directly and set
// `parser: "tsc"` in .dependency-cruiser.cjs.
import { registerHooks } from "node:module"

const shimUrl = new URL("./depcruise-typescript.mjs", import.meta.url).href
// served by the load hook below: dependency-cruiser reads the version from here
const shimManifestUrl = new URL("./depcruise-typescript.package.json", import.meta.url).href
const depcruiseMain = import.meta.resolve("dependency-cruiser")
const depcruiseRoot = new URL("../../", depcruiseMain).href

const shim = await import(shimUrl)

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (context.parentURL?.startsWith(depcruiseRoot)) {
      if (specifier === "typescript") return { url: shimUrl, format: "module", shortCircuit: true }
      if (specifier === "typescript/package.json") return { url: shimManifestUrl, format: "json", shortCircuit: true }
    }
    return nextResolve(specifier, context)
  },
  load(url, context, nextLoad) {
    if (url === shimManifestUrl) {
      const manifest = { name: "typescript", version: shim.default.version }
      return { format: "json", source: JSON.stringify(manifest), shortCircuit: true }
    }
    return nextLoad(url, context)
  }
})

// the stripper is marked experimental: keep its one-line warning out of the report
const emitWarning = process.emitWarning
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === "string" ? warning : warning?.message
  if (text?.includes("stripTypeScriptTypes")) return
  emitWarning.call(process, warning, ...rest)
}

const args = process.argv.slice(2)
process.argv = [process.argv[0], new URL("bin/dependency-cruiser.mjs", depcruiseRoot).pathname, ...args]
await import(new URL("bin/dependency-cruiser.mjs", depcruiseRoot).href)

// a cruise over files that read none of them as TypeScript has checked nothing
const cruised =
  args.some((arg) => !arg.startsWith("-")) && !args.some((arg) => ["-i", "--info", "--init"].includes(arg))
if (cruised && shim.stats.files === 0) {
  process.stderr.write(
    "\ndependency check: no TypeScript file was read through scripts/depcruise-typescript.mjs, " +
      "so dependency-cruiser skipped every .ts file; is it still loading 'typescript' the way scripts/depcruise.mjs expects?\n"
  )
  process.exitCode ||= 1
}
