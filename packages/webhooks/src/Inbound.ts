/**
 * Receiving a provider's webhooks. One pipeline per source, in two shapes — an
 * Effect `HttpRouter` route ({@link route}) and a Web-standard
 * `(Request) => Promise<Response>` ({@link webHandler}, a drop-in Next.js
 * route handler) — that runs, in order:
 *
 * 1. the raw bytes only, never a parsed body: past `maxBytes` (default 1 MiB)
 *    the answer is 413, before anything is hashed; a body that is not UTF-8
 *    is 400;
 * 2. the source's own verification (core `WebhookSource`): a missing or bad
 *    signature is 401, an authentic body that does not decode is 400 naming
 *    what is wrong;
 * 3. the durable inbox write: the event and its request (secret headers
 *    redacted) are offered to the outbox (`@wedsync/durable`) as job
 *    `webhook:<provider>:<event id>`, operation `webhook.<provider>`, service
 *    `"webhook"`. The outbox's store de-duplicates ids for as long as it keeps
 *    its rows (completed ones included), and batches the offers of
 *    concurrent deliveries into one commit;
 * 4. the 2xx, only once that write has committed. A duplicate gets the same
 *    2xx and is not processed again. When the store cannot write, the answer
 *    is 503 with `Retry-After`, so the provider delivers it again.
 *
 * Behind a proxy the URL the provider signed (Twilio signs it) is
 * `publicUrl`, or is read from `X-Forwarded-Proto`/`X-Forwarded-Host` when
 * `trustForwardedHeaders` is set (only behind a proxy that sets them).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { HttpRouter } from "effect/http"
 * import { StripeWebhooks } from "@wedsync/adapter-stripe"
 * import { Inbound } from "@wedsync/webhooks"
 *
 * const routes = Inbound.route(StripeWebhooks.make({ secret }), { path: "/webhooks/stripe" })
 * // handlers: Outbox.worker({ [Inbound.operation("stripe")]: (job) => ... })
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer, type LogLevel, References, type Scope } from "effect"
import { HttpRouter, HttpServer, type HttpServerRequest, type HttpServerResponse } from "effect/http"
import type { DeliveryEvent, IntegrationError, WebhookSource } from "@wedsync/core"
import type { Deliveries } from "@wedsync/notifications"
import { type DeadLetters, Outbox } from "@wedsync/durable"
import type { Options } from "./internal/options.ts"
import * as Pipeline from "./internal/pipeline.ts"
import * as DeliveryHandler from "./internal/deliveries.ts"
import * as Processing from "./internal/processing.ts"
import * as Reinject from "./internal/reinject.ts"
import * as Quarantine from "./Quarantine.ts"

export type { Options } from "./internal/options.ts"

/** Sources whose events are wedding-critical by default. @example `Inbound.PAYMENT_PROCESSORS.includes("stripe") // true` @since 0.1.0 */
export const PAYMENT_PROCESSORS: ReadonlyArray<string> = ["stripe"]

/** 1 MiB. @example `Inbound.DEFAULT_MAX_BYTES // 1_048_576` @since 0.1.0 */
export const DEFAULT_MAX_BYTES = 1_048_576

/**
 * A source, or the effect that builds it (an adapter's `make`, which fails
 * with `Misconfigured` on a bad secret).
 *
 * @example
 * ```ts
 * const source: Inbound.Source = StripeWebhooks.make({ secret })
 * ```
 * @since 0.1.0
 */
export type Source =
  | WebhookSource.WebhookSource["Service"]
  | Effect.Effect<WebhookSource.WebhookSource["Service"], IntegrationError.IntegrationError>

/**
 * A source that splits its work in two, as core's `WebhookSource` plus two
 * members: `identify` (the signature, then only the id, type and time: what
 * the 2xx needs) runs before the answer, and the inbox keeps the request
 * once; `decode` (the whole event from a stored request, no signature check)
 * runs in {@link worker}, which must be given the source (`sources`). Used
 * only when the route is asked to (`Options.twoStep`). A body
 * that does not decode there is dead-lettered with the field named, never
 * retried. A plain source is verified and decoded before the 2xx.
 *
 * @example
 * ```ts
 * const source: Inbound.TwoStepSource = { ...stripe, identify: verifyAndReadId, decode: decodeEvent }
 * ```
 * @since 0.1.0
 */
export type TwoStepSource = WebhookSource.WebhookSource["Service"] & Processing.TwoStep

/** What a {@link TwoStepSource}'s `identify` returns. @example `{ id: "evt_1", type: "payment_intent.succeeded" }` @since 0.1.0 */
export type Identified = Processing.Identified

/**
 * The outbox operation that processes `provider`'s events.
 *
 * @example
 * ```ts
 * Outbox.worker({ [Inbound.operation("stripe")]: (job) => handleStripe(job.payload as Inbound.Received) })
 * ```
 * @since 0.1.0
 */
export const operation = (provider: string): string => Processing.operationOf(provider)

/**
 * The inbox job id of one event: the provider and the provider's event id.
 *
 * @example
 * ```ts
 * Inbound.jobId("stripe", "evt_1QxY2") // "webhook:stripe:evt_1QxY2"
 * ```
 * @since 0.1.0
 */
export const jobId = (provider: string, eventId: string): string => Pipeline.jobIdOf(provider, eventId)

/**
 * The request an event came in, as the inbox keeps it: headers whose names
 * look secret (`Authorization`, `X-Goog-Channel-Token`, cookies) redacted;
 * signature headers and the body kept, so it can be verified again.
 *
 * @example
 * ```ts
 * const body = (request: Inbound.StoredRequest) => request.body
 * ```
 * @since 0.1.0
 */
export type StoredRequest = Processing.Received["request"]

/**
 * What the inbox holds for one event (the job's payload): the decoded event
 * and the request it came in.
 *
 * @example
 * ```ts
 * const type = (received: Inbound.Received) => received.event.type
 * ```
 * @since 0.1.0
 */
export type Received = Processing.Received

/**
 * A handler of one provider's events of one type. It fails with the
 * `IntegrationError` of what it called (read by reason: a `Rejected` is not
 * retried, an `Unavailable` is); running past the `webhook` policy's timeout
 * is a `TimedOut`, and a throw or defect an `Unavailable` (an unknown error).
 *
 * @example
 * ```ts
 * const onSucceeded: Inbound.EventHandler = (event) => Effect.log(`paid: ${event.id}`)
 * ```
 * @since 0.1.0
 */
export type EventHandler<R = never> = Processing.EventHandler<R>

/**
 * Handlers by provider, then by event type; `"*"` takes every other type of
 * that provider. An event of a type nobody handles is done.
 *
 * @example
 * ```ts
 * const handlers = { stripe: { "payment_intent.succeeded": confirmBooking, "*": recordOnly } } satisfies Inbound.Handlers
 * ```
 * @since 0.1.0
 */
export type Handlers = Processing.Handlers

/**
 * The outbox handlers of `registry`, by operation (`webhook.<provider>`), for
 * a worker that runs other work too: `Outbox.worker({ ...Inbound.handlers(registry),
 * ...Payments.handlers })`. The same dispatch as {@link worker}: by event type
 * (`"*"` for the rest), under the `webhook` policy's timeout, a thrown or
 * died handler an `Unavailable` (`wedsync.webhook.handler_defect`), a
 * two-step source's events decoded with `sources`.
 *
 * @example
 * ```ts
 * yield* Outbox.worker({ ...Inbound.handlers({ stripe: { "*": recordPayment } }), ...Payments.handlers })
 * ```
 * @since 0.1.0
 */
export const handlers = <const H extends Handlers>(
  registry: H,
  options?: { readonly sources?: ReadonlyArray<WebhookSource.WebhookSource["Service"]> | undefined }
): Readonly<Record<string, Outbox.Handler<Processing.ServicesOf<H>>>> =>
  Processing.outboxHandlers(registry, options?.sources) as Readonly<
    Record<string, Outbox.Handler<Processing.ServicesOf<H>>>
  >

/**
 * Processes received events from the inbox with `handlers`, on the outbox's
 * workers: critical work (a payment processor's event, a wedding within 7
 * days) in the critical lane, taken first; failures retried under the
 * `webhook` policy (a timeout 5 times from 30 s, another transient error 3
 * times from 60 s, critical work 8 times from 30 s, the wedding day
 * included); signature and payload failures never; what is exhausted kept
 * as a dead letter with its reason and its original request, replayable.
 * Runs until its scope closes.
 *
 * @example
 * ```ts
 * yield* Inbound.worker({
 *   stripe: { "payment_intent.succeeded": (event) => confirmDeposit(event.payload) },
 *   resend: { "*": (event) => Deliveries.record(event) }
 * })
 * ```
 * @since 0.1.0
 */
export const worker = <const H extends Handlers>(
  handlers: H,
  options?: Outbox.WorkerOptions & {
    /** The {@link TwoStepSource}s whose events the inbox keeps undecoded: their `decode` runs here. */
    readonly sources?: ReadonlyArray<WebhookSource.WebhookSource["Service"]> | undefined
  }
): Effect.Effect<void, never, Outbox.Outbox | DeadLetters.DeadLetters | Scope.Scope | Processing.ServicesOf<H>> =>
  Outbox.worker(Processing.outboxHandlers(handlers, options?.sources), options) as Effect.Effect<
    void,
    never,
    Outbox.Outbox | DeadLetters.DeadLetters | Scope.Scope | Processing.ServicesOf<H>
  >

/**
 * The pipeline for one source, as a handler of an `HttpServerRequest`. It
 * never fails: every outcome is an answer.
 *
 * @example
 * ```ts
 * const handler = yield* Inbound.receive(StripeWebhooks.make({ secret }))
 * HttpRouter.add("POST", "/webhooks/stripe", handler)
 * ```
 * @since 0.1.0
 */
export const receive = (
  source: Source,
  options?: Options
): Effect.Effect<
  (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse>,
  IntegrationError.IntegrationError,
  Outbox.Outbox | Quarantine.Quarantine
> =>
  Effect.gen(function* () {
    const verifier = Effect.isEffect(source) ? yield* source : source
    return Pipeline.handler({
      verifier,
      outbox: yield* Outbox.Outbox,
      quarantine: yield* Quarantine.Quarantine,
      limit: options?.maxBytes ?? DEFAULT_MAX_BYTES,
      addressing: options ?? {},
      retryAfter: String(options?.retryAfterSeconds ?? 30),
      writeTimeout: Duration.fromInputUnsafe(options?.writeTimeout ?? "5 seconds"),
      critical: options?.critical ?? PAYMENT_PROCESSORS.includes(verifier.provider),
      twoStep: options?.twoStep === true
    })
  })

/**
 * The handler that records a provider's delivery events (its source's
 * `deliveryEvents` decoder) in `Deliveries`: status webhooks become one
 * handler among others, received, de-duplicated and retried like any event.
 *
 * @example
 * ```ts
 * yield* Inbound.worker({
 *   twilio: { "*": Inbound.recordDeliveries(TwilioWebhooks.deliveryEvents) },
 *   postmark: { "*": Inbound.recordDeliveries(PostmarkWebhooks.deliveryEvents) }
 * })
 * ```
 * @since 0.1.0
 */
export const recordDeliveries: (decode: DeliveryEvent.Decoder) => EventHandler<Deliveries.Deliveries> =
  DeliveryHandler.recordDeliveries

/**
 * How a re-injected delivery is trusted: `{ _tag: "Verify" }` checks it with
 * its source as of when it arrived; `{ _tag: "OperatorTrusted", eventId, type }`
 * skips the check on the operator's word (audited as such) and names the event.
 *
 * @example
 * ```ts
 * const trust: Inbound.Trust = { _tag: "OperatorTrusted", eventId: "evt_1", type: "payment_intent.succeeded" }
 * ```
 * @since 0.1.0
 */
export type Trust = Reinject.Trust

/** What replaces a quarantined request's body or headers. @example `{ body: fixedJson }` @since 0.1.0 */
export type Repair = Reinject.Repair

/** What a re-injection wrote. @example `reinjected.jobId` @since 0.1.0 */
export type Reinjected = Reinject.Reinjected

/** A quarantined delivery that cannot be re-injected as asked (another provider's, re-injected already, not UTF-8). @since 0.1.0 */
export const ReinjectRefused = Reinject.ReinjectRefused

/** @since 0.1.0 */
export type ReinjectRefused = Reinject.ReinjectRefused

/**
 * Re-injects a quarantined delivery of `source`'s provider, repaired if need
 * be, verified again (as of when it arrived) or explicitly trusted by the
 * operator, into the inbox; audited with the actor.
 *
 * @example
 * ```ts
 * yield* Inbound.reinject(StripeWebhooks.make({ secret }), entry.id, { trust: { _tag: "Verify" } }, operator)
 * ```
 * @since 0.1.0
 */
export const reinject = (
  source: Source,
  id: string,
  options: { readonly repair?: Repair | undefined; readonly trust: Trust; readonly critical?: boolean | undefined },
  operator: Quarantine.Operator
) =>
  Effect.gen(function* () {
    const verifier = Effect.isEffect(source) ? yield* source : source
    const outbox = yield* Outbox.Outbox
    return yield* Reinject.reinject(
      verifier,
      id,
      { ...options, critical: options.critical ?? PAYMENT_PROCESSORS.includes(verifier.provider) },
      operator,
      outbox
    )
  })

/**
 * The pipeline for one source as an `HttpRouter` route (`POST path`).
 *
 * @example
 * ```ts
 * const routes = Layer.mergeAll(
 *   Inbound.route(StripeWebhooks.make({ secret: stripeSecret }), { path: "/webhooks/stripe" }),
 *   Inbound.route(ResendWebhooks.make({ secret: resendSecret }), { path: "/webhooks/resend" })
 * )
 * ```
 * @since 0.1.0
 */
export const route = (
  source: Source,
  options: Options & { readonly path: HttpRouter.PathInput }
): Layer.Layer<
  never,
  IntegrationError.IntegrationError,
  HttpRouter.HttpRouter | Outbox.Outbox | Quarantine.Quarantine
> => Layer.unwrap(Effect.map(receive(source, options), (handler) => HttpRouter.add("POST", options.path, handler)))

/**
 * The pipeline for one source as a Web-standard handler, answering a POST at
 * any path: a Next.js route handler (`export const POST = stripe.handler`).
 * Build it once per process; `dispose` closes what `inbox` opened. What
 * `inbox` provides is the requests' context too: a tracer in it (OTLP
 * telemetry) makes each request a span continuing the sender's `traceparent`.
 *
 * @example
 * ```ts
 * // app/api/webhooks/stripe/route.ts
 * const stripe = Inbound.webHandler(StripeWebhooks.make({ secret }), OutboxLive)
 * export const POST = (request: Request) => stripe.handler(request)
 * ```
 * @since 0.1.0
 */
export const webHandler = <E>(
  source: Source,
  inbox: Layer.Layer<Outbox.Outbox | Quarantine.Quarantine, E>,
  options?: Options & {
    /** The least severe of the handler's own log lines to print (default `"Info"`); refusals are `"Warn"`. */
    readonly minimumLogLevel?: LogLevel.LogLevel | undefined
  }
): { readonly handler: (request: Request) => Promise<Response>; readonly dispose: () => Promise<void> } => {
  const app = HttpRouter.toWebHandler(
    route(source, { ...options, path: "/*" }).pipe(
      Layer.provideMerge(inbox),
      Layer.provide(HttpServer.layerServices),
      Layer.provideMerge(Layer.succeed(References.MinimumLogLevel, options?.minimumLogLevel ?? "Info"))
    ),
    { disableLogger: true }
  )
  return {
    // A source or an inbox that cannot be built (a missing secret, a store that will not open) answers 500,
    // so the provider delivers again once it is fixed; the handler never rejects.
    handler: (request) =>
      app.handler(request).catch((cause: unknown) => {
        console.error("@wedsync/webhooks: the webhook receiver could not be built; answered 500", String(cause))
        return Response.json(
          { error: "receiver_misconfigured", message: "the receiver cannot take deliveries from this provider" },
          { status: 500 }
        )
      }),
    dispose: app.dispose
  }
}
