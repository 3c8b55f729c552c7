import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Metric, Tracer } from "effect"
import { Failover, IntegrationError, Policy, Resilience, WeddingContext } from "../src/index.ts"

const noWait = { inCall: { maxAttempts: 2, baseDelayMillis: 0, maxDelayMillis: 0 } }
const tripsFast = { breaker: { windowSize: 2, minimumCalls: 2 }, inCall: { maxAttempts: 1 } }
const overrides = Policy.PolicyOverrides.make({
  providers: {
    traced: noWait,
    metered: noWait,
    tripping: tripsFast,
    standby: tripsFast,
    exported: { inCall: { maxAttempts: 1 } }
  }
})
const engine = Resilience.layerMemory().pipe(Layer.provide(Policy.layer(overrides)))

describe("telemetry", () => {
  it.effect("each attempt is a client span named service.provider.operation with its attributes", () => {
    const spans: Array<Tracer.Span> = []
    const tracer = Tracer.make({
      span: (options) => {
        const span = Tracer.nativeTracer.span(options)
        spans.push(span)
        return span
      }
    })
    let calls = 0
    const flaky = Effect.suspend(() =>
      ++calls === 1
        ? Effect.fail(IntegrationError.make("traced", "send", new IntegrationError.Unavailable({})))
        : Effect.succeed("ok")
    )
    return Effect.gen(function* () {
      const result = yield* Resilience.protect(flaky, { service: "email", provider: "traced", operation: "send" }).pipe(
        // TestClock starts on 1970-01-01: a wedding a week later is "high", which still retries.
        WeddingContext.provide({ weddingId: "w_ava", weddingDate: "1970-01-08", vendorType: "florist" })
      )
      assert.strictEqual(result, "ok")
      const ours = spans.filter((span) => span.name === "email.traced.send")
      assert.strictEqual(ours.length, 2)
      assert.strictEqual(ours[0]?.kind, "client")
      assert.strictEqual(ours[0]?.attributes.get("wedsync.provider"), "traced")
      assert.strictEqual(ours[0]?.attributes.get("wedsync.outcome"), "Unavailable")
      assert.strictEqual(ours[1]?.attributes.get("wedsync.outcome"), "success")
      assert.strictEqual(ours[1]?.status._tag, "Ended")
      assert.deepStrictEqual(
        ours.map((span) => span.attributes.get("wedsync.attempt")),
        [1, 2]
      )
      assert.strictEqual(ours[0]?.attributes.get("wedsync.service"), "email")
      assert.strictEqual(ours[0]?.attributes.get("wedsync.operation"), "send")
      assert.strictEqual(ours[0]?.attributes.get("wedsync.wedding_id"), "w_ava")
      assert.strictEqual(ours[0]?.attributes.get("wedsync.criticality"), "high")
    }).pipe(Effect.withTracer(tracer), Effect.provide(engine))
  })

  it.effect("calls, failures by reason and retries reach Effect's metrics", () =>
    Effect.gen(function* () {
      let calls = 0
      const flaky = Effect.suspend(() =>
        ++calls === 1
          ? Effect.fail(IntegrationError.make("metered", "send", new IntegrationError.RateLimited({})))
          : Effect.succeed("ok")
      )
      yield* Resilience.protect(flaky, { service: "sms", provider: "metered", operation: "send" })
      const snapshot = yield* Metric.snapshot
      const value = (name: string, attributes: Record<string, string>) =>
        snapshot.find(
          (entry) =>
            entry.id === name &&
            Object.entries(attributes).every(([key, expected]) => entry.attributes?.[key] === expected)
        )?.state as { readonly count?: number } | undefined
      assert.strictEqual(
        value("wedsync_integration_calls_total", { provider: "metered", outcome: "success" })?.count,
        1
      )
      assert.strictEqual(
        value("wedsync_integration_calls_total", { provider: "metered", outcome: "failure" })?.count,
        1
      )
      assert.strictEqual(
        value("wedsync_integration_failures_total", { provider: "metered", reason: "RateLimited" })?.count,
        1
      )
      assert.strictEqual(value("wedsync_integration_retries_total", { provider: "metered" })?.count, 1)
    }).pipe(Effect.provide(engine))
  )

  it.effect("failovers and breaker transitions reach Effect's metrics", () =>
    Effect.gen(function* () {
      interface Sender extends Failover.Port {
        readonly send: Effect.Effect<string, IntegrationError.IntegrationError>
      }
      const down: Sender = {
        provider: "tripping",
        send: Effect.fail(IntegrationError.make("tripping", "send", new IntegrationError.Unavailable({})))
      }
      const standby: Sender = { provider: "standby", send: Effect.succeed("sent") }
      const plan = Failover.fromServices("email", [down, standby])
      for (let i = 0; i < 3; i++) yield* Failover.run(plan, "send", (service) => service.send)
      const snapshot = yield* Metric.snapshot
      const count = (name: string, attributes: Record<string, string>) =>
        (
          snapshot.find(
            (entry) =>
              entry.id === name &&
              Object.entries(attributes).every(([key, expected]) => entry.attributes?.[key] === expected)
          )?.state as { readonly count?: number } | undefined
        )?.count
      // two failed calls, then a skip of the open circuit: three failovers
      assert.strictEqual(count("wedsync_failovers_total", {}), 3)
      assert.strictEqual(count("wedsync_breaker_transitions_total", { provider: "tripping", to: "open" }), 1)
    }).pipe(Effect.provide(engine))
  )

  // Last: its failover adds to the counters the tests above read.
  it.effect("a tracer of one's own still gets every attempt's span and attributes, through a failover", () => {
    // A tracer that is not Effect's default one, provided as a layer the way an exporter is: the engine
    // skips its span only for the default tracer, which exports nothing.
    const ended: Array<Tracer.Span> = []
    const exporter = Tracer.make({
      span: (options) => {
        const span = Tracer.nativeTracer.span(options)
        const end = span.end.bind(span)
        span.end = (endTime, exit) => {
          ended.push(span)
          end(endTime, exit)
        }
        return span
      }
    })
    assert.notStrictEqual(exporter, Tracer.nativeTracer)
    interface Sender extends Failover.Port {
      readonly send: Effect.Effect<string, IntegrationError.IntegrationError>
    }
    const primary: Sender = {
      provider: "exported",
      send: Effect.fail(
        IntegrationError.make("exported", "send", new IntegrationError.Unavailable({}), { delivery: "maybeSent" })
      )
    }
    const backup: Sender = { provider: "exportedBackup", send: Effect.succeed("sent") }
    const plan = Failover.fromServices("email", [primary, backup])
    return Effect.gen(function* () {
      const served = yield* Failover.run(plan, "send", (service) => service.send, {
        whenUnresolved: "failover"
      }).pipe(WeddingContext.provide({ weddingId: "w_ben", weddingDate: "1970-01-08", vendorType: "venue" }))
      assert.strictEqual(served.provider, "exportedBackup")
      const failed = ended.find((span) => span.name === "email.exported.send")
      const served_ = ended.find((span) => span.name === "email.exportedBackup.send")
      assert.isDefined(failed)
      assert.isDefined(served_)
      assert.strictEqual(failed?.kind, "client")
      assert.deepStrictEqual(Object.fromEntries(failed!.attributes), {
        "wedsync.service": "email",
        "wedsync.provider": "exported",
        "wedsync.operation": "send",
        "wedsync.attempt": 1,
        "wedsync.wedding_id": "w_ben",
        "wedsync.criticality": "high",
        "wedsync.outcome": "Unavailable",
        "wedsync.delivery": "maybeSent"
      })
      assert.strictEqual(failed?.status._tag, "Ended")
      assert.strictEqual(served_?.attributes.get("wedsync.outcome"), "success")
      assert.strictEqual(served_?.attributes.get("wedsync.provider"), "exportedBackup")
      assert.isFalse(served_?.attributes.has("wedsync.delivery"))
    }).pipe(Effect.provide(Layer.merge(engine, Layer.succeed(Tracer.Tracer, exporter))))
  })
})
