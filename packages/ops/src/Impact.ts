/**
 * Impact assessment: when a circuit opens or an integration is disabled,
 * which upcoming weddings (and their workflows) it hurts, most urgent first.
 *
 * The weddings come from the {@link WeddingDirectory} port (those depending on
 * the service within the horizon); urgency is core's `WeddingContext`
 * criticality for the wedding's date under the thresholds in force
 * (`WeddingContext.CriticalityThresholds`), then nearness, then the work
 * already queued or dead-lettered for the wedding ({@link Counts}). Alerts and
 * the admin API include the assessment.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Impact, WeddingDirectory } from "@wedsync/ops"
 *
 * const assessment = Impact.assess({ service: "sms", provider: "twilio" }).pipe(
 *   Effect.provide(Layer.mergeAll(WeddingDirectory.layerSql(), Impact.countsFromStores))
 * )
 * // assessment.affected[0].why === "wedding today; 2 jobs queued"
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import { type StoreError, WeddingContext } from "@wedsync/core"
import type { DeadLetters } from "@wedsync/durable"
import { deadLettered, type QueueOptions, queued } from "./internal/impact/counts.ts"
import { affectedOf, byUrgency } from "./internal/impact/rank.ts"
import type { Affected } from "./internal/impact/types.ts"
import { WeddingDirectory } from "./WeddingDirectory.ts"

export type { Affected } from "./internal/impact/types.ts"

/**
 * What a failing service (or one provider of it) affects.
 *
 * @example
 * ```ts
 * const headline = (a: Impact.Assessment) => `${a.service}: ${a.weddingsToday} weddings today, ${a.affected.length} within the horizon`
 * ```
 * @since 0.1.0
 */
export interface Assessment {
  readonly service: string
  readonly provider?: string | undefined
  /** When it was assessed (epoch ms). */
  readonly at: number
  readonly weddingsToday: number
  /** Most urgent first. */
  readonly affected: ReadonlyArray<Affected>
}

/**
 * The work waiting for a wedding on a service: jobs queued and jobs dead-lettered.
 *
 * @example
 * ```ts
 * const fixed = Layer.succeed(Impact.Counts, Impact.Counts.of({ forWedding: () => Effect.succeed({ queued: 2, deadLettered: 0 }) }))
 * ```
 * @since 0.1.0
 */
export class Counts extends Context.Service<
  Counts,
  {
    readonly forWedding: (
      weddingId: string,
      service: string
    ) => Effect.Effect<{ readonly queued: number; readonly deadLettered: number }, StoreError.StoreError>
  }
>()("@wedsync/ops/Impact/Counts") {}

/**
 * Assesses who a failing service (or provider) affects: the weddings that
 * depend on it from today through `horizonDays` (default 14) days ahead,
 * weddings today first, then by date, and within a day those with more work
 * queued or dead-lettered first. Time is `Clock`.
 *
 * @example
 * ```ts
 * const { affected } = yield* Impact.assess({ service: "email", provider: "resend", horizonDays: 7 })
 * ```
 * @since 0.1.0
 */
export const assess = (target: {
  readonly service: string
  readonly provider?: string | undefined
  readonly horizonDays?: number | undefined
}): Effect.Effect<Assessment, StoreError.StoreError, WeddingDirectory | Counts> =>
  Effect.gen(function* () {
    const directory = yield* WeddingDirectory
    const counts = yield* Counts
    const thresholds = yield* WeddingContext.CriticalityThresholds
    const now = yield* Clock.currentTimeMillis
    const horizonDays = Math.max(1, Math.floor(target.horizonDays ?? 14))
    const today = new Date(now).toISOString().slice(0, 10)
    const weddings = yield* directory.upcoming({ from: today, days: horizonDays, service: target.service })
    const affected = yield* Effect.forEach(
      weddings,
      (wedding) =>
        Effect.map(counts.forWedding(wedding.weddingId, target.service), (waiting) =>
          affectedOf(wedding, waiting, now, horizonDays, thresholds)
        ),
      { concurrency: 4 }
    )
    return {
      service: target.service,
      provider: target.provider,
      at: now,
      weddingsToday: affected.filter((wedding) => wedding.daysAway === 0).length,
      affected: [...affected].sort(byUrgency)
    }
  })

/**
 * Counts from durable's stores, with where the outbox keeps its queue:
 * dead letters through `DeadLetters.list` (audited as `wedsync-ops/impact`),
 * queued jobs by a read-only query of `QueueStore.layerSql`'s table.
 *
 * @example
 * ```ts
 * Impact.countsFromStoresWith({ queueTable: "wedsync_queue", outboxName: "wedsync_outbox" })
 * ```
 * @since 0.1.0
 */
export const countsFromStoresWith = (
  options: QueueOptions = {}
): Layer.Layer<Counts, never, DeadLetters.DeadLetters | SqlClient.SqlClient> =>
  Layer.effect(
    Counts,
    Effect.map(Effect.context<DeadLetters.DeadLetters | SqlClient.SqlClient>(), (context) =>
      Counts.of({
        forWedding: (weddingId, service) =>
          Effect.all(
            { queued: queued(options)(weddingId, service), deadLettered: deadLettered(weddingId, service) },
            { concurrency: 2 }
          ).pipe(Effect.provideContext(context))
      })
    )
  )

/**
 * Counts from durable's stores at their defaults (`wedsync_queue`, `wedsync_outbox`).
 *
 * @example
 * ```ts
 * Impact.assess({ service: "sms" }).pipe(Effect.provide(Impact.countsFromStores), Effect.provide(WeddingDirectory.layerSql()))
 * ```
 * @since 0.1.0
 */
export const countsFromStores: Layer.Layer<Counts, never, DeadLetters.DeadLetters | SqlClient.SqlClient> =
  countsFromStoresWith()

/**
 * No counts: zeros, for tests and deployments without durable stores.
 *
 * @example
 * ```ts
 * Impact.assess({ service: "sms" }).pipe(Effect.provide(Impact.countsNone))
 * ```
 * @since 0.1.0
 */
export const countsNone: Layer.Layer<Counts> = Layer.succeed(
  Counts,
  Counts.of({ forWedding: () => Effect.succeed({ queued: 0, deadLettered: 0 }) })
)
