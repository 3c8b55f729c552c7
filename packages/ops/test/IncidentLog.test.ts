/**
 * The incident log's contract, one suite run on every store (memory, SQLite,
 * PostgreSQL): record and list newest first, filters, the `before` cursor,
 * retention (hidden once past it, deleted by `purge`/`purgeExpired`), and
 * `providers` — health across instances — from two logs with different
 * instance names on one database.
 *
 * PostgreSQL needs `DATABASE_URL`: without it the PostgreSQL part is left
 * out locally and fails the run under CI=true (`@wedsync/test-fixtures/services`).
 * Real time (`it.live`): PostgreSQL's sockets need the live scheduler; every
 * incident is recorded with an explicit `at` relative to now.
 */
import { randomBytes } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Redacted, type Scope } from "effect"
import { TestClock } from "effect/testing"
import type { SqlClient } from "effect/sql"
import { Sqlite } from "@wedsync/durable"
import { databaseUrl, freshSchema, postgresUp } from "@wedsync/test-fixtures/services"
import * as IncidentLog from "../src/IncidentLog.ts"

const MINUTE = 60_000
const HOUR = 60 * MINUTE

const use = <A, E>(f: (log: IncidentLog.IncidentLog["Service"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(Effect.service(IncidentLog.IncidentLog), f)

const error = (
  provider: string,
  at: number,
  extra: Partial<IncidentLog.NewIncident> = {}
): IncidentLog.NewIncident => ({
  kind: "integration_error",
  service: "sms",
  provider,
  operation: "send",
  reason: "Unavailable",
  family: "transient",
  summary: `${provider}.send: unavailable`,
  detail: { status: 503 },
  at,
  ...extra
})

const transition = (provider: string, at: number, to: "open" | "closed" | "half_open"): IncidentLog.NewIncident => ({
  kind: "breaker_transition",
  service: "sms",
  provider,
  summary: `sms/${provider} → ${to}`,
  detail: { from: to === "open" ? "closed" : "open", to, source: "local" },
  at
})

type TwoInstances = Effect.Effect<
  readonly [IncidentLog.IncidentLog["Service"], IncidentLog.IncidentLog["Service"]],
  unknown,
  Scope.Scope
>

type MakeLog = (options: IncidentLog.Options) => Layer.Layer<IncidentLog.IncidentLog, unknown>

/** The contract; `twoInstances` builds two logs (instances "a" and "b") sharing one store. */
const incidentLogSuite = (name: string, makeLog: MakeLog, twoInstances: TwoInstances | undefined) =>
  describe(`IncidentLog on ${name}`, () => {
    const fresh = <A, E>(effect: Effect.Effect<A, E, IncidentLog.IncidentLog>, options: IncidentLog.Options = {}) =>
      Effect.provide(effect, makeLog({ instance: "api-1", ...options }))

    it.live("records incidents stamped with the instance and lists them newest first", () =>
      fresh(
        Effect.gen(function* () {
          const now = Date.now()
          const first = yield* use((log) => log.record(error("twilio", now - 3 * MINUTE)))
          const second = yield* use((log) => log.record(transition("twilio", now - 2 * MINUTE, "open")))
          const third = yield* use((log) => log.record(error("vonage", now - MINUTE, { weddingId: "w_1" })))
          assert.strictEqual(first.instance, "api-1")
          assert.strictEqual(first.at, now - 3 * MINUTE)
          assert.isTrue(first.id < second.id && second.id < third.id, "ids sort by time")
          const all = yield* use((log) => log.list({}))
          assert.deepStrictEqual(
            all.map((incident) => incident.id),
            [third.id, second.id, first.id]
          )
          assert.deepStrictEqual(all[2], first)
          assert.strictEqual(all[0]!.weddingId, "w_1")
        })
      )
    )

    it.live("filters by kind, service, provider, wedding and time", () =>
      fresh(
        Effect.gen(function* () {
          const now = Date.now()
          yield* use((log) => log.record(error("twilio", now - 50 * MINUTE)))
          yield* use((log) => log.record(transition("twilio", now - 40 * MINUTE, "open")))
          yield* use((log) => log.record(error("resend", now - 30 * MINUTE, { service: "email", weddingId: "w_9" })))
          yield* use((log) => log.record(error("vonage", now - 20 * MINUTE, { weddingId: "w_9" })))
          const summaries = (filter: IncidentLog.Filter) =>
            Effect.map(
              use((log) => log.list(filter)),
              (incidents) => incidents.map((incident) => `${incident.kind}:${incident.provider}`)
            )
          assert.deepStrictEqual(yield* summaries({ kind: "breaker_transition" }), ["breaker_transition:twilio"])
          assert.deepStrictEqual(yield* summaries({ service: "email" }), ["integration_error:resend"])
          assert.deepStrictEqual(yield* summaries({ provider: "twilio" }), [
            "breaker_transition:twilio",
            "integration_error:twilio"
          ])
          assert.deepStrictEqual(yield* summaries({ weddingId: "w_9" }), [
            "integration_error:vonage",
            "integration_error:resend"
          ])
          assert.deepStrictEqual(yield* summaries({ since: now - 45 * MINUTE, until: now - 25 * MINUTE }), [
            "integration_error:resend",
            "breaker_transition:twilio"
          ])
          assert.deepStrictEqual(yield* summaries({ kind: "override" }), [])
        })
      )
    )

    it.live("pages with `limit` and the `before` cursor, without gaps or repeats", () =>
      fresh(
        Effect.gen(function* () {
          const now = Date.now()
          const recorded = yield* Effect.forEach(Array.from({ length: 7 }), (_, index) =>
            use((log) => log.record(error("twilio", now - (10 - index) * MINUTE)))
          )
          // two in one millisecond keep the order they were recorded in
          recorded.push(yield* use((log) => log.record(error("twilio", now - MINUTE))))
          recorded.push(yield* use((log) => log.record(error("twilio", now - MINUTE))))
          const seen: Array<string> = []
          let before: string | undefined
          for (let page = 0; page < 5; page++) {
            const items = yield* use((log) => log.list({ limit: 4, ...(before === undefined ? {} : { before }) }))
            seen.push(...items.map((incident) => incident.id))
            if (items.length < 4) break
            before = items[items.length - 1]!.id
          }
          assert.deepStrictEqual(seen, recorded.map((incident) => incident.id).reverse())
          assert.strictEqual(
            (yield* use((log) => log.list({ limit: 5_000 }))).length,
            9,
            "limit is capped, not refused"
          )
        })
      )
    )

    it.live("hides what is past retention and purges it", () =>
      fresh(
        Effect.gen(function* () {
          const now = Date.now()
          yield* use((log) => log.record(error("twilio", now - 3 * HOUR)))
          yield* use((log) => log.record(error("twilio", now - 90 * MINUTE)))
          const kept = yield* use((log) => log.record(error("twilio", now - 10 * MINUTE)))
          assert.deepStrictEqual(
            (yield* use((log) => log.list({}))).map((incident) => incident.id),
            [kept.id]
          )
          assert.strictEqual(yield* use((log) => log.purge(now - 2 * HOUR)), 1)
          assert.strictEqual(yield* use((log) => log.purgeExpired), 1)
          assert.strictEqual(yield* use((log) => log.purge(now - 2 * HOUR)), 0)
          assert.strictEqual((yield* use((log) => log.list({}))).length, 1)
        }),
        { retention: "1 hour" }
      )
    )

    if (twoInstances !== undefined)
      it.live("shows each instance's view of its providers", () =>
        Effect.scoped(
          Effect.gen(function* () {
            const [a, b] = yield* twoInstances
            const now = Date.now()
            yield* a.record(error("twilio", now - 2 * HOUR, { reason: "Timeout" }))
            yield* a.record(error("twilio", now - 20 * MINUTE))
            // A roll-up of 49 more failures in its minute (`IncidentLog.feed`): they count, not the row.
            yield* a.record(error("twilio", now - 15 * MINUTE, { detail: { status: 503, count: 49 } }))
            yield* a.record(transition("twilio", now - 14 * MINUTE, "open"))
            yield* b.record(transition("twilio", now - 13 * MINUTE, "open"))
            yield* b.record(transition("twilio", now - 5 * MINUTE, "half_open"))
            yield* b.record(error("resend", now - 4 * MINUTE, { service: "email", reason: "RateLimited" }))
            yield* a.record({ kind: "override", service: "sms", provider: "twilio", summary: "forced", detail: {} })
            const expected: ReadonlyArray<IncidentLog.ProviderView> = [
              {
                service: "email",
                provider: "resend",
                instance: "b",
                circuit: "closed",
                since: now - 4 * MINUTE,
                lastReason: "RateLimited",
                failuresLastHour: 1
              },
              {
                service: "sms",
                provider: "twilio",
                instance: "a",
                circuit: "open",
                since: now - 14 * MINUTE,
                lastReason: "Unavailable",
                failuresLastHour: 50
              },
              {
                service: "sms",
                provider: "twilio",
                instance: "b",
                circuit: "half_open",
                since: now - 5 * MINUTE,
                lastReason: undefined,
                failuresLastHour: 0
              }
            ]
            assert.deepStrictEqual(yield* a.providers, expected)
            assert.deepStrictEqual(yield* b.providers, expected, "every instance reads the same health")
          })
        )
      )
  })

const bothOn = (layerFor: (instance: string) => Layer.Layer<IncidentLog.IncidentLog, unknown>) =>
  Effect.gen(function* () {
    const a = yield* Layer.build(layerFor("a"))
    const b = yield* Layer.build(layerFor("b"))
    return [Context.get(a, IncidentLog.IncidentLog), Context.get(b, IncidentLog.IncidentLog)] as const
  })

describe("IncidentLog on memory (one instance)", () => {
  it.effect("groups its own providers' view: latest transition, latest reason, the last hour's errors", () =>
    Effect.gen(function* () {
      const now = 10 * HOUR
      yield* use((log) => log.record(error("twilio", now - 2 * HOUR, { reason: "Timeout" })))
      yield* use((log) => log.record(error("twilio", now - 30 * MINUTE)))
      yield* use((log) => log.record(transition("twilio", now - 20 * MINUTE, "open")))
      yield* use((log) => log.record(transition("twilio", now - 10 * MINUTE, "half_open")))
      yield* TestClock.setTime(now)
      assert.deepStrictEqual(yield* use((log) => log.providers), [
        {
          service: "sms",
          provider: "twilio",
          instance: "solo",
          circuit: "half_open",
          since: now - 10 * MINUTE,
          lastReason: "Unavailable",
          failuresLastHour: 1
        }
      ])
    }).pipe(Effect.provide(IncidentLog.layerMemory({ instance: "solo" })))
  )
})

incidentLogSuite("memory", (options) => IncidentLog.layerMemory(options), undefined)

const sqliteShared = <A, E>(f: (sql: Layer.Layer<SqlClient.SqlClient>) => Effect.Effect<A, E, Scope.Scope>) =>
  Effect.flatMap(Layer.build(Sqlite.layerMemory), (context) => f(Layer.succeedContext(context)))

incidentLogSuite(
  "SQLite",
  (options) => IncidentLog.layerSql(options).pipe(Layer.provide(Sqlite.layerMemory)),
  sqliteShared((sql) => bothOn((instance) => IncidentLog.layerSql({ instance }).pipe(Layer.provide(sql))))
)

if (postgresUp) {
  const poolOn = (schema: string) =>
    PgClient.layer({ url: Redacted.make(databaseUrl), startupParameters: { search_path: schema } })
  incidentLogSuite(
    "PostgreSQL",
    (options) => Layer.unwrap(Effect.sync(() => IncidentLog.layerSql(options).pipe(Layer.provide(freshSchema())))),
    Effect.gen(function* () {
      const schema = `t_${randomBytes(6).toString("hex")}`
      const a = yield* Layer.build(IncidentLog.layerSql({ instance: "a" }).pipe(Layer.provide(freshSchema(schema))))
      const b = yield* Layer.build(IncidentLog.layerSql({ instance: "b" }).pipe(Layer.provide(poolOn(schema))))
      return [Context.get(a, IncidentLog.IncidentLog), Context.get(b, IncidentLog.IncidentLog)] as const
    })
  )
}
