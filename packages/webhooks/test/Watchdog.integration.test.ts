/**
 * The watchdog on PostgreSQL: the shared contract, each test in a schema of
 * its own; four instances (four connection pools on one schema) checking at
 * the same moment raise exactly one alert per late step across 40 bookings;
 * and a new process (a new pool, after the first one closed) raises the
 * deadline the first one left, once.
 *
 * Needs `DATABASE_URL`. Without a reachable PostgreSQL the suite is skipped
 * locally and fails under CI=true (`@wedsync/test-fixtures/services`).
 */
import { randomBytes } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Clock, type Context, Effect, Layer, Redacted } from "effect"
import { databaseUrl, freshSchema, postgresUp } from "@wedsync/test-fixtures/services"
import * as Watchdog from "../src/Watchdog.ts"
import { bookingPlan, HOUR, manualClock, recording, T, watchdogSuite } from "./WatchdogSuite.ts"

/** Another pool on `schema` (made by `freshSchema`), as another instance would open. */
const poolOn = (schema: string) =>
  PgClient.layer({ url: Redacted.make(databaseUrl), startupParameters: { search_path: schema } })

const within = <A, E>(context: Context.Context<Watchdog.Watchdog>, effect: Effect.Effect<A, E, Watchdog.Watchdog>) =>
  Effect.provide(effect, Layer.succeedContext(context))

/** The moment `time`, standing still, with real sleeps (the pools' own timers must run). */
const stoppedAt = (time: number) => Effect.map(Clock.clockWith(Effect.succeed), (live) => manualClock(live, time).clock)

describe.skipIf(!postgresUp)("Watchdog on PostgreSQL", () => {
  watchdogSuite(
    "PostgreSQL",
    (alerts) =>
      Layer.unwrap(Effect.sync(() => Watchdog.layerSql().pipe(Layer.provide(alerts), Layer.provide(freshSchema())))),
    { clock: "manual" }
  )

  it.live("four instances checking at the same moment raise one alert per late step", () =>
    Effect.gen(function* () {
      const schema = `t_${randomBytes(6).toString("hex")}`
      const recorders = Array.from({ length: 4 }, () => recording())
      const first = yield* Layer.build(
        Watchdog.layerSql().pipe(Layer.provide(recorders[0]!.layer), Layer.provide(freshSchema(schema)))
      )
      const others = yield* Effect.forEach(recorders.slice(1), (recorder) =>
        Layer.build(Watchdog.layerSql().pipe(Layer.provide(recorder.layer), Layer.provide(poolOn(schema))))
      )
      const instances = [first, ...others]
      const keys = Array.from({ length: 40 }, (_, index) => `b_pg_${index}`)
      const declaredAt = yield* stoppedAt(T)
      yield* Effect.forEach(
        keys,
        (key, index) =>
          Effect.andThen(
            within(instances[index % 4]!, Watchdog.declare(key, bookingPlan)),
            within(
              instances[(index + 1) % 4]!,
              Watchdog.observe({ key, kind: "payment_intent.succeeded", provider: "stripe", at: T + HOUR })
            )
          ),
        { concurrency: 8, discard: true }
      ).pipe(Effect.provideService(Clock.Clock, declaredAt))
      const late = yield* stoppedAt(T + 50 * HOUR)
      const checkAll = Effect.all(
        instances.map((instance) => within(instance, Watchdog.check)),
        { concurrency: "unbounded" }
      ).pipe(Effect.provideService(Clock.Clock, late))
      const raised = (yield* checkAll).flat()
      assert.strictEqual(raised.length, 40)
      assert.deepStrictEqual((yield* checkAll).flat(), [])
      const alerts = recorders.flatMap((recorder) => recorder.alerts)
      assert.deepStrictEqual(alerts.map((alert) => alert.key).sort(), [...keys].sort())
      assert.isTrue(alerts.every((alert) => alert.step === "vendor confirmation" && alert.deadline === T + 49 * HOUR))
      assert.isAbove(
        recorders.filter((recorder) => recorder.alerts.length > 0).length,
        0,
        "alerts were raised by the instances, not lost between them"
      )
    })
  )

  it.live("a new process picks up the deadline the stopped one left, and raises it once", () =>
    Effect.gen(function* () {
      const schema = `t_${randomBytes(6).toString("hex")}`
      const owner = yield* Layer.build(freshSchema(schema))
      const before = recording()
      const declaredAt = yield* stoppedAt(T)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const stopped = yield* Layer.build(
            Watchdog.layerSql().pipe(Layer.provide(before.layer), Layer.provide(poolOn(schema)))
          )
          yield* within(stopped, Watchdog.declare("b_pg_restart", bookingPlan, { weddingId: "w_pg" }))
          yield* within(
            stopped,
            Watchdog.observe({ key: "b_pg_restart", kind: "payment_intent.succeeded", provider: "stripe", at: T })
          )
        })
      ).pipe(Effect.provideService(Clock.Clock, declaredAt))
      assert.isDefined(owner)
      const after = recording()
      const restarted = yield* Layer.build(
        Watchdog.layerSql().pipe(Layer.provide(after.layer), Layer.provide(poolOn(schema)))
      )
      const late = yield* stoppedAt(T + 48 * HOUR + 1)
      yield* Effect.all([within(restarted, Watchdog.check), within(restarted, Watchdog.check)]).pipe(
        Effect.provideService(Clock.Clock, late)
      )
      assert.deepStrictEqual(before.alerts, [])
      assert.deepStrictEqual(
        after.alerts.map((alert) => [alert.key, alert.weddingId, alert.step, alert.deadline]),
        [["b_pg_restart", "w_pg", "vendor confirmation", T + 48 * HOUR]]
      )
      const timeline = yield* within(restarted, Watchdog.timeline("w_pg"))
      assert.deepStrictEqual(
        timeline.map((entry) => [entry.kind, entry.provider, entry.step]),
        [["payment_intent.succeeded", "stripe", "deposit"]]
      )
    })
  )
})
