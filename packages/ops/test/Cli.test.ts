/**
 * The CLI against the real admin API (`Admin.layer` over seeded memory
 * stores, served on port 0): JSON on stdout that parses, tables by default,
 * exit codes (401 → 3, 403 → 3, missing → 4, bad flag or duration → 2,
 * unreachable → 5), bulk replay with progress lines or a bar, and the token
 * never in any output.
 */
import { describe, expect, it } from "vitest"
import { OPERATOR_TOKEN, READ_TOKEN, serverForTests } from "./AdminServer.ts"
import { everything, runCli } from "./CliHarness.ts"

const server = serverForTests(() => {
  delete process.env.WEDSYNC_ADMIN_URL
  delete process.env.WEDSYNC_ADMIN_TOKEN
})

const reader = () => ["--url", server().baseUrl, "--token", READ_TOKEN]
const operator = () => ["--url", server().baseUrl, "--token", OPERATOR_TOKEN]

describe("wedsync-integrations over the admin API", () => {
  it("health --json prints one JSON document and exits 0 when ready", async () => {
    const result = await runCli(["health", "--json", ...reader()])
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report.live).toBe("ok")
    expect(report.ready.status).toBe("ready")
    expect(report.providers).toHaveProperty("acrossInstances")
    expect(result.stderr).toBe("")
  })

  it("health prints a human report by default", async () => {
    const result = await runCli(["health", ...reader()])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("ready: ready")
  })

  it("breakers, overrides list, quarantine list, impact and timeline answer JSON", async () => {
    const breakers = await runCli(["breakers", "--json", ...reader()])
    expect(breakers.code).toBe(0)
    expect(Array.isArray(JSON.parse(breakers.stdout))).toBe(true)

    const overrides = await runCli(["overrides", "list", "--json", ...reader()])
    expect(overrides.code).toBe(0)
    expect(JSON.parse(overrides.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ _tag: "ForceCircuit", provider: "resend" })])
    )

    const quarantine = await runCli(["quarantine", "list", "--json", ...reader()])
    expect(quarantine.code).toBe(0)
    const entries = JSON.parse(quarantine.stdout)
    expect(entries[0].provider).toBe("acme")
    const entry = await runCli(["quarantine", "show", entries[0].id, ...reader()])
    expect(entry.code).toBe(0)
    expect(entry.stdout).toContain("SignatureInvalid")

    const impact = await runCli(["impact", "--service", "sms", "--provider", "twilio", "--json", ...reader()])
    expect(impact.code).toBe(0)
    expect(JSON.parse(impact.stdout)).toMatchObject({ service: "sms", provider: "twilio" })

    const timeline = await runCli(["timeline", "booking:b1", "--json", ...reader()])
    expect(timeline.code).toBe(0)
    expect(JSON.parse(timeline.stdout).key).toBe("booking:b1")
  })

  it("dead-letters list and show: JSON, table, and 4 for a missing id", async () => {
    const list = await runCli(["dead-letters", "list", "--provider", "twilio", "--json", ...reader()])
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout).items.map((letter: { id: string }) => letter.id)).toEqual(["dl-old"])

    const table = await runCli(["dead-letters", "list", ...reader()])
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+SERVICE\s+PROVIDER/)

    const shown = await runCli(["dead-letters", "show", "dl-old", "--json", ...reader()])
    expect(JSON.parse(shown.stdout).id).toBe("dl-old")

    const missing = await runCli(["dead-letters", "show", "nope", ...reader()])
    expect(missing.code).toBe(4)
    expect(missing.stdout).toBe("")
    expect(missing.stderr.trim().split("\n")).toHaveLength(1)
  })

  it("exits 3 on a refused token (401) and on a read token mutating (403)", async () => {
    const unknown = await runCli([
      "dead-letters",
      "list",
      "--url",
      server().baseUrl,
      "--token",
      "wrong-token-0123456789"
    ])
    expect(unknown.code).toBe(3)
    expect(unknown.stderr).toContain("401")
    const noToken = await runCli(["overrides", "list", "--url", server().baseUrl])
    expect(noToken.code).toBe(3)
    const forbidden = await runCli(["dead-letters", "replay", "dl-old", "--reason", "test", ...reader()])
    expect(forbidden.code).toBe(3)
    expect(forbidden.stderr).toContain("403")
  })

  it("exits 2 on usage errors and 5 when the API is unreachable", async () => {
    const badFlag = await runCli(["dead-letters", "list", "--bogus", ...reader()])
    expect(badFlag.code).toBe(2)
    expect(badFlag.stdout).toBe("")
    const badDuration = await runCli(["dead-letters", "purge", "--older-than", "soon", "--reason", "x", ...operator()])
    expect(badDuration.code).toBe(2)
    const missingField = await runCli([
      "overrides",
      "set",
      "--kind",
      "force-circuit",
      "--service",
      "sms",
      "--reason",
      "x",
      ...operator()
    ])
    expect(missingField.code).toBe(2)
    expect(missingField.stderr).toContain("--provider")
    const noUrl = await runCli(["health"])
    expect(noUrl.code).toBe(2)
    const unreachable = await runCli(["health", "--json", "--url", "http://127.0.0.1:1", "--token", OPERATOR_TOKEN])
    expect(unreachable.code).toBe(5)
    expect(unreachable.stdout).toBe("")
  })

  it("overrides set and clear with an operator token", async () => {
    const set = await runCli([
      "overrides",
      "set",
      "--kind",
      "disable-integration",
      "--service",
      "sms",
      "--provider",
      "twilio",
      "--expires-in",
      "2 hours",
      "--reason",
      "INC-7",
      "--json",
      ...operator()
    ])
    expect(set.code).toBe(0)
    const override = JSON.parse(set.stdout)
    expect(override).toMatchObject({ _tag: "DisableIntegration", service: "sms", provider: "twilio", reason: "INC-7" })
    const clear = await runCli(["overrides", "clear", override.id, "--reason", "INC-7 over", ...operator()])
    expect(clear.code).toBe(0)
    const again = await runCli(["overrides", "clear", override.id, "--reason", "twice", ...operator()])
    expect(again.code).toBe(4)
  })

  it("replay-all: a dry run counts; a run replays with a progress line per letter", async () => {
    const dry = await runCli([
      "dead-letters",
      "replay-all",
      "--provider",
      "resend",
      "--dry-run",
      "--reason",
      "INC-1",
      "--json",
      ...operator()
    ])
    expect(dry.code).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, matched: 3, replayed: 0 })

    const run = await runCli([
      "dead-letters",
      "replay-all",
      "--provider",
      "resend",
      "--max",
      "2",
      "--reason",
      "INC-1",
      "--json",
      ...operator()
    ])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: false, matched: 2, replayed: 2, failed: [] })
    const lines = run.stderr.trim().split("\n")
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^replay 1\/2 dl-recent-\d Replayed$/)
    expect(lines[1]).toMatch(/^replay 2\/2 dl-recent-\d Replayed$/)
  })

  it("replay-all on a terminal draws a bar on stderr, the summary on stdout", async () => {
    const run = await runCli(
      ["dead-letters", "replay-all", "--provider", "resend", "--reason", "INC-1", ...operator()],
      { tty: true }
    )
    expect(run.code).toBe(0)
    expect(run.stderr).toContain("\rreplay [")
    expect(run.stderr).toContain("] 1/1")
    expect(run.stdout).toContain("replayed 1")
  })

  it("a replay that fails exits 1; purge deletes old letters", async () => {
    const again = await runCli(["dead-letters", "replay", "dl-recent-1", "--reason", "again", ...operator()])
    expect(again.code).toBe(1)
    const purge = await runCli([
      "dead-letters",
      "purge",
      "--older-than",
      "30 days",
      "--reason",
      "cleanup",
      "--json",
      ...operator()
    ])
    expect(purge.code).toBe(0)
    expect(JSON.parse(purge.stdout)).toEqual({ purged: 1 })
  })

  it("never prints a token", () => {
    const output = everything.join("\n")
    expect(output).not.toContain(READ_TOKEN)
    expect(output).not.toContain(OPERATOR_TOKEN)
    expect(output).not.toContain("wrong-token-0123456789")
  })
})
