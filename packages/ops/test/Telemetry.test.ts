/**
 * Telemetry end to end, over the wire: a local OTLP/HTTP receiver
 * configured through the OpenTelemetry variables (from a `ConfigProvider`)
 * receives
 * 1. one reminder's trace — the `POST /reminders` request span, the
 *    outbox's `outbox.run notifications.send`, the failed Resend attempt
 *    (its simulator answers 503) and the Postmark attempt that served —
 *    under ONE trace id, each span's parent the one before it;
 * 2. an inbound Stripe webhook's trace continuing the sender's
 *    `traceparent`: the request span's parent is the sender's span, and
 *    the handler's `outbox.run webhook.stripe` is that request span's child,
 *    through `Inbound.route` and through `Inbound.webHandler`.
 * And `GET /metrics` parses with a Prometheus text parser and holds the
 * resilience engine's counters and gauges after those calls.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Postmark, Resend } from "@wedsync/adapter-email"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { Audit, Overrides, Policy, Resilience } from "@wedsync/core"
import { DeadLetters, Outbox } from "@wedsync/durable"
import { Notifications } from "@wedsync/notifications"
import { Faults, SimulatorRegistry } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import { Inbound, Quarantine } from "@wedsync/webhooks"
import { createServer } from "node:http"
import { ConfigProvider, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { PersistedQueue } from "effect/persistence"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Telemetry from "../src/Telemetry.ts"
import { eventually, parsePrometheus, type ReceivedSpan, type Receiver, startReceiver } from "./TelemetryReceiver.ts"

const SERVER = 2
const CLIENT = 3
const ERROR = 2
const API_KEY = "otlp-key-0123456789"

let receiver: Receiver
let simulators: SimulatorRegistry.Running<"resend" | "postmark">

beforeAll(async () => {
  receiver = await startReceiver()
  simulators = await SimulatorRegistry.start(["resend", "postmark"], { seed: 7 })
  // Resend is down for sends: the reminder fails over to Postmark.
  simulators.resend.faults.add(Faults.rule(Faults.error("unavailable"), { operation: "emails.send" }))
})

afterAll(async () => {
  await SimulatorRegistry.stop(simulators)
  await receiver.close()
})

/** Telemetry as an operator configures it: the OpenTelemetry variables only. */
const telemetry = () =>
  Telemetry.layerConfig().pipe(
    Layer.provide(
      ConfigProvider.layer(
        ConfigProvider.fromUnknown({
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${API_KEY}`,
          OTEL_SERVICE_NAME: "wedsync-telemetry-test"
        })
      )
    )
  )

// One attempt per provider, so the trace has exactly one span for each.
const policies = Policy.layer({
  providers: { resend: { inCall: { maxAttempts: 1 } }, postmark: { inCall: { maxAttempts: 1 } } }
})

const stores = DeadLetters.layerMemory.pipe(
  Layer.provideMerge(Outbox.layer()),
  Layer.provideMerge(Quarantine.layerMemory()),
  Layer.provideMerge(Overrides.layerMemory.pipe(Layer.provideMerge(Resilience.layerMemory({ random: () => 0 })))),
  Layer.provideMerge(Audit.layerMemory),
  Layer.provide(PersistedQueue.layer),
  Layer.provide(PersistedQueue.layerStoreMemory),
  Layer.provideMerge(policies)
)

const serve = <E, R>(routes: Layer.Layer<never, E, R>) =>
  HttpRouter.serve(routes, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0 }))
  )

const baseUrlOf = <E>(runtime: ManagedRuntime.ManagedRuntime<HttpServer.HttpServer, E>) =>
  runtime.runPromise(
    Effect.map(Effect.service(HttpServer.HttpServer), (server) =>
      server.address._tag === "UnixPathAddress" ? "unreachable" : `http://127.0.0.1:${server.address.port}`
    )
  )

const ana = { name: "Ana Lopez", email: "ana@example.com" }
const reminder = { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." }

const remindersRoute = HttpRouter.add(
  "POST",
  "/reminders",
  Effect.map(
    Notifications.offer({ id: "reminder:w_otel:tasting", recipient: ana, message: reminder, channels: ["email"] }),
    (offered) => HttpServerResponse.text(offered.id, { status: 202 })
  ).pipe(Effect.orDie)
)

const notifications = Layer.suspend(() =>
  Notifications.layer({
    email: {
      from: "WedSync <reminders@wedsync.test>",
      providers: [
        Resend.layer({
          baseUrl: simulators.resend.url,
          apiKey: Redacted.make(simulators.resend.credentials.apiKey)
        }),
        Postmark.layer({
          baseUrl: simulators.postmark.url,
          serverToken: Redacted.make(simulators.postmark.credentials.serverToken)
        })
      ]
    }
  })
)

const spansOfTrace = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId)
const named = (spans: ReadonlyArray<ReceivedSpan>, name: string) => spans.find((span) => span.name === name)

describe("Telemetry over OTLP", () => {
  it("traces a reminder from the API call through the outbox to both provider attempts under one trace id", async () => {
    const app = Layer.mergeAll(
      serve(Layer.mergeAll(remindersRoute, Telemetry.metricsRoute())),
      Layer.effectDiscard(Outbox.worker(Notifications.handlers))
    ).pipe(Layer.provideMerge(notifications), Layer.provideMerge(stores), Layer.provideMerge(telemetry()))
    const runtime = ManagedRuntime.make(app)
    try {
      const baseUrl = await baseUrlOf(runtime)
      const answer = await fetch(`${baseUrl}/reminders`, { method: "POST" })
      expect(answer.status).toBe(202)

      const trace = await eventually(async () => {
        await runtime.runPromise(Telemetry.flush())
        const request = receiver.spans.find(
          (span) => span.kind === SERVER && span.attributes["url.path"] === "/reminders"
        )
        if (request === undefined) return undefined
        const spans = spansOfTrace(request.traceId)
        return named(spans, "email.postmark.send") === undefined ? undefined : { request, spans }
      })
      const run = named(trace.spans, "outbox.run notifications.send")
      const resend = named(trace.spans, "email.resend.send")
      const postmark = named(trace.spans, "email.postmark.send")
      expect(run?.parentSpanId).toBe(trace.request.spanId)
      expect(run?.attributes).toMatchObject({ "wedsync.job_id": "reminder:w_otel:tasting", "wedsync.attempt": 1 })
      expect(resend).toMatchObject({ kind: CLIENT, status: ERROR, parentSpanId: run?.spanId })
      expect(resend?.attributes).toMatchObject({ "wedsync.provider": "resend", "wedsync.outcome": "Unavailable" })
      expect(postmark).toMatchObject({ kind: CLIENT, parentSpanId: run?.spanId })
      expect(postmark?.attributes).toMatchObject({ "wedsync.provider": "postmark", "wedsync.outcome": "success" })
      expect(new Set(trace.spans.map((span) => span.serviceName))).toEqual(new Set(["wedsync-telemetry-test"]))
      // The API key went to the collector as a header, from OTEL_EXPORTER_OTLP_HEADERS.
      expect(receiver.requests.every((request) => request.headers["x-api-key"] === API_KEY)).toBe(true)

      // Metrics went over OTLP too, and /metrics parses with the engine's counters and gauges.
      await runtime.runPromise(Telemetry.flush())
      expect(receiver.requests.some((request) => request.path === "/v1/metrics")).toBe(true)
      const page = await fetch(`${baseUrl}/metrics`)
      expect(page.headers.get("content-type")).toBe(Telemetry.PROMETHEUS_CONTENT_TYPE)
      const families = parsePrometheus(await page.text())
      const family = (name: string) => families.find((candidate) => candidate.name === name)
      const calls = family("wedsync_integration_calls_total")
      expect(calls?.type).toBe("COUNTER")
      const series = (labels: Record<string, string>) =>
        calls?.metrics.find((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value))
      expect(Number(series({ provider: "resend", outcome: "failure" })?.value)).toBeGreaterThanOrEqual(1)
      expect(Number(series({ provider: "postmark", outcome: "success" })?.value)).toBeGreaterThanOrEqual(1)
      expect(
        family("wedsync_integration_failures_total")?.metrics.some((m) => m.labels?.reason === "Unavailable")
      ).toBe(true)
      expect(Number(family("wedsync_failovers_total")?.metrics[0]?.value)).toBeGreaterThanOrEqual(1)
      expect(family("wedsync_breaker_state")?.type).toBe("GAUGE")
      expect(
        family("wedsync_provider_health")
          ?.metrics.map((metric) => metric.labels?.provider)
          .sort()
      ).toEqual(["postmark", "resend"])
    } finally {
      await runtime.dispose()
    }
  })

  const senderTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
  const senderSpan = "00f067aa0ba902b7"
  const secret = StripeSim.definition.credentials.webhookSecret
  const stripeSource = () => StripeWebhooks.make({ secret: Redacted.make(secret) })
  const signed = (id: string, traceId: string) => {
    const event = StripeSim.events.paymentIntentSucceeded(
      {
        id: `pi_${id}`,
        object: "payment_intent",
        amount: 50_000,
        currency: "gbp",
        metadata: {},
        status: "succeeded"
      } as unknown as StripeSim.PaymentIntent,
      { id, created: Math.floor(Date.now() / 1000) }
    )
    return {
      method: "POST",
      headers: {
        "content-type": event.contentType,
        "stripe-signature": StripeSim.signature(event.body, secret, Math.floor(Date.now() / 1000)),
        traceparent: `00-${traceId}-${senderSpan}-01`
      },
      body: event.body
    }
  }

  it("continues an inbound webhook's traceparent from the request span to the handler's run", async () => {
    const handled: Array<string> = []
    // A two-step source (Stripe's) decodes its events in the worker: the worker is given it.
    const worker = Effect.flatMap(Effect.orDie(stripeSource()), (source) =>
      Inbound.worker({ stripe: { "*": (event) => Effect.sync(() => handled.push(event.id)) } }, { sources: [source] })
    )
    const app = Layer.mergeAll(
      serve(Inbound.route(stripeSource(), { path: "/webhooks/stripe" })),
      Layer.effectDiscard(worker)
    ).pipe(Layer.provideMerge(stores), Layer.provideMerge(telemetry()))
    const runtime = ManagedRuntime.make(app)
    try {
      const baseUrl = await baseUrlOf(runtime)
      const answer = await fetch(`${baseUrl}/webhooks/stripe`, signed("evt_otel_1", senderTrace))
      expect(answer.status).toBe(200)
      const spans = await eventually(async () => {
        await runtime.runPromise(Telemetry.flush())
        const spans = spansOfTrace(senderTrace)
        return named(spans, "outbox.run webhook.stripe") === undefined ? undefined : spans
      })
      const request = spans.find((span) => span.kind === SERVER)
      expect(request?.parentSpanId).toBe(senderSpan)
      expect(named(spans, "outbox.run webhook.stripe")?.parentSpanId).toBe(request?.spanId)
      expect(handled).toEqual(["evt_otel_1"])
    } finally {
      await runtime.dispose()
    }
  })

  it("continues the traceparent through Inbound.webHandler", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c"
    const stripe = Inbound.webHandler(stripeSource(), stores.pipe(Layer.provideMerge(telemetry())))
    const answer = await stripe.handler(
      new Request("https://hooks.wedsync.test/api/webhooks/stripe", signed("evt_otel_2", traceId))
    )
    expect(answer.status).toBe(200)
    // Disposing closes the exporter's scope, which sends what it holds.
    await stripe.dispose()
    const request = await eventually(async () => spansOfTrace(traceId).find((span) => span.kind === SERVER))
    expect(request.parentSpanId).toBe(senderSpan)
  })
})
