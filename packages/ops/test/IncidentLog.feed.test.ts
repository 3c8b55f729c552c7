/**
 * What reaches the incident log on its own and how it is kept: `feed`
 * records a circuit opening and closing driven through `Resilience` (a
 * provider tripped by failures, as core's tests do) and purges past the
 * retention hourly; secrets in a detail or summary are stored redacted
 * (memory and the raw SQLite row); `recordError` and `recordFallback` carry
 * the error's reason and family and the current wedding. `TestClock` throughout.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { IntegrationError, Policy, Resilience, WeddingContext } from "@wedsync/core"
import { Sqlite } from "@wedsync/durable"
import * as IncidentLog from "../src/IncidentLog.ts"

const overrides: Policy.PolicyOverrides = {
  providers: { sick: { breaker: { windowSize: 4, minimumCalls: 4, openMillis: 1_000 }, inCall: { maxAttempts: 1 } } }
}
const resilience = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provide(Policy.layer(overrides)))
const logged = (options: IncidentLog.Options = {}) =>
  IncidentLog.feed.pipe(Layer.provideMerge(Layer.mergeAll(IncidentLog.layerMemory(options), resilience)))

const use = <A, E>(f: (log: IncidentLog.IncidentLog["Service"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(Effect.service(IncidentLog.IncidentLog), f)

const call = (ok: boolean) =>
  Effect.gen(function* () {
    const work = Effect.sleep(10).pipe(
      Effect.andThen(
        ok
          ? Effect.succeed("ok")
          : Effect.fail(IntegrationError.make("sick", "send", new IntegrationError.Unavailable({}), { status: 503 }))
      ),
      Resilience.protect({ service: "email", provider: "sick", operation: "send" }),
      Effect.exit
    )
    const fiber = yield* Effect.forkChild(work)
    yield* TestClock.adjust(10)
    return yield* Fiber.join(fiber)
  })

/** Lets the feed's fiber write what it was sent. */
const settle = Effect.repeat(Effect.yieldNow, { times: 20 })

describe("IncidentLog.feed", () => {
  it.effect("records a circuit opening and closing as breaker transitions", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 4; i++) yield* call(false)
      assert.strictEqual(yield* Resilience.circuitState("email", "sick"), "open")
      yield* TestClock.adjust(1_000)
      yield* call(true)
      yield* call(true)
      assert.strictEqual(yield* Resilience.circuitState("email", "sick"), "closed")
      yield* settle
      const transitions = yield* use((log) => log.list({ kind: "breaker_transition" }))
      const moves = transitions.map((incident) => `${incident.detail.from}→${incident.detail.to}`).reverse()
      assert.strictEqual(moves[0], "closed→open")
      assert.strictEqual(moves[moves.length - 1], "half_open→closed")
      assert.isTrue(transitions.every((incident) => incident.service === "email" && incident.provider === "sick"))
      const health = yield* use((log) => log.list({ kind: "health_change" }))
      assert.isTrue(health.some((incident) => incident.detail.to === "down"))
      const [view] = yield* use((log) => log.providers)
      assert.strictEqual(view?.circuit, "closed")
    }).pipe(Effect.provide(logged({ instance: "api-1" })))
  )

  it.effect("purges incidents past the retention every hour", () =>
    Effect.gen(function* () {
      yield* use((log) => log.record({ kind: "override", service: "sms", summary: "old", detail: {} }))
      yield* TestClock.adjust("25 hours")
      yield* settle
      yield* use((log) => log.record({ kind: "override", service: "sms", summary: "new", detail: {} }))
      assert.strictEqual(yield* use((log) => log.purge(Number.MAX_SAFE_INTEGER)), 1, "only the new one was left")
    }).pipe(Effect.provide(logged({ retention: "1 day" })))
  )
})

const secretDetail: IncidentLog.NewIncident = {
  kind: "override",
  service: "email",
  provider: "resend",
  summary: "rotated key re_live_0123456789abcdef for Authorization: Bearer sk_live_51Habcdefghijklmnop",
  detail: { actor: "ana", apiKey: "re_live_0123456789abcdef", nested: { password: "hunter2" }, to: "ana@example.com" }
}

describe("IncidentLog redaction", () => {
  it.effect("stores a secret-looking detail redacted", () =>
    Effect.gen(function* () {
      const kept = yield* use((log) => log.record(secretDetail))
      const [listed] = yield* use((log) => log.list({}))
      for (const incident of [kept, listed!]) {
        assert.deepStrictEqual(incident.detail, {
          actor: "ana",
          apiKey: "<redacted>",
          nested: { password: "<redacted>" },
          to: "ana@example.com"
        })
        assert.notInclude(incident.summary, "re_live_0123456789abcdef")
        assert.notInclude(incident.summary, "sk_live_51Habcdefghijklmnop")
      }
    }).pipe(Effect.provide(IncidentLog.layerMemory()))
  )

  it.effect("never writes the secret to the SQL row", () =>
    Effect.gen(function* () {
      yield* use((log) => log.record(secretDetail))
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ incident: string }>`SELECT incident FROM wedsync_incidents`
      assert.strictEqual(rows.length, 1)
      for (const secret of ["re_live_0123456789abcdef", "hunter2", "sk_live_51Habcdefghijklmnop"])
        assert.notInclude(rows[0]!.incident, secret)
    }).pipe(Effect.provide(IncidentLog.layerSql().pipe(Layer.provideMerge(Sqlite.layerMemory))))
  )
})

describe("IncidentLog.recordError and recordFallback", () => {
  it.effect("keeps the error's provider, operation, reason, family and the current wedding", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.UTC(2026, 5, 1, 9))
      const error = IntegrationError.make("twilio", "send", new IntegrationError.RateLimited({}), {
        status: 429,
        correlationId: "corr_1"
      })
      const incident = yield* IncidentLog.recordError(error, { service: "sms" }).pipe(
        WeddingContext.provide({ weddingId: "w_7", weddingDate: "2026-06-02", vendorType: "venue" })
      )
      assert.deepInclude(incident, {
        kind: "integration_error",
        at: Date.UTC(2026, 5, 1, 9),
        service: "sms",
        provider: "twilio",
        operation: "send",
        reason: "RateLimited",
        family: error.family,
        weddingId: "w_7",
        correlationId: "corr_1"
      })
      assert.strictEqual(incident.detail.status, 429)
      const fallback = yield* IncidentLog.recordFallback({
        service: "sms",
        from: "twilio",
        to: "email",
        weddingId: "w_7",
        summary: "SMS reminder sent by email"
      })
      assert.deepInclude(fallback, { kind: "fallback_used", provider: "twilio", weddingId: "w_7" })
      assert.deepStrictEqual(fallback.detail, { from: "twilio", to: "email" })
      assert.deepStrictEqual(
        (yield* use((log) => log.list({ weddingId: "w_7" }))).map((kept) => kept.kind),
        ["fallback_used", "integration_error"]
      )
    }).pipe(Effect.provide(IncidentLog.layerMemory()))
  )
})
