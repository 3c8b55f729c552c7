/**
 * Dead letters and the audit trail on the stores that need no service: in
 * memory, and SQL on SQLite (in memory and in a file), each running the one
 * shared contract; plus `redact`, the append-only audit table, migrations on
 * restart, and the age-based purge under TestClock.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import * as Audit from "../src/Audit.ts"
import * as DeadLetters from "../src/DeadLetters.ts"
import * as Sqlite from "../src/Sqlite.ts"
import { deadLettersSuite } from "./DeadLettersSuite.ts"
import { letter, operator, recordingReplayer, T } from "./fixtures/deadLetters.ts"

const memory = DeadLetters.layerMemory.pipe(Layer.provideMerge(Audit.layerMemory))
const sql = DeadLetters.layerSql.pipe(Layer.provideMerge(Audit.layerSql))

deadLettersSuite("memory", memory)
deadLettersSuite("SQLite", sql.pipe(Layer.provide(Sqlite.layerMemory)))

describe("DeadLetters.redact", () => {
  it("replaces Redacted values and values under secret keys, nested and in arrays", () => {
    const payload = {
      to: "ana@example.com",
      apiKey: "re_123",
      auth: Redacted.make("Bearer x"),
      headers: { Authorization: "Bearer y", "x-api-key": "k", accept: "json" },
      card: { number: "4242" },
      recipients: [{ email: "bo@example.com", accessToken: "t" }, Redacted.make("s"), "plain"],
      user: { name: "Ana", password: "hunter2", client_secret: "cs" }
    }
    assert.deepStrictEqual(DeadLetters.redact(payload), {
      to: "ana@example.com",
      apiKey: "<redacted>",
      auth: "<redacted>",
      headers: { Authorization: "<redacted>", "x-api-key": "<redacted>", accept: "json" },
      card: "<redacted>",
      recipients: [{ email: "bo@example.com", accessToken: "<redacted>" }, "<redacted>", "plain"],
      user: { name: "Ana", password: "<redacted>", client_secret: "<redacted>" }
    })
    assert.strictEqual(payload.apiKey, "re_123")
  })

  it("turns what JSON cannot hold into JSON data", () => {
    const circular: Record<string, unknown> = { name: "loop" }
    circular.self = circular
    assert.deepStrictEqual(
      DeadLetters.redact({ when: new Date(0), big: 10n, fn: () => 1, tags: new Set(["a"]), circular }),
      { when: "1970-01-01T00:00:00.000Z", big: "10", tags: ["a"], circular: { name: "loop", self: "<circular>" } }
    )
    assert.strictEqual(DeadLetters.redact(Redacted.make("top")), "<redacted>")
    assert.strictEqual(DeadLetters.redact(42), 42)
  })

  it("is idempotent and leaves no secret key holding a value", () => {
    const key = fc.oneof(fc.constantFrom("token", "password", "apiKey", "cardNumber", "name", "to"), fc.string())
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.jsonValue({ maxDepth: 1 }),
        fc.array(tie("node"), { maxLength: 3 }),
        fc.dictionary(key, tie("node"), { maxKeys: 4 })
      )
    })).node
    const secretKeys = (data: unknown): boolean =>
      Array.isArray(data)
        ? data.every(secretKeys)
        : data !== null && typeof data === "object"
          ? Object.entries(data).every(([k, v]) =>
              /token|password|apikey|card/i.test(k) ? v === "<redacted>" : secretKeys(v)
            )
          : true
    fc.assert(
      fc.property(value, (data) => {
        const once = DeadLetters.redact(data)
        assert.deepStrictEqual(DeadLetters.redact(once), once)
        assert.isTrue(secretKeys(once))
      })
    )
  })
})

describe("DeadLetters on memory under TestClock", () => {
  it.effect("purgeOlderThan follows the clock", () =>
    Effect.gen(function* () {
      const store = yield* DeadLetters.DeadLetters
      yield* TestClock.setTime(1_000_000_000_000)
      yield* store.add(letter("first", 1_000_000_000_000))
      yield* TestClock.adjust("1 hour")
      yield* store.add(letter("second", 1_000_000_000_000 + 3_600_000))
      yield* TestClock.adjust("30 minutes")
      assert.strictEqual(yield* store.purgeOlderThan("1 hour", operator), 1)
      assert.strictEqual(yield* store.purgeOlderThan("1 hour", operator), 0)
      yield* TestClock.adjust("31 minutes")
      assert.strictEqual(yield* store.purgeOlderThan("1 hour", operator), 1)
      const entries = yield* Effect.flatMap(Effect.service(Audit.Audit), (audit) => audit.list({}))
      assert.deepStrictEqual(
        entries.map((entry) => entry.at),
        [1_000_000_000_000 + 121 * 60_000, 1_000_000_000_000 + 90 * 60_000, 1_000_000_000_000 + 90 * 60_000]
      )
    }).pipe(Effect.provide(memory.pipe(Layer.provideMerge(recordingReplayer))))
  )
})

describe("SQL stores on SQLite", () => {
  it.live("the audit table is append-only", () =>
    Effect.gen(function* () {
      const audit = yield* Audit.Audit
      yield* audit.record({ actor: "ana", action: "overrides.set", target: "email/resend", reason: "r" })
      const db = yield* SqlClient.SqlClient
      const update = yield* Effect.exit(db`UPDATE wedsync_audit SET actor = 'mallory'`)
      const remove = yield* Effect.exit(db`DELETE FROM wedsync_audit`)
      assert.isTrue(update._tag === "Failure" && remove._tag === "Failure")
      assert.deepStrictEqual(
        (yield* audit.list({})).map((entry) => entry.actor),
        ["ana"]
      )
    }).pipe(Effect.provide(Audit.layerSql.pipe(Layer.provideMerge(Sqlite.layerMemory))))
  )

  it.live("migrations run once; letters and audit entries survive a restart", () => {
    const dir = mkdtempSync(join(tmpdir(), "wedsync-dead-letters-"))
    const file = sql.pipe(
      Layer.provideMerge(recordingReplayer),
      Layer.provideMerge(Sqlite.layer({ filename: join(dir, "wedsync.db") }))
    )
    return Effect.gen(function* () {
      yield* Effect.provide(
        Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (store) => store.add(letter("kept", T))),
        file
      )
      const [kept, entries, migrations] = yield* Effect.provide(
        Effect.gen(function* () {
          const store = yield* DeadLetters.DeadLetters
          const db = yield* SqlClient.SqlClient
          return [
            yield* store.get("kept", operator),
            yield* Effect.flatMap(Effect.service(Audit.Audit), (audit) => audit.list({})),
            yield* db<{ readonly n: number }>`SELECT COUNT(*) AS n FROM wedsync_dead_letters_migrations`
          ] as const
        }),
        file
      )
      assert.strictEqual(kept.id, "kept")
      assert.strictEqual(entries.length, 1)
      assert.strictEqual(Number(migrations[0]?.n), 1)
    }).pipe(Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true }))))
  })
})
