/**
 * A SQL `PersistedQueueStore` (SQLite or PostgreSQL) that batches its writes:
 * the store under the outbox.
 *
 * Effect's `PersistedQueue.layerStoreSql` writes one claim and one
 * acknowledgement per job, each its own COMMIT. This store keeps the same
 * contract (ids de-duplicated even after completion, delays, attempts counted
 * at claim, retry with the queue's schedule, failed after `maxAttempts`,
 * released without counting on interruption, a dead worker's claims back
 * after `lockExpiration`) and batches instead:
 * - a claim is one statement for up to `claimBatch` rows (enough for the
 *   queue's takers and their next round), `FOR UPDATE SKIP LOCKED` on
 *   PostgreSQL, under a lock id bound as a parameter, into a local buffer
 *   that takers pull from; locks of held rows are refreshed in one statement;
 * - acknowledgements (and retries, failures, releases) of jobs finishing
 *   together are one statement per kind; a `take` returns only once the
 *   batch holding its acknowledgement has committed, so a job reported done
 *   is durably done, and a crash before that hands the job to a worker again;
 * - offers from fibers running at once are one INSERT; each resolves once
 *   committed (inside a transaction an offer joins it instead);
 * - finished work keeps no payload: a completed row keeps its id (for the
 *   de-duplication) and a `null` element; a row that failed `maxAttempts`
 *   times, or does not parse, keeps its element and failure text redacted
 *   (`Redaction.redact` of `@wedsync/core`).
 *
 * Delivery stays at least once: a handler may run again after a crash, so
 * handlers pass the job id as the provider's idempotency key. Times are the
 * database's clock in milliseconds. Needs SQLite 3.42+ (Node 22+ bundles a
 * newer one) or PostgreSQL 9.5+; the table is created on build, named by
 * `tableName`, with its own migrations table.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { PersistedQueue } from "effect/persistence"
 * import { Outbox, QueueStore, Sqlite } from "@wedsync/durable"
 *
 * const outbox = Outbox.layer().pipe(
 *   Layer.provide(PersistedQueue.layer),
 *   Layer.provide(QueueStore.layerSql()),
 *   Layer.provide(Sqlite.layer({ filename: "./wedsync.db" }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Layer } from "effect"
import { PersistedQueue } from "effect/persistence"
import type { SqlClient } from "effect/sql"
import * as Store from "./internal/queueStore/store.ts"
import type { StoreError } from "@wedsync/core/StoreError"

/**
 * Options of {@link layerSql}; every one has a default that suits the outbox.
 *
 * @since 0.1.0
 */
export interface Options {
  /** The queue table (default `"wedsync_queue"`); its migrations are recorded in `<tableName>_migrations`. */
  readonly tableName?: string | undefined
  /** How often an idle queue looks for rows offered by other processes (default 1 second). */
  readonly pollInterval?: Duration.Input | undefined
  /** How long a claim lasts without a refresh: a dead worker's jobs come back after it (default 2 minutes). */
  readonly lockExpiration?: Duration.Input | undefined
  /** How often the locks of claimed jobs are pushed forward (default 30 seconds; keep it well under `lockExpiration`). */
  readonly lockRefreshInterval?: Duration.Input | undefined
  /**
   * Most rows one claim statement takes (default 64). A queue claims when a
   * taker is waiting and nothing is buffered, up to twice its takers (one
   * round ahead) minus the rows it already holds.
   */
  readonly claimBatch?: number | undefined
  /** Most acknowledgements one statement writes (default 256). */
  readonly ackBatch?: number | undefined
  /**
   * Longest an acknowledgement waits for others to share its statement
   * (default 2 milliseconds). A batch is written at once when every job
   * handed out has finished.
   */
  readonly ackWindow?: Duration.Input | undefined
}

const millis = (input: Duration.Input | undefined, fallback: Duration.Input, minimum: number) =>
  Math.max(minimum, Math.ceil(Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))))

/**
 * The batching SQL queue store on the current `SqlClient` (SQLite or
 * PostgreSQL). Creates its table on build.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { PersistedQueue } from "effect/persistence"
 * import { PgClient } from "@effect/sql-pg"
 * import { QueueStore } from "@wedsync/durable"
 *
 * const queues = PersistedQueue.layer.pipe(
 *   Layer.provide(QueueStore.layerSql({ pollInterval: "200 millis", lockExpiration: "1 minute" })),
 *   Layer.provide(PgClient.layer({ url: Redacted.make(process.env.DATABASE_URL!) }))
 * )
 * ```
 *
 * @since 0.1.0
 */
export const layerSql = (
  options: Options = {}
): Layer.Layer<PersistedQueue.PersistedQueueStore, StoreError, SqlClient.SqlClient> =>
  Layer.effect(
    PersistedQueue.PersistedQueueStore,
    Store.make({
      tableName: options.tableName ?? "wedsync_queue",
      pollMillis: millis(options.pollInterval, "1 second", 1),
      lockMillis: millis(options.lockExpiration, "2 minutes", 1),
      refreshMillis: millis(options.lockRefreshInterval, "30 seconds", 1),
      claimBatch: Math.max(1, Math.floor(options.claimBatch ?? 64)),
      ackBatch: Math.max(1, Math.floor(options.ackBatch ?? 256)),
      ackWindowMillis: millis(options.ackWindow, "2 millis", 0)
    })
  )
