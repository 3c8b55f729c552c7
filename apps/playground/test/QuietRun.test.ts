/**
 * A newcomer's first `pnpm playground`: its heading is the first thing it
 * prints, no engine log line or warning comes before or after it, and stderr
 * stays empty (no DEP0187 from the Vonage SDK, no SQLite ExperimentalWarning).
 */
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { runEntry } from "./fixtures/entry.ts"

const HEADING =
  "WedSync playground, offline: the real Resend, Postmark, Twilio, Vonage, Stripe and Google Calendar SDKs against local simulators"

// An Effect logger line, e.g. "[07:36:05.123] INFO (#2): notification: sms failed (Unavailable)".
const LOG_LINE = /^\[\d{2}:\d{2}:\d{2}(\.\d+)?\] [A-Z]+ /m

const warnOnFirstOutput = fileURLToPath(new URL("./fixtures/warnOnFirstOutput.mjs", import.meta.url))

describe("a quiet first run", () => {
  it("prints its heading first, then only its own account, and nothing on stderr", async () => {
    const run = await runEntry()
    expect(run.stderr).not.toMatch(/Warning/)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(run.stdout.split("\n")[0]).toBe(HEADING)
    expect(run.stdout).not.toMatch(LOG_LINE)
    expect(run.stdout).toMatch(/^Reconciliation: /m)
  }, 60_000)

  it("drops only SQLite's ExperimentalWarning (Node 22 prints it); any other warning still shows", async () => {
    const run = await runEntry({ nodeArgs: ["--import", warnOnFirstOutput] })
    expect(run.code).toBe(0)
    expect(run.stderr).not.toMatch(/SQLite/)
    expect(run.stderr).toMatch(/ExperimentalWarning: WASI is an experimental feature/)
  }, 60_000)
})
