/**
 * An in-test provider status API for the `DeliveryStatus` port, answering
 * the way Twilio's `GET /Messages/{sid}` and Postmark's message details do:
 * a message the provider never accepted is a 404 (`Rejected`), one still
 * queued or accepted has no news (`None`), otherwise the latest status it
 * knows, as an event whose id is `<provider>:<messageId>:<status>`, the id the
 * webhook adapters give the same status. The real Twilio and Postmark lookups
 * live in the adapter packages; this is the port's fixture, with a log of
 * what was asked and, per message, a queue of failures to inject.
 */
import { Clock, Effect, Layer, Option } from "effect"
import * as Correlation from "@wedsync/core/Correlation"
import * as Deliveries from "../src/Deliveries.ts"
import * as DeliveryEvent from "@wedsync/core/DeliveryEvent"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Policy from "@wedsync/core/Policy"
import * as Resilience from "@wedsync/core/Resilience"

/** What the next lookup does instead of answering. */
export type Injected =
  | { readonly _tag: "Fail"; readonly error: IntegrationError.IntegrationError }
  | { readonly _tag: "Die" }
  | { readonly _tag: "Hang" }
  | { readonly _tag: "Answer"; readonly event: DeliveryEvent.DeliveryEvent }

/** One request the API received: which message, when, under which correlation id. */
export interface Request {
  readonly messageId: string
  readonly at: number
  readonly correlationId: string | undefined
}

/** A provider's status API with its own record of messages. */
export const statusApi = (provider: string, channel: DeliveryEvent.Channel) => {
  const history = new Map<string, Array<{ readonly status: DeliveryEvent.Status; readonly at: number }>>()
  const injected = new Map<string, Array<Injected>>()
  const requests: Array<Request> = []
  let inFlight = 0
  let maxInFlight = 0
  let latency = 0

  const answer = (messageId: string) => {
    const known = history.get(messageId)
    if (known === undefined) {
      return Effect.fail(
        IntegrationError.make(
          provider,
          "status",
          new IntegrationError.Rejected({ description: `The requested resource ${messageId} was not found` }),
          { status: 404, providerCode: "20404" }
        )
      )
    }
    const latest = known.at(-1)
    if (latest === undefined) return Effect.succeed(Option.none<DeliveryEvent.DeliveryEvent>())
    return Effect.succeed(
      Option.some(
        new DeliveryEvent.DeliveryEvent({
          id: `${provider}:${messageId}:${latest.status}`,
          channel,
          provider,
          messageId,
          status: latest.status,
          occurredAt: latest.at,
          source: "reconciliation"
        })
      )
    )
  }

  const lookup = (
    messageId: string
  ): Effect.Effect<Option.Option<DeliveryEvent.DeliveryEvent>, IntegrationError.IntegrationError> =>
    Effect.gen(function* () {
      requests.push({ messageId, at: yield* Clock.currentTimeMillis, correlationId: yield* Correlation.current })
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      if (latency > 0) yield* Effect.sleep(latency)
      const next = injected.get(messageId)?.shift()
      if (next === undefined) return yield* answer(messageId)
      switch (next._tag) {
        case "Fail":
          return yield* Effect.fail(next.error)
        case "Die":
          return yield* Effect.die(new Error("status API client crashed"))
        case "Hang":
          return yield* Effect.never
        case "Answer":
          return Option.some(next.event)
      }
    }).pipe(Effect.ensuring(Effect.sync(() => inFlight--)))

  return {
    service: DeliveryEvent.DeliveryStatus.of({ provider, channel, lookup }),
    /** The provider accepted the message (queued: no status to report yet). */
    accept: (messageId: string) => void history.set(messageId, []),
    /** The provider's status for the message moved on. */
    advance: (messageId: string, status: DeliveryEvent.Status, at: number) =>
      void history.set(messageId, [...(history.get(messageId) ?? []), { status, at }]),
    /** The next lookups of `messageId` fail, die, hang or answer this instead, in order. */
    inject: (messageId: string, ...next: ReadonlyArray<Injected>) =>
      void injected.set(messageId, [...(injected.get(messageId) ?? []), ...next]),
    setLatency: (millis: number) => {
      latency = millis
    },
    requests,
    asked: () => requests.map((request) => request.messageId),
    maxInFlight: () => maxInFlight
  }
}

/** A failed lookup with the given reason. */
export const failure = (provider: string, reason: IntegrationError.Reason): Injected => ({
  _tag: "Fail",
  error: IntegrationError.make(provider, "status", reason)
})

/**
 * The resilience engine for reconciliation tests: one attempt per lookup (so
 * a failure is an outcome at once, without in-call retry sleeps), and a
 * circuit for `flaky` that opens after two failed calls.
 */
export const engine: Layer.Layer<Resilience.Resilience> = Resilience.layerMemory().pipe(
  Layer.provide(
    Policy.layer(
      Policy.PolicyOverrides.make({
        services: { sms: { inCall: { maxAttempts: 1 } }, email: { inCall: { maxAttempts: 1 } } },
        providers: { flaky: { breaker: { windowSize: 2, minimumCalls: 2 } } }
      })
    )
  )
)

/** Memory delivery tracking and the engine above. */
export const live = Layer.merge(Deliveries.layerMemory, engine)

/** A fixed back-off. */
export const fixed = (millis: number) => ({ kind: "fixed", millis }) as const

/** Tracks the messages in the `Deliveries` in context. */
export const track = (...messages: ReadonlyArray<Deliveries.Tracked>) =>
  Effect.flatMap(Effect.service(Deliveries.Deliveries), (deliveries) =>
    Effect.forEach(messages, deliveries.track, { discard: true })
  )
