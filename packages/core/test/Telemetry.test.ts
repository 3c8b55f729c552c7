import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Metric, Tracer } from "effect"
import { IntegrationError, Policy, Resilience } from "../src/index.ts"

const noWait = { inCall: { maxAttempts: 2, baseDelayMillis: 0, maxDelayMillis: 0 } }
const overrides = Policy.PolicyOverrides.make({ providers: { traced: noWait, metered: noWait } })
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
      const result = yield* Resilience.protect(flaky, { service: "email", provider: "traced", operation: "send" })
      assert.strictEqual(result, "ok")
      const ours = spans.filter((span) => span.name === "email.traced.send")
      assert.strictEqual(ours.length, 2)
      assert.strictEqual(ours[0]?.kind, "client")
      assert.strictEqual(ours[0]?.attributes.get("wedsync.provider"), "traced")
      assert.strictEqual(ours[0]?.attributes.get("wedsync.outcome"), "Unavailable")
      assert.strictEqual(ours[1]?.attributes.get("wedsync.outcome"), "success")
      assert.strictEqual(ours[1]?.status._tag, "Ended")
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
})
