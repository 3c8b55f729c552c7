/**
 * What each store keeps of a secret, store by store (SQLite, and memory where
 * there is one): a completed queue row keeps its id and no element; a row the
 * queue itself gives up on keeps its element and failure redacted; a dead
 * letter's error messages and an audit entry's reason, target and details are
 * scrubbed by value. The whole path through the outbox is SecretsBadInput.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schedule, Schema } from "effect"
import { PersistedQueue } from "effect/persistence"
import { SqlClient } from "effect/sql"
import * as Audit from "../src/Audit.ts"
import * as DeadLetters from "../src/DeadLetters.ts"
import * as QueueStore from "../src/QueueStore.ts"
import * as Sqlite from "../src/Sqlite.ts"
import { letter, operator, recordingReplayer, T } from "./fixtures/deadLetters.ts"

const bearer = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEifQ.c2lnbmF0dXJlLWJ5dGVz"
const stripe = "sk_live_51HxYzQ7abcdefghijklmnop"
const dsn = "postgres://app:Tr0ub4dor&3@db.internal:5432/wedsync"
const secrets = ["eyJhbGciOiJIUzI1NiJ9", stripe, "Tr0ub4dor&3"]

const queues = QueueStore.layerSql({ pollInterval: "10 millis" }).pipe(Layer.provideMerge(Sqlite.layerMemory))

interface Row {
  readonly id: string
  readonly state: string
  readonly element: string
  readonly last_failure: string | null
}
const rows = Effect.flatMap(
  Effect.service(SqlClient.SqlClient),
  (sql) => sql<Row>`SELECT id, state, element, last_failure FROM wedsync_queue ORDER BY sequence`
)
const eventually = <A, E, R>(check: Effect.Effect<A | undefined, E, R>) =>
  check.pipe(
    Effect.flatMap((value) => (value === undefined ? Effect.fail("not yet" as const) : Effect.succeed(value))),
    Effect.retry({ schedule: Schedule.spaced("5 millis"), times: 1_000 }),
    Effect.orDie
  )
const assertNoSecret = (text: string, where: string) => {
  for (const secret of secrets) assert.notInclude(text, secret, where)
}

describe("QueueStore.layerSql on SQLite", () => {
  it.live("a completed row keeps its id and no element; the id offered again is still ignored", () =>
    Effect.gen(function* () {
      const queue = yield* PersistedQueue.make({ name: "secrets", schema: Schema.Unknown })
      yield* queue.offer({ to: "ana@example.com", apiKey: stripe }, { id: "job_1" })
      assert.include((yield* rows)[0]?.element, stripe)
      yield* queue.take(() => Effect.void)
      yield* eventually(Effect.map(rows, ([row]) => (row?.state === "completed" ? row : undefined)))
      assert.deepStrictEqual(
        (yield* rows).map((row) => [row.id, row.element]),
        [["job_1", "null"]]
      )
      yield* queue.offer({ again: true }, { id: "job_1" })
      assert.lengthOf(yield* rows, 1)
    }).pipe(Effect.scoped, Effect.provide(Layer.provideMerge(PersistedQueue.layer, queues)))
  )

  it.live("a row that runs out of attempts keeps its element and its failure redacted", () =>
    Effect.gen(function* () {
      const queue = yield* PersistedQueue.make({ name: "secrets", schema: Schema.Unknown, maxAttempts: 1 })
      const element = { to: "ana@example.com", apiKey: stripe, note: `sent with ${bearer}`, dsn }
      yield* queue.offer(element, { id: "job_2" })
      const failed = yield* Effect.flip(
        queue.take((value) => Effect.fail(new Error(`could not send ${JSON.stringify(value)}`)))
      )
      assert.include(String(failed), stripe)
      const [row] = yield* eventually(Effect.map(rows, (all) => (all[0]?.state === "failed" ? all : undefined)))
      assert.deepStrictEqual(JSON.parse(row?.element ?? ""), {
        to: "ana@example.com",
        apiKey: "<redacted>",
        note: "sent with Bearer <redacted>",
        dsn: "postgres://app:<redacted>@db.internal:5432/wedsync"
      })
      assert.include(row?.last_failure, "could not send")
      assertNoSecret(JSON.stringify(row), "the failed row")
    }).pipe(Effect.scoped, Effect.provide(Layer.provideMerge(PersistedQueue.layer, queues)))
  )

  it.live("a row that is not JSON is failed with its text scrubbed", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const queue = yield* PersistedQueue.make({ name: "secrets", schema: Schema.Unknown })
      yield* sql`INSERT INTO wedsync_queue (queue_name, id, element, state, attempts, visible_at, created_at, updated_at)
        VALUES ('secrets', 'job_3', ${`{not json, ${bearer} ${dsn}`}, 'pending', 0, 0, 0, 0)`
      const taking = yield* Effect.forkScoped(queue.take(() => Effect.void))
      const [row] = yield* eventually(Effect.map(rows, (all) => (all[0]?.state === "failed" ? all : undefined)))
      yield* Fiber.interrupt(taking)
      assert.strictEqual(
        row?.element,
        "{not json, Bearer <redacted> postgres://app:<redacted>@db.internal:5432/wedsync"
      )
      assertNoSecret(JSON.stringify(row), "the unreadable row")
    }).pipe(Effect.scoped, Effect.provide(Layer.provideMerge(PersistedQueue.layer, queues)))
  )
})

const stores = {
  memory: DeadLetters.layerMemory.pipe(Layer.provideMerge(Audit.layerMemory)),
  SQLite: DeadLetters.layerSql.pipe(Layer.provideMerge(Audit.layerSql), Layer.provideMerge(Sqlite.layerMemory))
}

for (const [name, layer] of Object.entries(stores)) {
  describe(`dead letters and audit on ${name}`, () => {
    it.effect("a letter's error messages are scrubbed by value, as its payload is", () =>
      Effect.gen(function* () {
        const letters = yield* DeadLetters.DeadLetters
        yield* letters.add(
          letter("job_s", T, {
            payload: { to: "ana@example.com", webhook: dsn, lines: [{ text: bearer }] },
            errors: [
              { at: T - 1, provider: "resend", reason: "Rejected", message: `resend.send: request ${bearer}` },
              { at: T, reason: "Defect", message: `Error: connect ${dsn} failed\n    at ${stripe}` }
            ]
          })
        )
        const kept = yield* letters.get("job_s", operator)
        assert.deepStrictEqual(
          kept.errors.map((failure) => failure.message),
          [
            "resend.send: request Bearer <redacted>",
            "Error: connect postgres://app:<redacted>@db.internal:5432/wedsync failed\n    at <redacted>"
          ]
        )
        assert.deepStrictEqual(kept.payload, {
          to: "ana@example.com",
          webhook: "postgres://app:<redacted>@db.internal:5432/wedsync",
          lines: [{ text: "Bearer <redacted>" }]
        })
        assertNoSecret(JSON.stringify(kept), "the letter")
      }).pipe(Effect.provide(layer.pipe(Layer.provideMerge(recordingReplayer))))
    )

    it.effect("an audit entry's reason, target and details are scrubbed by value", () =>
      Effect.gen(function* () {
        const audit = yield* Audit.Audit
        const entry = yield* audit.record({
          actor: "ana@wedsync.test",
          action: "overrides.set",
          target: `email/resend ${stripe}`,
          reason: `rotated after ${dsn} leaked`,
          details: { header: bearer, apiKey: "plain" }
        })
        const [listed] = yield* audit.list({ actor: "ana@wedsync.test" })
        assert.deepStrictEqual(listed, entry)
        assert.strictEqual(entry.target, "email/resend <redacted>")
        assert.strictEqual(entry.reason, "rotated after postgres://app:<redacted>@db.internal:5432/wedsync leaked")
        assert.deepStrictEqual(entry.details, { header: "Bearer <redacted>", apiKey: "<redacted>" })
        assertNoSecret(JSON.stringify(listed), "the audit entry")
      }).pipe(Effect.provide(layer.pipe(Layer.provideMerge(recordingReplayer))))
    )
  })
}
