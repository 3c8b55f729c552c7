/**
 * Reconciliation: asking providers where a message stands when its delivery
 * event is overdue. Twilio and Postmark barely retry their webhooks, so a
 * lost callback would otherwise leave a message "sent" forever.
 *
 * One pass (`run`) reads the overdue messages from `Deliveries`, oldest due
 * first, and asks each one's provider through its `DeliveryEvent.DeliveryStatus`
 * under `Resilience.protect` (operation `"status"`, on the provider's own
 * `"status"` circuit and bulkhead, so a rate limit on its status API never
 * opens the circuit its sends go through), a few at a time. What it
 * learns goes through `Deliveries.record`, the path webhooks take, so an event
 * found by both is kept once. Then, per message:
 *
 * - a final status settles it;
 * - no news (or only `sent`/`delayed`) asks again later, each wait longer
 *   (`backoff`, by default 5 minutes doubling up to 2 hours);
 * - a failed lookup is counted and asked again later (never sooner than the
 *   provider's Retry-After); `Rejected` or `InvalidRequest` (the provider does
 *   not know the id) stops the polling at once;
 * - a provider without a lookup (Vonage) is skipped, and asked again later in
 *   case one is configured;
 * - every check counts, and the `maxChecks`-th without a final status (8 by
 *   default, about 7 hours after the message was due) abandons it.
 *
 * Abandoning records no event: a made-up `failed` would claim the provider
 * could not send the message, when all we know is that nobody told us, and
 * whatever reacts to failures (a resend, a note to the couple) would act on
 * it. The message is marked `abandoned` instead, reported in the pass's
 * summary and logged; a late webhook still settles it.
 *
 * `schedule` runs a pass every `every` as a daemon of the current scope; a
 * failed pass is logged and the next one runs on time.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Resilience } from "@wedsync/core"
 * import { Deliveries, Reconciliation } from "@wedsync/notifications"
 *
 * const ReconciliationLive = Reconciliation.layer({
 *   lookups: [twilioStatus, postmarkStatus],
 *   every: "1 minute",
 *   batchSize: 200
 * }).pipe(Layer.provide(Deliveries.layerSql), Layer.provide(Resilience.layerMemory()))
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Clock, type Duration, Effect, Layer, Metric, Option, Schedule, type Scope } from "effect"
import * as Correlation from "@wedsync/core/Correlation"
import { Deliveries, type Pending } from "./Deliveries.ts"
import type { DeliveryStatus } from "@wedsync/core/DeliveryEvent"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import { type Answer, decide, type Outcome, type Settings } from "./internal/deliveries/reconcile.ts"
import type { Delay } from "@wedsync/core/Policy"
import * as Resilience from "@wedsync/core/Resilience"
import type { StoreError } from "@wedsync/core/StoreError"

export type { Outcome } from "./internal/deliveries/reconcile.ts"

/**
 * What one pass does: which providers it can ask, how many messages it takes,
 * how many lookups run at once, how it backs off and when it gives up.
 *
 * @example
 * ```ts
 * const options: Reconciliation.Options = {
 *   lookups: [twilioStatus, postmarkStatus],
 *   batchSize: 100,
 *   concurrency: 4,
 *   backoff: { kind: "exponential", baseMillis: 5 * 60_000, factor: 2, capMillis: 2 * 3_600_000 },
 *   maxChecks: 8
 * }
 * ```
 * @since 0.1.0
 */
export interface Options {
  /** The status lookups, one per (channel, provider); the first wins when two share one. */
  readonly lookups: ReadonlyArray<DeliveryStatus["Service"]>
  /** Overdue messages taken per pass (default 100, at most 1000). */
  readonly batchSize?: number | undefined
  /** Lookups in flight at once (default 4). */
  readonly concurrency?: number | undefined
  /** The wait after the n-th check without a final status is `Retry.tableDelay(backoff, n - 1)`. */
  readonly backoff?: Delay | undefined
  /** Checks without a final status before the message is abandoned (default 8). */
  readonly maxChecks?: number | undefined
}

/**
 * What a pass did. `checked` counts the overdue messages it took; each falls
 * in exactly one of the other counts. `outcomes` says what happened to each.
 *
 * @example
 * ```ts
 * const healthy = (summary: Reconciliation.Summary) => summary.failed === 0 && summary.abandoned === 0
 * ```
 * @since 0.1.0
 */
export interface Summary {
  readonly checked: number
  readonly settled: number
  readonly pending: number
  readonly failed: number
  readonly abandoned: number
  readonly skipped: number
  readonly outcomes: ReadonlyArray<Outcome>
}

/**
 * The default back-off: 5 minutes, doubling, at most 2 hours apart.
 *
 * @example
 * ```ts
 * Retry.tableDelay(Reconciliation.defaultBackoff, 3) // 2_400_000 (40 minutes)
 * ```
 * @since 0.1.0
 */
export const defaultBackoff: Delay = {
  kind: "exponential",
  baseMillis: 5 * 60_000,
  factor: 2,
  capMillis: 2 * 3_600_000
}

const checksTotal = Metric.counter("wedsync_reconciliation_checks_total", {
  description: "Overdue messages checked by reconciliation, by provider and outcome",
  incremental: true
})

type Lookup = DeliveryStatus["Service"]

const keyOf = (channel: string, provider: string) => `${channel}:${provider}`

const lookupTable = (lookups: ReadonlyArray<Lookup>): ReadonlyMap<string, Lookup> => {
  const table = new Map<string, Lookup>()
  for (const lookup of lookups) {
    const key = keyOf(lookup.channel, lookup.provider)
    if (!table.has(key)) table.set(key, lookup)
  }
  return table
}

/** Asks the provider, under its policy and the message's correlation id; every failure becomes an answer. */
const ask = (lookup: Lookup, message: Pending): Effect.Effect<Answer, never, Resilience.Resilience> => {
  const call = lookup.lookup(message.messageId).pipe(
    Effect.flatMap(
      Option.match({
        onNone: () => Effect.succeed<Answer>({ _tag: "NoNews" }),
        onSome: (event) =>
          event.provider === message.provider && event.messageId === message.messageId
            ? Effect.succeed<Answer>({ _tag: "Found", event })
            : Effect.fail(
                IntegrationError.make(
                  message.provider,
                  "status",
                  new IntegrationError.PayloadInvalid({ description: `status lookup answered for ${event.messageId}` })
                )
              )
      })
    ),
    Resilience.protect({
      service: message.channel,
      provider: message.provider,
      operation: "status",
      circuit: "status",
      idempotent: true
    })
  )
  const correlated = message.correlationId === undefined ? call : Correlation.withId(message.correlationId)(call)
  return Effect.catchTag(correlated, "IntegrationError", (error) =>
    Effect.succeed<Answer>({ _tag: "LookupFailed", error })
  )
}

const check =
  (deliveries: Deliveries["Service"], lookups: ReadonlyMap<string, Lookup>, settings: Settings) =>
  (message: Pending): Effect.Effect<Outcome, StoreError, Resilience.Resilience> =>
    Effect.gen(function* () {
      const lookup = lookups.get(keyOf(message.channel, message.provider))
      const answer: Answer = lookup === undefined ? { _tag: "NoLookup" } : yield* ask(lookup, message)
      if (answer._tag === "Found") yield* deliveries.record(answer.event)
      const { outcome, write } = decide(message, answer, yield* Clock.currentTimeMillis, settings)
      if (write._tag === "Reschedule") {
        yield* deliveries.reschedule(message.provider, message.messageId, write)
      } else if (write._tag === "Abandon" && (yield* deliveries.abandon(message.provider, message.messageId, write))) {
        // false when a webhook settled it meanwhile: nothing was given up
        yield* Effect.logWarning(`reconciliation: stopped polling ${message.provider} ${message.messageId}`).pipe(
          Effect.annotateLogs({ why: outcome._tag === "Abandoned" ? outcome.why : "" })
        )
      }
      yield* Metric.update(
        Metric.withAttributes(checksTotal, { provider: message.provider, outcome: outcome._tag.toLowerCase() }),
        1
      )
      return outcome
    })

const summarize = (outcomes: ReadonlyArray<Outcome>): Summary => {
  const count = (tag: Outcome["_tag"]) => outcomes.filter((outcome) => outcome._tag === tag).length
  return {
    checked: outcomes.length,
    settled: count("Settled"),
    pending: count("Pending"),
    failed: count("Failed"),
    abandoned: count("Abandoned"),
    skipped: count("Skipped"),
    outcomes
  }
}

const positive = (value: number | undefined, fallback: number): number =>
  value === undefined || !Number.isFinite(value) ? fallback : Math.max(1, Math.floor(value))

/**
 * One reconciliation pass over the overdue messages; fails only when the
 * `Deliveries` store does (lookup failures are outcomes). Logs the summary
 * and counts each outcome in `wedsync_reconciliation_checks_total`.
 *
 * @example
 * ```ts
 * const summary = yield* Reconciliation.run({ lookups: [twilioStatus, postmarkStatus], batchSize: 50 })
 * // { checked: 3, settled: 2, pending: 1, failed: 0, abandoned: 0, skipped: 0, outcomes: [...] }
 * ```
 * @since 0.1.0
 */
export const run = (options: Options): Effect.Effect<Summary, StoreError, Deliveries | Resilience.Resilience> =>
  Effect.gen(function* () {
    const deliveries = yield* Deliveries
    const settings: Settings = { backoff: options.backoff ?? defaultBackoff, maxChecks: positive(options.maxChecks, 8) }
    const now = yield* Clock.currentTimeMillis
    const overdue = yield* deliveries.overdue({ now, limit: options.batchSize })
    const outcomes = yield* Effect.forEach(overdue, check(deliveries, lookupTable(options.lookups), settings), {
      concurrency: positive(options.concurrency, 4)
    })
    const summary = summarize(outcomes)
    const { outcomes: _, ...counts } = summary
    yield* (summary.checked === 0 ? Effect.logDebug : Effect.logInfo)("reconciliation pass").pipe(
      Effect.annotateLogs(counts)
    )
    return summary
  }).pipe(Effect.withSpan("reconciliation.run"))

/**
 * Runs a pass now and then every `every` (counted from the end of the
 * previous pass) in a fiber of the current scope. A pass that fails, or dies,
 * is logged and the next one runs on schedule.
 *
 * @example
 * ```ts
 * yield* Reconciliation.schedule({ lookups: [twilioStatus], every: "1 minute" })
 * ```
 * @since 0.1.0
 */
export const schedule = (
  options: Options & { readonly every: Duration.Input }
): Effect.Effect<void, never, Deliveries | Resilience.Resilience | Scope.Scope> =>
  run(options).pipe(
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause)
        : Effect.logWarning("reconciliation: a pass failed; the next one runs on schedule", cause)
    ),
    Effect.repeat(Schedule.spaced(options.every)),
    Effect.forkScoped,
    Effect.asVoid
  )

/**
 * The daemon of {@link schedule} as a layer: it runs while the layer lives.
 *
 * @example
 * ```ts
 * const live = Reconciliation.layer({ lookups: [twilioStatus], every: "1 minute" }).pipe(
 *   Layer.provide(Deliveries.layerSql),
 *   Layer.provide(Resilience.layerMemory())
 * )
 * ```
 * @since 0.1.0
 */
export const layer = (
  options: Options & { readonly every: Duration.Input }
): Layer.Layer<never, never, Deliveries | Resilience.Resilience> => Layer.effectDiscard(schedule(options))
