/**
 * How `Telemetry.layerConfig` reads the OpenTelemetry variables: nothing set
 * is a no-op (Effect's native tracer stays, nothing fails), `OTEL_SDK_DISABLED`
 * and `OTEL_TRACES_EXPORTER=none` turn export off, options win over the
 * environment, the headers are read redacted and a malformed value is a
 * `ConfigError` that does not quote it. And the outbox side of a trace: a
 * job offered inside a span carries its `traceparent`, one offered outside
 * any span (or under the native tracer) carries nothing.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { DeadLetters, Outbox } from "@wedsync/durable"
import { Audit } from "@wedsync/core"
import { ConfigProvider, Deferred, Effect, Exit, Layer, Redacted, Tracer } from "effect"
import { PersistedQueue } from "effect/persistence"
import * as Telemetry from "../src/Telemetry.ts"

const env = (values: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(values))

// Nothing listens on the endpoints: shutdown gives up on its last export at once.
const tracerUnder = (values: Record<string, string>, options?: Telemetry.Options) =>
  Effect.gen(function* () {
    return yield* Tracer.Tracer
  }).pipe(
    Effect.provide(Telemetry.layerConfig({ shutdownTimeout: "1 millis", ...options }).pipe(Layer.provide(env(values)))),
    Effect.scoped
  )

describe("Telemetry.layerConfig", () => {
  it.effect("exports nothing and fails at nothing when no endpoint is configured", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* tracerUnder({}), Tracer.nativeTracer)
      yield* Telemetry.flush().pipe(Effect.provide(Telemetry.layerConfig().pipe(Layer.provide(env({})))))
    })
  )

  it.live("is off when OTEL_SDK_DISABLED is true or the traces exporter is none", () =>
    Effect.gen(function* () {
      const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }
      assert.strictEqual(yield* tracerUnder({ ...endpoint, OTEL_SDK_DISABLED: "true" }), Tracer.nativeTracer)
      assert.strictEqual(yield* tracerUnder({ ...endpoint, OTEL_TRACES_EXPORTER: "none" }), Tracer.nativeTracer)
      assert.notStrictEqual(yield* tracerUnder(endpoint), Tracer.nativeTracer)
    })
  )

  it.live("lets options override the environment", () =>
    Effect.gen(function* () {
      const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }
      assert.strictEqual(yield* tracerUnder(endpoint, { disabled: true }), Tracer.nativeTracer)
      assert.notStrictEqual(yield* tracerUnder({}, { endpoint: "http://127.0.0.1:4318" }), Tracer.nativeTracer)
      assert.notStrictEqual(
        yield* tracerUnder({}, { tracesEndpoint: "http://127.0.0.1:4318/v1/traces" }),
        Tracer.nativeTracer
      )
    })
  )

  it.effect("reads the headers redacted, percent-decoded, by lower-cased name", () =>
    Effect.gen(function* () {
      const settings = yield* Telemetry.config.pipe(
        Effect.provide(env({ OTEL_EXPORTER_OTLP_HEADERS: "X-Api-Key=s3cr%3Dt, team = wedsync" }))
      )
      const key = settings.headers?.["x-api-key"]
      assert.isTrue(key !== undefined && Redacted.isRedacted(key))
      expect(Redacted.value(key as Redacted.Redacted<string>)).toBe("s3cr=t")
      expect(String(key)).not.toContain("s3cr")
      expect(Redacted.value(settings.headers?.team as Redacted.Redacted<string>)).toBe("wedsync")
    })
  )

  it.effect("fails with a ConfigError that does not quote malformed headers", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Telemetry.config.pipe(Effect.provide(env({ OTEL_EXPORTER_OTLP_HEADERS: "apikeywithoutvalue-s3cret" })))
      )
      assert.isTrue(Exit.isFailure(exit))
      expect(String(exit)).toContain("OTEL_EXPORTER_OTLP_HEADERS")
      expect(String(exit)).not.toContain("s3cret")
      const protocol = yield* Effect.exit(
        Telemetry.config.pipe(Effect.provide(env({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })))
      )
      assert.isTrue(Exit.isFailure(protocol))
    })
  )

  it.effect("reads the service name from OTEL_SERVICE_NAME", () =>
    Effect.gen(function* () {
      const named = yield* Telemetry.config.pipe(Effect.provide(env({ OTEL_SERVICE_NAME: "wedsync-api" })))
      expect(named.serviceName).toBe("wedsync-api")
      const unnamed = yield* Telemetry.config.pipe(Effect.provide(env({})))
      expect(unnamed.serviceName).toBeUndefined()
    })
  )
})

const outbox = DeadLetters.layerMemory.pipe(
  Layer.provideMerge(Outbox.layer()),
  Layer.provideMerge(Audit.layerMemory),
  Layer.provide(PersistedQueue.layer),
  Layer.provide(PersistedQueue.layerStoreMemory)
)

/** The `traceparent` the worker's handler sees on a job offered by `offer`. */
const carried = (offer: (job: Outbox.JobInput) => Effect.Effect<unknown, unknown, Outbox.Outbox>) =>
  Effect.gen(function* () {
    const seen = yield* Deferred.make<string | undefined>()
    yield* Outbox.worker({ "trace.check": (job) => Deferred.succeed(seen, job.traceparent) })
    yield* Effect.orDie(offer({ id: "trace-check", service: "email", operation: "trace.check", payload: {} }))
    return yield* Deferred.await(seen)
  }).pipe(Effect.scoped, Effect.provide(outbox))

const exporting = Tracer.make({ span: (options) => new Tracer.NativeSpan(options) })

describe("trace context across the outbox", () => {
  it.effect("carries the traceparent of the span a job was offered in", () =>
    Effect.gen(function* () {
      let offeredIn: Tracer.Span | undefined
      const traceparent = yield* carried((job) =>
        Effect.gen(function* () {
          offeredIn = yield* Effect.currentSpan
          return yield* Effect.flatMap(Effect.service(Outbox.Outbox), (service) => service.offer(job))
        }).pipe(Effect.withSpan("api.call"))
      ).pipe(Effect.provideService(Tracer.Tracer, exporting))
      expect(traceparent).toBe(`00-${offeredIn?.traceId}-${offeredIn?.spanId}-01`)
    })
  )

  it.effect("carries nothing when offered outside any span, or under the native tracer", () =>
    Effect.gen(function* () {
      const offer = (job: Outbox.JobInput) =>
        Effect.flatMap(Effect.service(Outbox.Outbox), (service) => service.offer(job))
      expect(yield* carried(offer).pipe(Effect.provideService(Tracer.Tracer, exporting))).toBeUndefined()
      expect(yield* carried((job) => offer(job).pipe(Effect.withSpan("api.call")))).toBeUndefined()
    })
  )
})
