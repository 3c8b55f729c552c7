/**
 * Processing received events from the inbox: each provider's events go to
 * the handler registered for their type (or the provider's `"*"`), on the
 * outbox's worker, under the `webhook` policy's deferred-retry table.
 *
 * A handler runs under the policy's timeout; running past it is a
 * `TimedOut` (the spec's "processing timeout"). Anything a handler throws or
 * dies with is an `Unavailable` with provider code
 * `wedsync.webhook.handler_defect` (the spec's "unknown error"), so it is
 * retried rather than dead-lettered at once; an `IntegrationError` it fails
 * with is read by its reason, never its text. An event of a type nobody
 * handles is done: it was recorded when it was received.
 *
 * @internal
 */
import { Cause, Duration, Effect } from "effect"
import { IntegrationError, Policy, type WebhookSource } from "@wedsync/core"
import type { Outbox } from "@wedsync/durable"

/** What the inbox keeps for one event. @internal */
export interface Received {
  readonly event: WebhookSource.WebhookEvent
  readonly request: {
    readonly method: string
    readonly url: string
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
    readonly remoteAddress?: string | undefined
    readonly receivedAt: number
  }
}

/**
 * What a two-step source's `identify` finds in an authentic delivery: what
 * the 2xx needs (the id it is de-duplicated on, the type, when it happened)
 * and, optionally, the body as parsed so far, read only for the wedding it
 * names (never stored).
 *
 * @internal
 */
export interface Identified {
  readonly id: string
  readonly type: string
  readonly occurredAt?: number | undefined
  readonly payload?: unknown
}

/**
 * The two optional members a source may add to core's `WebhookSource` so
 * that the 2xx path does only what it must (see `Inbound.TwoStepSource`).
 *
 * @internal
 */
export interface TwoStep {
  readonly identify: (
    request: WebhookSource.WebhookRequest
  ) => Effect.Effect<Identified, IntegrationError.IntegrationError>
  readonly decode: (
    request: Received["request"]
  ) => Effect.Effect<WebhookSource.WebhookEvent, IntegrationError.IntegrationError>
}

/** Whether a source has both steps. @internal */
export const twoStepOf = (source: object): TwoStep | undefined => {
  const candidate = source as Partial<TwoStep>
  return typeof candidate.identify === "function" && typeof candidate.decode === "function"
    ? (candidate as TwoStep)
    : undefined
}

/**
 * What the inbox keeps for an event of a two-step source: the request once
 * and the event without its payload, which the worker decodes from the body.
 *
 * @internal
 */
export interface Undecoded {
  readonly event: Omit<WebhookSource.WebhookEvent, "payload">
  readonly request: Received["request"]
  readonly undecoded: true
}

const isUndecoded = (stored: Received | Undecoded): stored is Undecoded => (stored as Undecoded).undecoded === true

/** A handler of one provider's events of one type. @internal */
export type EventHandler<R = never> = (
  event: WebhookSource.WebhookEvent,
  received: Received,
  context: Outbox.HandlerContext
) => Effect.Effect<unknown, Outbox.HandlerError, R>

/** Handlers by provider, then by event type (`"*"`: every other type of that provider). @internal */
export type Handlers = Readonly<Record<string, Readonly<Record<string, EventHandler<unknown>>>>>

/** The services the handlers of a registry need. @internal */
export type ServicesOf<H extends Handlers> = {
  readonly [P in keyof H]: { readonly [T in keyof H[P]]: H[P][T] extends EventHandler<infer R> ? R : never }[keyof H[P]]
}[keyof H]

/** The outbox operation of a provider's events. @internal */
export const operationOf = (provider: string): string => `webhook.${provider}`

/** The error of a handler that threw or died: unknown, so retried as the policy says. @internal */
const defectOf = (provider: string, defect: unknown) =>
  IntegrationError.make(
    provider,
    "webhook.process",
    new IntegrationError.Unavailable({
      description: `the handler failed unexpectedly: ${defect instanceof Error ? defect.name : typeof defect}`
    }),
    { providerCode: "wedsync.webhook.handler_defect" }
  )

/**
 * The event of a stored delivery, decoded by its source's `decode` when the
 * inbox kept it undecoded. A body that does not decode fails as the source
 * says (`PayloadInvalid`, naming the field: never retried, dead-lettered with
 * its request); a worker given no such source fails `Misconfigured`, so the
 * job is kept as a dead letter and replays once the worker has it.
 */
const decoded = (
  provider: string,
  stored: Received | Undecoded,
  sources: Readonly<Record<string, TwoStep>>
): Effect.Effect<Received, IntegrationError.IntegrationError> => {
  if (!isUndecoded(stored)) return Effect.succeed(stored)
  const source = sources[provider]
  if (source === undefined) {
    return Effect.fail(
      IntegrationError.make(
        provider,
        "webhook.process",
        new IntegrationError.Misconfigured({
          description: `the event was stored undecoded and the worker has no two-step ${provider} source to decode it`
        })
      )
    )
  }
  return Effect.map(source.decode(stored.request), (event) => ({ event, request: stored.request }))
}

/** One provider's dispatcher: the handler for the event's type, timed and with defects as errors. @internal */
const dispatcher =
  (
    provider: string,
    byType: Readonly<Record<string, EventHandler<unknown>>>,
    sources: Readonly<Record<string, TwoStep>>
  ) =>
  (job: Outbox.Job, context: Outbox.HandlerContext) =>
    Effect.gen(function* () {
      const stored = job.payload as Received | Undecoded
      const handler = byType[stored.event.type] ?? byType["*"]
      if (handler === undefined) {
        return yield* Effect.logDebug("webhook event of a type with no handler: recorded, nothing to do").pipe(
          Effect.annotateLogs({ provider, type: stored.event.type, id: stored.event.id })
        )
      }
      const received = yield* decoded(provider, stored, sources)
      const policies = yield* Effect.service(Policy.Policies)
      const timeout = Duration.millis(policies.get("webhook", provider).timeoutMillis)
      return yield* Effect.suspend(() => handler(received.event, received, context)).pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.fail(IntegrationError.make(provider, "webhook.process", new IntegrationError.TimedOut({ timeout })))
        }),
        Effect.catchCause((cause) => {
          const failure = Cause.findErrorOption(cause)
          if (failure._tag === "Some") return Effect.fail(failure.value)
          if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
          return Effect.fail(defectOf(provider, Cause.squash(cause)))
        })
      )
    })

/** The outbox handlers of a registry, by operation. @internal */
export const outboxHandlers = (
  handlers: Handlers,
  sources: ReadonlyArray<WebhookSource.WebhookSource["Service"]> = []
): Readonly<Record<string, Outbox.Handler<unknown>>> => {
  const twoStep: Record<string, TwoStep> = {}
  for (const source of sources) {
    const steps = twoStepOf(source)
    if (steps !== undefined) twoStep[source.provider] = steps
  }
  return Object.fromEntries(
    Object.entries(handlers).map(([provider, byType]) => [operationOf(provider), dispatcher(provider, byType, twoStep)])
  )
}
