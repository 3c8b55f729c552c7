#!/usr/bin/env node
/**
 * `pnpm --filter @wedsync/testkit sim`: starts every provider simulator and the
 * control endpoint, prints their base URLs, and runs until interrupted.
 * Flags: `--seed N`, `--control-port N`, `--webhook-url URL`,
 * `--body-limit BYTES`, `--help`; a bad flag or a port in use is one line and
 * exit code 2.
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

const { main } = await import("../internal/simCommand.ts")
process.exitCode = await main(process.argv.slice(2))
