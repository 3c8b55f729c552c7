#!/usr/bin/env node
/**
 * `pnpm --filter @wedsync/testkit sim`: starts every provider simulator and the
 * control endpoint, prints their base URLs, and runs until interrupted.
 *
 * Flags: `--seed N`, `--control-port N`, `--webhook-url URL`.
 */
import { parseArgs } from "node:util"
import * as SimulatorHub from "../SimulatorHub.ts"

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    "control-port": { type: "string", default: "4010" },
    "webhook-url": { type: "string" }
  }
})

const seed = Number(values.seed)
const controlPort = Number(values["control-port"])
if (!Number.isInteger(seed) || !Number.isInteger(controlPort)) {
  console.error("--seed and --control-port take integers")
  process.exit(2)
}

const hub = await SimulatorHub.start({
  seed,
  controlPort,
  ...(values["webhook-url"] === undefined ? {} : { webhookUrl: values["webhook-url"] })
})

console.log("WedSync provider simulators (offline, seed %d)", seed)
for (const [name, url] of Object.entries(hub.urls)) console.log(`  ${name.padEnd(15)} ${url}`)
console.log(`  ${"control".padEnd(15)} ${hub.controlUrl}   (GET / lists operations and error names)`)
console.log("Press Ctrl+C to stop.")

const stop = () => {
  hub.stop().then(() => process.exit(0))
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
