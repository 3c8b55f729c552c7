/**
 * Bad input to the playground: an unsupported Node gets one clear line and
 * exit code 2 from `src/start.mjs`, never `Unknown file extension ".ts"` or a
 * stack trace.
 */
import { describe, expect, it } from "vitest"
import { olderNode, runEntry } from "./fixtures/entry.ts"

const REQUIRED: readonly [number, number] = [22, 19]

const refusal = (version: string) => `Node 22.19 or newer is required (this is v${version})\n`

/** A preload that makes the entry see another Node version; the check reads nothing else. */
const pretending = (version: string) => [
  "--import",
  `data:text/javascript,Object.defineProperty(process, "versions", { value: { ...process.versions, node: "${version}" } })`
]

describe("an unsupported Node", () => {
  it("the machine's older Node is told which Node is needed, and the playground exits 2", async (context) => {
    const old = olderNode(REQUIRED)
    context.skip(
      old === undefined,
      "no node older than 22.19 on this machine (looked on PATH, /usr/bin and /usr/local/bin)"
    )
    if (old === undefined) return
    const run = await runEntry({ node: old.path, timeoutMillis: 20_000 })
    expect(run.stderr).toBe(refusal(old.version))
    expect(run.stdout).toBe("")
    expect(run.code).toBe(2)
  })

  it.each(["22.18.3", "22.0.0", "21.99.0", "20.20.2", "18.0.0"])(
    "Node %s is refused with the same line and exit code 2",
    async (version) => {
      const run = await runEntry({ nodeArgs: pretending(version), timeoutMillis: 20_000 })
      expect(run.stderr).toBe(refusal(version))
      expect(run.stdout).toBe("")
      expect(run.code).toBe(2)
    }
  )
})
