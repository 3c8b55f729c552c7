/**
 * Counts of the work waiting for a wedding in durable's stores.
 *
 * - Dead-lettered: through `DeadLetters.list` (it filters by wedding and
 *   service), status `dead`, paged to the end. Each read is audited, as
 *   every dead-letter read is, under the actor `wedsync-ops/impact`.
 * - Queued: the outbox has no public count, so this reads the queue table of
 *   `QueueStore.layerSql` (documented there: `state`, `queue_name`,
 *   `element` JSON) read-only: pending rows (waiting, due or claimed) of the
 *   outbox's two lanes whose job's `wedding.weddingId` and `service` match.
 *
 * @internal
 */
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { Policy, StoreError } from "@wedsync/core"
import { DeadLetters } from "@wedsync/durable"

const operator = { actor: "wedsync-ops/impact", reason: "impact assessment: dead letters per wedding" }
const isServiceType = Schema.is(Policy.ServiceType)

/** Where the outbox keeps its queue. @internal */
export interface QueueOptions {
  /** The queue table (default `"wedsync_queue"`, `QueueStore.layerSql`'s). */
  readonly queueTable?: string | undefined
  /** The outbox's queue name prefix (default `"wedsync_outbox"`, `Outbox.layer`'s). */
  readonly outboxName?: string | undefined
}

/** Dead letters with status `dead` for the wedding and service. @internal */
export const deadLettered = (weddingId: string, service: string) =>
  Effect.gen(function* () {
    if (!isServiceType(service)) return 0
    const letters = yield* DeadLetters.DeadLetters
    let count = 0
    let cursor: string | undefined
    do {
      const page = yield* letters.list({ weddingId, service, status: "dead" }, { cursor, limit: 500 }, operator)
      count += page.items.length
      cursor = page.nextCursor
    } while (cursor !== undefined)
    return count
  })

const jobOf = (
  element: string
): { readonly service?: unknown; readonly wedding?: { readonly weddingId?: unknown } } => {
  try {
    const parsed: unknown = JSON.parse(element)
    const job = typeof parsed === "object" && parsed !== null && "job" in parsed ? parsed.job : undefined
    return typeof job === "object" && job !== null ? job : {}
  } catch {
    return {}
  }
}

/** Pending outbox jobs for the wedding and service, read from the queue table. @internal */
export const queued = (options: QueueOptions) => (weddingId: string, service: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const prefix = options.outboxName ?? "wedsync_outbox"
    const rows = yield* sql<{
      readonly element: string
    }>`SELECT element FROM ${sql(options.queueTable ?? "wedsync_queue")}
      WHERE state = 'pending' AND ${sql.in("queue_name", [`${prefix}_critical`, `${prefix}_standard`])}
      AND element LIKE ${`%${weddingId}%`}`
    return rows
      .map((row) => jobOf(row.element))
      .filter((job) => job.service === service && job.wedding?.weddingId === weddingId).length
  }).pipe(Effect.mapError(StoreError.from("impact.queued")))
