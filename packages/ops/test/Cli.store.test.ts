/**
 * The CLI with `--store sqlite:<file>`: the same commands on the stores in
 * this process, against a real SQLite file holding a dead letter written by
 * durable's own `DeadLetters.layerSql`; replay goes through the outbox's
 * queue in that file; commands that need the running service exit 2 naming
 * `--url`; a missing file exits 5.
 */
import { Audit, DeadLetters, Sqlite } from "@wedsync/durable"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deadLetter } from "./AdminServer.ts"
import { runCli } from "./CliHarness.ts"

const DAY = 86_400_000
let directory: string
let store: string

const noReplay = Layer.succeed(DeadLetters.Replayer, DeadLetters.Replayer.of({ replay: () => Effect.void }))

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "wedsync-cli-"))
  const filename = join(directory, "wedsync.db")
  store = `sqlite:${filename}`
  const now = Date.now()
  const letter = (id: string, deadAt: number) =>
    deadLetter({
      id,
      service: "sms",
      provider: "twilio",
      deadAt,
      operation: "reminder.sms",
      payload: { to: "+447700900000" }
    })
  await Effect.runPromise(
    Effect.gen(function* () {
      const letters = yield* DeadLetters.DeadLetters
      yield* letters.add(letter("dl-sms-1", now - DAY))
      yield* letters.add(letter("dl-sms-old", now - 60 * DAY))
    }).pipe(
      Effect.provide(
        DeadLetters.layerSql.pipe(Layer.provide([Audit.layerSql, noReplay]), Layer.provide(Sqlite.layer({ filename })))
      )
    )
  )
}, 30_000)
afterAll(() => {
  rmSync(directory, { recursive: true, force: true })
})

describe("wedsync-integrations --store sqlite:", () => {
  it("lists and shows dead letters as JSON; a missing id exits 4", async () => {
    const list = await runCli(["dead-letters", "list", "--store", store, "--json"])
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout).items.map((letter: { id: string }) => letter.id)).toEqual(["dl-sms-1", "dl-sms-old"])
    const shown = await runCli(["dead-letters", "show", "dl-sms-1", "--store", store, "--json"])
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: "dl-sms-1", status: "dead", payload: { to: "+447700900000" } })
    const missing = await runCli(["dead-letters", "show", "nope", "--store", store])
    expect(missing.code).toBe(4)
  })

  it("replays one letter onto the outbox queue, and a second replay exits 1", async () => {
    const replay = await runCli([
      "dead-letters",
      "replay",
      "dl-sms-1",
      "--reason",
      "twilio is back",
      "--store",
      store,
      "--json"
    ])
    expect(replay.code).toBe(0)
    expect(JSON.parse(replay.stdout)).toEqual({ id: "dl-sms-1", outcome: "Replayed" })
    const after = await runCli(["dead-letters", "show", "dl-sms-1", "--store", store, "--json"])
    expect(JSON.parse(after.stdout).status).toBe("replayed")
    const again = await runCli(["dead-letters", "replay", "dl-sms-1", "--reason", "again", "--store", store])
    expect(again.code).toBe(1)
  })

  it("replay-all --dry-run counts; purge --older-than deletes the old letter", async () => {
    const dry = await runCli([
      "dead-letters",
      "replay-all",
      "--service",
      "sms",
      "--dry-run",
      "--reason",
      "x",
      "--store",
      store,
      "--json"
    ])
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, matched: 1, ids: ["dl-sms-old"] })
    const purge = await runCli([
      "dead-letters",
      "purge",
      "--older-than",
      "30 days",
      "--reason",
      "cleanup",
      "--store",
      store,
      "--json"
    ])
    expect(purge.code).toBe(0)
    expect(JSON.parse(purge.stdout)).toEqual({ purged: 1 })
  })

  it("reads the quarantine, overrides, breakers and health from the store", async () => {
    for (const argv of [["quarantine", "list"], ["overrides", "list"], ["breakers"]]) {
      const result = await runCli([...argv, "--store", store, "--json"])
      expect(result.code, argv.join(" ")).toBe(0)
      expect(JSON.parse(result.stdout)).toEqual([])
    }
    const health = await runCli(["health", "--store", store, "--json"])
    expect(health.code).toBe(0)
    expect(JSON.parse(health.stdout).ready.status).toBe("ready")
  })

  it("assesses impact from the store, and put the replayed job on the outbox queue", async () => {
    const impact = await runCli(["impact", "--service", "sms", "--store", store, "--json"])
    expect(impact.code).toBe(0)
    expect(JSON.parse(impact.stdout)).toMatchObject({ service: "sms", affected: [] })
    const queued = await Effect.runPromise(
      Effect.flatMap(
        Effect.service(SqlClient.SqlClient),
        (sql) => sql<{ readonly n: number }>`SELECT count(*) AS n FROM wedsync_queue`
      ).pipe(Effect.provide(Sqlite.layer({ filename: store.slice("sqlite:".length) })))
    )
    expect(queued[0]?.n).toBe(1)
  })

  it("exits 2 for commands that need the API, 5 for a missing database, 2 for a bad --store", async () => {
    const timeline = await runCli(["timeline", "booking:b1", "--store", store])
    expect(timeline.code).toBe(2)
    expect(timeline.stderr).toContain("--url")
    const missing = await runCli(["dead-letters", "list", "--store", `sqlite:${join(directory, "nope.db")}`])
    expect(missing.code).toBe(5)
    const bad = await runCli(["dead-letters", "list", "--store", "mysql://x"])
    expect(bad.code).toBe(2)
  })
})
