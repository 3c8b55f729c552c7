#!/usr/bin/env node
/**
 * `wedsync-integrations`: the operators' command line (see `Cli.ts`). Exit
 * codes: 0 ok, 1 the operation failed, 2 usage or bad input, 3 unauthorized
 * or forbidden, 4 not found, 5 the API or store unreachable or not ready.
 *
 * The Node check comes first and this file imports nothing statically, so an
 * older Node says which version is needed instead of failing on what the
 * rest of the command uses.
 */
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(`Node 22.19 or newer is required (this is ${process.version})`)
  process.exit(2)
}

const [{ NodeServices }, { Effect }, Cli] = await Promise.all([
  import("@effect/platform-node"),
  import("effect"),
  import("../Cli.ts")
])
process.exitCode = await Effect.runPromise(Cli.run(process.argv.slice(2)).pipe(Effect.provide(NodeServices.layer)))
