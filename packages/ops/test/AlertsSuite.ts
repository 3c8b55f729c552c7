/**
 * What every shared Alerts store must do, run on SQLite (Alerts.test.ts) and
 * on PostgreSQL (Alerts.integration.test.ts): two instances — two layers on
 * two connections to one database — opening the same key at once raise one
 * alert, resolving it at once send one resolution, and the key can be
 * raised again once resolved.
 */
import { assert } from "@effect/vitest"
import { type Context, Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import * as Alerts from "../src/Alerts.ts"
import * as AlertSinks from "../src/AlertSinks.ts"

/** A sink that keeps every notice it is handed. @internal */
export const capturing = (name = "capture") => {
  const seen: Array<AlertSinks.Notice> = []
  return { seen, sink: AlertSinks.make(name, (notice) => Effect.sync(() => void seen.push(notice))) }
}

/** An alert input for `key`. @internal */
export const input = (key: string, extra: Partial<Alerts.AlertInput> = {}): Alerts.AlertInput => ({
  key,
  title: `${key} is failing`,
  summary: "Circuit open",
  service: "sms",
  provider: "twilio",
  ...extra
})

/** One alert across two instances on one database. @internal */
export const acrossInstances = <E1, E2>(
  first: Layer.Layer<SqlClient.SqlClient, E1>,
  second: Layer.Layer<SqlClient.SqlClient, E2>
) =>
  Effect.gen(function* () {
    const { seen, sink } = capturing()
    const a = yield* Layer.build(Alerts.layerSql({ sinks: [sink] }).pipe(Layer.provide(first)))
    const b = yield* Layer.build(Alerts.layerSql({ sinks: [sink] }).pipe(Layer.provide(second)))
    const on = <A, E>(context: Context.Context<Alerts.Alerts>, effect: Effect.Effect<A, E, Alerts.Alerts>) =>
      Effect.provideContext(effect, context)

    const opened = yield* Effect.all(
      [a, b, a, b].map((context) => on(context, Alerts.open(input("circuit:sms:twilio")))),
      { concurrency: "unbounded" }
    )
    assert.strictEqual(opened.filter((result) => result._tag === "Opened").length, 1)
    assert.strictEqual(seen.length, 1)
    assert.strictEqual(
      (yield* on(
        b,
        Effect.flatMap(Effect.service(Alerts.Alerts), (s) => s.current)
      )).length,
      1
    )

    const resolved = yield* Effect.all(
      [a, b].map((context) => on(context, Alerts.resolve("circuit:sms:twilio"))),
      { concurrency: "unbounded" }
    )
    assert.strictEqual(resolved.filter((result) => result._tag === "Resolved").length, 1)
    assert.deepStrictEqual(
      seen.map((notice) => notice._tag),
      ["Alert", "Resolution"]
    )

    const again = yield* on(b, Alerts.open(input("circuit:sms:twilio")))
    assert.strictEqual(again._tag, "Opened")
    assert.strictEqual(seen.length, 3)
  }).pipe(Effect.scoped)
