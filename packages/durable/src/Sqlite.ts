/**
 * SQLite on Node's built-in `node:sqlite` as an Effect `SqlClient`: the
 * embedded store (one file, nothing to install) for the outbox, dead letters,
 * audit and overrides, and for the outbox's queues (`QueueStore.layerSql`).
 *
 * TEMPORARY PORT. `@effect/sql-sqlite-node@4.0.0-beta.102`, the newest release,
 * does not load with effect 4.1 (it imports `effect/unstable/sql/...`, and 4.1's
 * `SqlClient.make` takes acquirers, a borrower and a driver name). This module
 * is a small port of that driver onto 4.1's `SqlClient.make` and
 * `SqlClient.makeSqliteAcquirers`. Drop it, with `internal/sqlite/`, and use
 * `SqliteClient.layer` from `@effect/sql-sqlite-node` once a release supports
 * effect 4.1.
 *
 * Choices, each a promise the tests check:
 * - Durability: WAL journal with `synchronous = NORMAL` (default). A COMMIT has
 *   written its pages to the WAL file through the OS before it returns, so a
 *   committed transaction survives a crash or SIGKILL of the process; only an
 *   OS crash or power loss can lose the last transactions (never corrupt the
 *   file). `synchronous: "FULL"` fsyncs the WAL on every COMMIT to survive power
 *   loss too, at a large cost per commit.
 * - Several processes on one file: writers queue on SQLite's lock. Transactions
 *   start with `BEGIN IMMEDIATE` (take the write lock at once, so a read-then-write
 *   transaction cannot fail halfway with SQLITE_BUSY), and SQLITE_BUSY is waited
 *   out up to `busyTimeout` (default 5 seconds), mostly without blocking the
 *   event loop. Within one process all statements share one connection, one at
 *   a time (SQLite has one writer anyway).
 * - Group commit (default on, `groupCommit: false` to turn off): writes that
 *   fibers run at the same time outside transactions share one COMMIT, and
 *   each succeeds only once that COMMIT returned, so the guarantee above holds
 *   per statement; it lifts `PersistedQueue` on SQLite 1.3-2x (queue.bench.ts). A
 *   statement that ends the transaction (`RAISE(ROLLBACK)` in a trigger, an
 *   I/O error) fails the statements grouped with it.
 * - `node:sqlite` warnings: Node 24 prints none; Node 22 prints one
 *   `ExperimentalWarning` per process when the module loads. It is not
 *   filtered here (a global `process.emitWarning` filter would hide other
 *   warnings); run with `--disable-warning=ExperimentalWarning` to hide it.
 * - Durable or refused: an empty file name (SQLite's temporary database,
 *   deleted on close) and `":memory:"` fail with an error naming `filename`;
 *   `layerMemory` is the way to ask for a database in memory. A file that
 *   cannot be opened fails with the system's reason (missing directory,
 *   directory not writable, not a database), which node:sqlite leaves out.
 * - Not supported: `updateValues` (SQLite has no `UPDATE ... FROM (VALUES)`);
 *   `stream` reads all rows first (`DatabaseSync` is synchronous).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SqlClient } from "effect/sql"
 * import { Sqlite } from "@wedsync/durable"
 *
 * const program = Effect.gen(function* () {
 *   const sql = yield* SqlClient.SqlClient
 *   yield* sql`CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, body TEXT)`
 *   yield* sql.withTransaction(sql`INSERT INTO notes ${sql.insert({ id: "1", body: "hello" })}`)
 * }).pipe(Effect.provide(Sqlite.layer({ filename: "./wedsync.db" })))
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer, Option, type Scope, Semaphore } from "effect"
import { Reactivity } from "effect/reactivity"
import { SqlClient, SqlError, Statement } from "effect/sql"
import * as Connection from "./internal/sqlite/connection.ts"
import * as Checkpointer from "./internal/sqlite/checkpointer.ts"
import * as GroupCommit from "./internal/sqlite/groupCommit.ts"
import * as OpenFailure from "./internal/sqlite/openFailure.ts"

/**
 * Options of {@link layer}: the database file plus tuning that rarely needs changing.
 *
 * @since 0.1.0
 */
export interface Options {
  /**
   * Path of the database file (created if missing). An empty name and
   * `":memory:"` are refused: both open a database that is gone on close
   * (use {@link layerMemory} for one in memory).
   */
  readonly filename: string
  /**
   * SQLite `synchronous` pragma. `"NORMAL"` (default) keeps every committed
   * transaction through a process crash; `"FULL"` also through power loss.
   */
  readonly synchronous?: Connection.Synchronous | undefined
  /** How long a statement waits for another process's write lock before failing (default 5 seconds). */
  readonly busyTimeout?: Duration.Input | undefined
  /** Open read-only (no WAL switch, no writes). */
  readonly readonly?: boolean | undefined
  /**
   * Statements that fibers run at the same time outside transactions share one
   * COMMIT (default `true`); each still succeeds only once committed.
   */
  readonly groupCommit?: boolean | undefined
  /**
   * Where WAL checkpoints run (default `"background"`): a worker thread with
   * its own connection checkpoints every 100 ms, so that no COMMIT stops the
   * event loop to copy the log into the database and fsync it; once the log
   * passes about 8 MB the thread also makes it start over, holding the write
   * lock for a millisecond or two between two transactions (the connection
   * still checkpoints itself if the log passes about 40 MB).
   * `"inline"`: SQLite's own, inside the COMMIT that takes the log past 1000
   * pages. Either way a commit is as durable as `synchronous` says.
   */
  readonly checkpoint?: "background" | "inline" | undefined
  /** Prepared statements kept per connection (default 200). */
  readonly prepareCacheSize?: number | undefined
  /** Extra attributes on every `sql.execute` span. */
  readonly spanAttributes?: Readonly<Record<string, unknown>> | undefined
  /** Renames identifiers in queries, e.g. camelCase to snake_case. */
  readonly transformQueryNames?: ((name: string) => string) | undefined
  /** Renames result columns, e.g. snake_case to camelCase. */
  readonly transformResultNames?: ((name: string) => string) | undefined
}

/** A configuration error: named field, not retryable. */
const misconfigured = (problem: string): SqlError.SqlError =>
  new SqlError.SqlError({
    reason: new SqlError.UnknownError({
      cause: new Error(problem),
      message: `Sqlite: ${problem}`,
      operation: "configure"
    })
  })

const busyTimeoutMillis = (input: Duration.Input): Effect.Effect<number, SqlError.SqlError> => {
  const millis = Option.map(Duration.fromInput(input), Duration.toMillis)
  return Option.isSome(millis) && millis.value >= 0 && millis.value <= 2_147_483_647
    ? Effect.succeed(millis.value)
    : Effect.fail(
        misconfigured(`busyTimeout must be a duration from 0 to 24.8 days (a timer's limit), got ${String(input)}`)
      )
}

const autocheckpoint = (connection: Connection.Connection, pages: number) =>
  Effect.asVoid(connection.executeUnprepared(`PRAGMA wal_autocheckpoint = ${pages}`, [], undefined))

// The connection checkpoints only past the backstop while the thread does it; should the thread fail, as SQLite would.
const backgroundCheckpoints = (connection: Connection.Connection, options: Options) =>
  Effect.andThen(
    autocheckpoint(connection, Checkpointer.backstopPages),
    Checkpointer.start(
      { filename: options.filename, synchronous: options.synchronous ?? "NORMAL", intervalMillis: 100 },
      (cause) => {
        Effect.runFork(
          Effect.andThen(
            Effect.ignore(autocheckpoint(connection, 1000)),
            Effect.logWarning(`Sqlite: the checkpoint thread stopped; checkpoints run on commit: ${String(cause)}`)
          )
        )
      }
    )
  )

const open = (
  options: Options,
  inMemory: boolean
): Effect.Effect<SqlClient.SqlClient, SqlError.SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function* () {
    const refused = inMemory ? undefined : OpenFailure.refuse(options.filename)
    if (refused !== undefined) return yield* misconfigured(refused)
    const busyTimeout = yield* busyTimeoutMillis(options.busyTimeout ?? "5 seconds")
    const connection = yield* Effect.acquireRelease(
      Connection.open({
        filename: options.filename,
        readonly: options.readonly ?? false,
        wal: true,
        synchronous: options.synchronous ?? "NORMAL",
        busyTimeoutMillis: busyTimeout,
        prepareCacheSize: Math.max(1, options.prepareCacheSize ?? 200)
      }),
      (connection) => Effect.sync(connection.close)
    )
    if (!inMemory && options.readonly !== true && options.checkpoint !== "inline") {
      yield* backgroundCheckpoints(connection, options)
    }
    const acquirers = SqlClient.makeSqliteAcquirers({
      connection: Effect.succeed(connection),
      semaphore: yield* Semaphore.make(1),
      isTransaction: (connection) => connection.isTransaction()
    })
    const group =
      options.groupCommit === false
        ? undefined
        : GroupCommit.make({ borrower: acquirers.borrower, connection, maxSize: 64 })
    // A transaction, `reserve` or a stream first commits the statements grouped so far.
    const lease = (acquirer: typeof acquirers.acquirer) =>
      group === undefined ? acquirer : Effect.tap(acquirer, () => group.flush)
    return yield* SqlClient.make({
      acquirer: lease(acquirers.acquirer),
      borrower: group === undefined ? acquirers.borrower : group.borrower,
      transactionAcquirer: lease(acquirers.transactionAcquirer),
      onCommitFailure: acquirers.onCommitFailure,
      isTransaction: acquirers.isTransaction,
      compiler: Statement.makeCompilerSqlite(options.transformQueryNames),
      driver: "sqlite-node",
      spanAttributes: [...Object.entries(options.spanAttributes ?? {}), ["db.system.name", "sqlite"]],
      prepareTransactionControls: true,
      // Take the write lock at BEGIN: a deferred transaction that reads, then
      // writes while another process committed, fails with SQLITE_BUSY_SNAPSHOT.
      beginTransaction: "BEGIN IMMEDIATE",
      releaseSavepoint: (name) => `RELEASE SAVEPOINT ${name}`,
      transformRows: options.transformResultNames
        ? Statement.defaultTransforms(options.transformResultNames).array
        : undefined
    })
  })

/**
 * Opens the database file in the current scope (closed with it) and builds
 * the `SqlClient`. An empty `filename` or `":memory:"` fails with an error
 * naming `filename`; a file that cannot be opened fails with SQLite's and the
 * system's reason (`… the directory /data does not exist (no such directory,
 * ENOENT)`, `… is not writable (permission denied, EACCES)`, `file is not a
 * database`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Reactivity } from "effect/reactivity"
 * import { Sqlite } from "@wedsync/durable"
 *
 * const rows = Effect.scoped(
 *   Effect.gen(function* () {
 *     const sql = yield* Sqlite.make({ filename: "./wedsync.db" })
 *     return yield* sql`SELECT 1 AS one`
 *   })
 * ).pipe(Effect.provide(Reactivity.layer))
 * ```
 *
 * @since 0.1.0
 */
export const make = (
  options: Options
): Effect.Effect<SqlClient.SqlClient, SqlError.SqlError, Scope.Scope | Reactivity.Reactivity> => open(options, false)

/**
 * The `SqlClient` on one SQLite file, WAL journal, durable through a process crash.
 * Fails to build, with an error naming `filename`, when the name is empty or
 * `":memory:"` (neither is durable), and with SQLite's and the system's reason
 * when the file cannot be opened.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { PersistedQueue } from "effect/persistence"
 * import { QueueStore, Sqlite } from "@wedsync/durable"
 *
 * const queues = PersistedQueue.layer.pipe(
 *   Layer.provide(QueueStore.layerSql()),
 *   Layer.provide(Sqlite.layer({ filename: "./wedsync.db" }))
 * )
 * ```
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<SqlClient.SqlClient, SqlError.SqlError> =>
  Layer.effect(SqlClient.SqlClient, make(options)).pipe(Layer.provide(Reactivity.layer))

/**
 * A private in-memory database for tests: one connection, gone when the layer's scope closes.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SqlClient } from "effect/sql"
 * import { Sqlite } from "@wedsync/durable"
 *
 * const one = SqlClient.SqlClient.use((sql) => sql`SELECT 1 AS one`).pipe(Effect.provide(Sqlite.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<SqlClient.SqlClient, SqlError.SqlError> = Layer.effect(
  SqlClient.SqlClient,
  open({ filename: ":memory:" }, true)
).pipe(Layer.provide(Reactivity.layer))
