/**
 * Delivery tracking on the stores that need no service: in memory and SQL on
 * SQLite in a temporary file, each running the one shared contract; plus the
 * precedence rule as a property, migrations and data across a restart, and the
 * overdue query's index.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import * as fc from "fast-check"
import * as Deliveries from "../src/Deliveries.ts"
import * as DeliveryEvent from "@wedsync/core/DeliveryEvent"
import { supersedes } from "../src/internal/deliveries/model.ts"
import * as Sqlite from "@wedsync/durable/Sqlite"
import { event, T, tempSqlite, tracked } from "./DeliveriesFixtures.ts"
import { deliveriesSuite } from "./DeliveriesSuite.ts"

deliveriesSuite("memory", Deliveries.layerMemory)
deliveriesSuite("SQLite", Deliveries.layerSql.pipe(Layer.provide(tempSqlite)))

const statuses: ReadonlyArray<DeliveryEvent.Status> = DeliveryEvent.Status.literals
const observation = fc.record({ status: fc.constantFrom(...statuses), occurredAt: fc.integer({ min: 0, max: 20 }) })

describe("the latest-status rule", () => {
  it("does not depend on the order events arrive in", () => {
    fc.assert(
      fc.property(fc.array(observation, { minLength: 1, maxLength: 8 }), fc.context(), (events, context) => {
        const latest = (order: ReadonlyArray<(typeof events)[number]>) =>
          order.reduce<(typeof events)[number] | undefined>(
            (current, next) => (supersedes(next, current) ? next : current),
            undefined
          )
        const reversed = latest([...events].reverse())
        const forward = latest(events)
        context.log(`${JSON.stringify(forward)} vs ${JSON.stringify(reversed)}`)
        return forward?.status === reversed?.status && forward?.occurredAt === reversed?.occurredAt
      })
    )
  })

  it("never lets a sent or delayed event replace a final status", () => {
    fc.assert(
      fc.property(observation, fc.constantFrom("sent", "delayed" as const), fc.integer(), (current, early, at) => {
        const final = !["sent", "delayed"].includes(current.status)
        return !final || !supersedes({ status: early, occurredAt: at }, current)
      })
    )
  })

  it("lets a later outcome replace an earlier one, and engagement replace delivery", () => {
    assert.isTrue(supersedes({ status: "bounced", occurredAt: 2 }, { status: "delivered", occurredAt: 1 }))
    assert.isFalse(supersedes({ status: "delivered", occurredAt: 1 }, { status: "bounced", occurredAt: 2 }))
    assert.isTrue(supersedes({ status: "opened", occurredAt: 1 }, { status: "delivered", occurredAt: 2 }))
    assert.isTrue(supersedes({ status: "complained", occurredAt: 1 }, { status: "clicked", occurredAt: 2 }))
    assert.isFalse(supersedes({ status: "sent", occurredAt: 9 }, { status: "delivered", occurredAt: 1 }))
  })
})

describe("Deliveries on SQLite", () => {
  it.live("migrations run once; tracked messages and events survive a restart", () => {
    const dir = mkdtempSync(join(tmpdir(), "wedsync-deliveries-restart-"))
    const file = Deliveries.layerSql.pipe(Layer.provideMerge(Sqlite.layer({ filename: join(dir, "wedsync.db") })))
    return Effect.gen(function* () {
      yield* Effect.provide(
        Effect.gen(function* () {
          const deliveries = yield* Deliveries.Deliveries
          yield* deliveries.track(tracked("SM_kept", T, { correlationId: "corr_k" }))
          yield* deliveries.record(event("SM_kept", "sent", T + 1))
        }),
        file
      )
      const [delivery, overdue, migrations, duplicate] = yield* Effect.provide(
        Effect.gen(function* () {
          const deliveries = yield* Deliveries.Deliveries
          const sql = yield* SqlClient.SqlClient
          return [
            yield* deliveries.get("twilio", "SM_kept"),
            yield* deliveries.overdue({ now: T }),
            yield* sql<{ readonly n: number }>`SELECT COUNT(*) AS n FROM wedsync_deliveries_migrations`,
            yield* deliveries.record(event("SM_kept", "sent", T + 1))
          ] as const
        }),
        file
      )
      assert.isTrue(Option.isSome(delivery))
      if (Option.isSome(delivery)) {
        assert.strictEqual(delivery.value.tracked?.correlationId, "corr_k")
        assert.strictEqual(delivery.value.status, "sent")
        assert.strictEqual(delivery.value.events.length, 1)
      }
      assert.deepStrictEqual(
        overdue.map((message) => message.messageId),
        ["SM_kept"]
      )
      assert.strictEqual(Number(migrations[0]?.n), 1)
      assert.strictEqual(duplicate, "duplicate")
    }).pipe(Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true }))))
  })

  it.live("the overdue query runs on the partial index of pending messages", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const plan = yield* sql<{ readonly detail: string }>`EXPLAIN QUERY PLAN
        SELECT * FROM wedsync_deliveries WHERE state = 'pending' AND due_by <= ${T}
        ORDER BY due_by, provider, message_id LIMIT ${100}`
      const details = plan.map((row) => row.detail).join("; ")
      assert.include(details, "wedsync_deliveries_overdue")
      assert.notInclude(details, "TEMP B-TREE")
    }).pipe(Effect.provide(Deliveries.layerSql.pipe(Layer.provideMerge(Sqlite.layerMemory))))
  )

  it.live("a recording that fails keeps neither the event nor the status change", () =>
    Effect.gen(function* () {
      const deliveries = yield* Deliveries.Deliveries
      const sql = yield* SqlClient.SqlClient
      yield* deliveries.track(tracked("SM_t", T))
      // the message upsert fails after the event insert succeeded: the transaction must undo both
      yield* sql`CREATE TRIGGER refuse_update BEFORE UPDATE ON wedsync_deliveries
        BEGIN SELECT RAISE(ABORT, 'refused'); END`
      const failed = yield* Effect.flip(deliveries.record(event("SM_t", "delivered", T + 1)))
      assert.strictEqual(failed._tag, "StoreError")
      assert.strictEqual(failed.operation, "deliveries.record")
      yield* sql`DROP TRIGGER refuse_update`
      const after = yield* deliveries.get("twilio", "SM_t")
      assert.isTrue(Option.isSome(after) && after.value.events.length === 0 && after.value.state === "pending")
      assert.strictEqual(yield* deliveries.record(event("SM_t", "delivered", T + 1)), "recorded")
    }).pipe(Effect.provide(Deliveries.layerSql.pipe(Layer.provideMerge(tempSqlite))))
  )
})
