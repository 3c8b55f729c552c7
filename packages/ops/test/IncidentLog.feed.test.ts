/**
 * What reaches the incident log on its own and how it is kept: `feed`
 * records a circuit opening and closing driven through `Resilience` (a
 * provider tripped by failures, as core's tests do) and purges past the
 * retention hourly; rolls integration errors and failovers up to at most
 * two incidents a minute per key; records overrides set and cleared through
 * core's `Overrides`; secrets in a detail or summary are stored redacted
 * (memory and the raw SQLite row); `recordError` and `recordFallback` carry
 * the error's reason and family and the current wedding. `TestClock` throughout.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { Audit, Failover, IntegrationError, Overrides, Policy, Resilience, WeddingContext } from "@wedsync/core"
import { Sqlite } from "@wedsync/durable"
import * as IncidentLog from "../src/IncidentLog.ts"

const overrides: Policy.PolicyOverrides = {
  providers: {
    sick: { breaker: { windowSize: 4, minimumCalls: 4, openMillis: 1_000 }, inCall: { maxAttempts: 1 } },
    primary: { inCall: { maxAttempts: 1 } }
  }
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

const withOverrides = IncidentLog.feed.pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      IncidentLog.layerMemory(),
      Overrides.layerMemory.pipe(Layer.provideMerge(resilience), Layer.provideMerge(Audit.layerMemory))
    )
  )
)

/** A call to "flaky" that fails at once for a request reason (which never opens its circuit). */
const refused = (reason: IntegrationError.Reason) =>
  Effect.fail(IntegrationError.make("flaky", "send", reason)).pipe(
    Resilience.protect({ service: "email", provider: "flaky", operation: "send" }),
    Effect.exit
  )

interface Sender {
  readonly provider: string
  readonly send: Effect.Effect<string, IntegrationError.IntegrationError>
}

describe("IncidentLog.feed: errors, fallbacks and overrides", () => {
  it.effect("records 50 failures of one reason in a minute as two incidents, another reason as its own", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 50; i++) yield* refused(new IntegrationError.Rejected({}))
      yield* refused(new IntegrationError.InvalidRequest({}))
      yield* settle
      const firsts = yield* use((log) => log.list({ kind: "integration_error" }))
      assert.deepStrictEqual(firsts.map((incident) => [incident.reason, incident.detail.count]).sort(), [
        ["InvalidRequest", 1],
        ["Rejected", 1]
      ])
      yield* TestClock.adjust("61 seconds")
      yield* settle
      const all = yield* use((log) => log.list({ kind: "integration_error" }))
      assert.strictEqual(all.length, 3)
      const more = all.filter((incident) => incident.detail.count === 49)
      assert.strictEqual(more.length, 1)
      assert.deepInclude(more[0], {
        service: "email",
        provider: "flaky",
        reason: "Rejected",
        family: "request",
        summary: "49 more Rejected from flaky in the last minute"
      })
    }).pipe(Effect.provide(withOverrides))
  )

  it.effect("records a failover as a fallback used, from the failing provider to the next", () =>
    Effect.gen(function* () {
      const plan = Failover.fromServices<Sender>("email", [
        {
          provider: "primary",
          send: Effect.fail(IntegrationError.make("primary", "send", new IntegrationError.Unavailable({})))
        },
        { provider: "backup", send: Effect.succeed("sent") }
      ])
      const served = yield* Failover.run(plan, "send", (sender) => sender.send)
      assert.strictEqual(served.provider, "backup")
      yield* settle
      const fallbacks = yield* use((log) => log.list({ kind: "fallback_used" }))
      assert.strictEqual(fallbacks.length, 1)
      assert.deepInclude(fallbacks[0], {
        service: "email",
        provider: "primary",
        operation: "send",
        reason: "Unavailable"
      })
      assert.deepStrictEqual(fallbacks[0]!.detail, { from: "primary", to: "backup", count: 1 })
    }).pipe(Effect.provide(withOverrides))
  )

  it.effect("records an override when it is set and when it is cleared", () =>
    Effect.gen(function* () {
      const overrides = yield* Overrides.Overrides
      const ana: Audit.Operator = { actor: "ana@wedsync", reason: "INC-42 Resend outage" }
      const forced = yield* overrides.set(
        { _tag: "ForceCircuit", service: "email", provider: "resend", state: "open" },
        ana
      )
      yield* TestClock.adjust("1 second")
      yield* settle
      yield* overrides.clear(forced.id, ana)
      yield* TestClock.adjust("1 second")
      yield* settle
      const recorded = [...(yield* use((log) => log.list({ kind: "override" })))].reverse()
      assert.deepStrictEqual(
        recorded.map((incident) => [
          incident.service,
          incident.provider,
          incident.detail.change,
          incident.detail.override
        ]),
        [
          ["email", "resend", "set", forced.id],
          ["email", "resend", "cleared", forced.id]
        ]
      )
      assert.strictEqual(recorded[0]!.summary, "email/resend circuit forced open by ana@wedsync: INC-42 Resend outage")
    }).pipe(Effect.provide(withOverrides))
  )
})

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
