/**
 * One `node:sqlite` connection as an Effect SQL `Connection`, for `Sqlite.ts`.
 *
 * `DatabaseSync` runs every statement synchronously on the calling thread, so
 * the connection keeps a small prepared-statement cache, binds the values
 * `node:sqlite` refuses (`undefined`, `Date`) as SQLite would store them, and
 * classifies failures with effect's `classifySqliteError`. SQLITE_BUSY (another
 * process holds the write lock) is first left to SQLite's own busy handler for
 * a few milliseconds (it sleeps the thread), then retried with `Effect.sleep` up
 * to the busy timeout so that a long wait does not freeze the event loop. Only
 * statements that leave no transaction open when they fail are retried: a
 * statement outside any transaction (SQLite rolled it back) and `BEGIN`.
 *
 * @internal
 */
import { Clock, Effect, Stream } from "effect"
import { SqlClient, type SqlConnection, SqlError } from "effect/sql"
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite"
import { describe } from "../storeCauses.ts"
import { whyNot } from "./openFailure.ts"

/** @internal */
export type Synchronous = "OFF" | "NORMAL" | "FULL" | "EXTRA"

/** @internal */
export interface OpenOptions {
  readonly filename: string
  readonly readonly: boolean
  readonly wal: boolean
  readonly synchronous: Synchronous
  readonly busyTimeoutMillis: number
  readonly prepareCacheSize: number
}

/** @internal */
export interface Connection extends SqlConnection.Connection {
  /** Whether a transaction is open on this connection (read by `makeSqliteAcquirers`). */
  readonly isTransaction: () => boolean
  readonly close: () => void
}

// How long SQLite's own handler may sleep the thread on SQLITE_BUSY before the wait moves to the fiber
// (its sleeps are 1, 2, 5, 10 ms...). That sleep stops the event loop: 2 ms covers a checkpoint thread's
// restart (`checkpointer.ts`) and most other writers' commits; longer waits go on the fiber. At 10 ms, a
// restart's held lock stopped the loop for 4–10 ms dozens of times in a 10 s ingestion bench.
const syncBusyMillis = 2
const maxBackoffMillis = 25

type Mode = "rows" | "raw" | "values"
type Rows = ReadonlyArray<object>
type Transform = (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined

interface Prepared {
  readonly statement: StatementSync
  /** A statement with result columns is read with `all`, any other with `run`. */
  readonly returnsRows: boolean
}

const errcode = (cause: unknown): number | undefined => {
  if (typeof cause !== "object" || cause === null || !("errcode" in cause)) return undefined
  return typeof cause.errcode === "number" ? cause.errcode : undefined
}

const isBusy = (cause: unknown): boolean => ((errcode(cause) ?? 0) & 0xff) === 5

const primaryKeyViolation = 1555
const uniqueViolation = 2067

/**
 * `classifySqliteError` reads `errno`; node:sqlite names it `errcode` (extended
 * code). A PRIMARY KEY violation counts as a unique violation, as PostgreSQL
 * reports it, so store code can catch `UniqueViolation` on both dialects.
 */
const toSqlError = (cause: unknown, message: string, operation: string): SqlError.SqlError => {
  const code = errcode(cause)
  if (code !== undefined && typeof cause === "object" && cause !== null && !("errno" in cause)) {
    Object.assign(cause, { errno: code === primaryKeyViolation ? uniqueViolation : code })
  }
  return new SqlError.SqlError({ reason: SqlError.classifySqliteError(cause, { message, operation }) })
}

const bindable = (params: ReadonlyArray<unknown>): Array<SQLInputValue> => {
  const out = new Array<SQLInputValue>(params.length)
  for (let i = 0; i < params.length; i++) {
    const value = params[i]
    out[i] =
      value === undefined
        ? null
        : value instanceof Date
          ? value.toISOString()
          : typeof value === "boolean"
            ? Number(value)
            : (value as SQLInputValue)
  }
  return out
}

// node:sqlite rows have a null prototype; hand out plain objects.
const plainRows = (rows: ReadonlyArray<Record<string, unknown>>): Rows => rows.map((row) => ({ ...row }))

/**
 * `Failed to open <file>: <SQLite's words> (<meaning>): <the system's reason>`;
 * node:sqlite gives no errno, so the reason comes from asking the file system.
 */
const openError = (cause: unknown, options: OpenOptions): SqlError.SqlError => {
  const why = whyNot(options.filename, options.readonly)
  const message = `Failed to open ${options.filename}: ${describe(cause)}${why === undefined ? "" : `: ${why}`}`
  return toSqlError(cause, message, "open")
}

/**
 * Opens the database and applies the pragmas. A failure to open is a
 * `ConnectionError` whose message keeps SQLite's and the system's reason
 * (missing directory, directory not writable, not a database); SQLITE_BUSY
 * while switching to WAL (another process is opening the same file) is
 * retried like any statement.
 *
 * @internal
 */
export const open = (options: OpenOptions): Effect.Effect<Connection, SqlError.SqlError> =>
  Effect.gen(function* () {
    const db = yield* Effect.try({
      try: () => new DatabaseSync(options.filename, { readOnly: options.readonly }),
      catch: (cause) => openError(cause, options)
    })
    const connection = make(db, options)
    // A file that is not a database, or a directory where WAL cannot make its files, fails here.
    const pragma = (statement: string) =>
      connection.executeUnprepared(statement, [], undefined).pipe(
        Effect.mapError((error) => (isBusy(error.reason.cause) ? error : openError(error.reason.cause, options))),
        Effect.tapError(() => Effect.sync(() => db.close()))
      )
    yield* pragma(`PRAGMA busy_timeout = ${Math.min(syncBusyMillis, options.busyTimeoutMillis)}`)
    if (options.wal && !options.readonly) yield* pragma("PRAGMA journal_mode = WAL")
    yield* pragma(`PRAGMA synchronous = ${options.synchronous}`)
    return connection
  })

const make = (db: DatabaseSync, options: OpenOptions): Connection => {
  const cache = new Map<string, Prepared>()
  const prepare = (sql: string): Prepared => {
    const statement = db.prepare(sql)
    return { statement, returnsRows: statement.columns().length > 0 }
  }
  const cached = (sql: string): Prepared => {
    let prepared = cache.get(sql)
    if (prepared !== undefined) {
      // least recently used first: a hit moves to the end
      cache.delete(sql)
      cache.set(sql, prepared)
    } else {
      prepared = prepare(sql)
      if (cache.size >= options.prepareCacheSize) {
        const oldest = cache.keys().next()
        if (oldest.done !== true) cache.delete(oldest.value)
      }
      cache.set(sql, prepared)
    }
    return prepared
  }

  const runOnce = (prepared: Prepared, params: Array<SQLInputValue>, mode: Mode, safeIntegers: boolean): unknown => {
    const { statement } = prepared
    statement.setReadBigInts(safeIntegers)
    if (mode === "values") {
      statement.setReturnArrays(true)
      try {
        if (prepared.returnsRows) return statement.all(...params)
        statement.run(...params)
        return []
      } finally {
        statement.setReturnArrays(false)
      }
    }
    if (prepared.returnsRows) return plainRows(statement.all(...params))
    const result = statement.run(...params)
    return mode === "raw" ? { changes: result.changes, lastInsertRowid: result.lastInsertRowid } : []
  }

  // After SQLite's short synchronous wait, wait on the fiber until the busy timeout.
  const waitWhileBusy = (attempt: () => unknown, deadline: number, backoff: number): Effect.Effect<unknown, unknown> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.andThen(
        Effect.sleep(Math.max(0, Math.min(backoff, deadline - now))),
        Effect.suspend(() => {
          try {
            return Effect.succeed(attempt())
          } catch (cause) {
            return isBusy(cause) && now + backoff < deadline
              ? waitWhileBusy(attempt, deadline, Math.min(backoff * 2, maxBackoffMillis))
              : Effect.fail(cause)
          }
        })
      )
    )

  // The shape of the result follows `mode`: rows, `{ changes, lastInsertRowid }`, or arrays of values.
  const run = <A>(sql: string, params: ReadonlyArray<unknown>, mode: Mode, prepared: boolean) =>
    Effect.withFiber<A, SqlError.SqlError>((fiber) => {
      const safeIntegers = fiber.getRef(SqlClient.SafeIntegers)
      let statement: Prepared
      try {
        statement = prepared ? cached(sql) : prepare(sql)
      } catch (cause) {
        return Effect.fail(toSqlError(cause, `Failed to prepare statement: ${describe(cause)}`, "prepare"))
      }
      const values = bindable(params)
      // A statement that fails outside a transaction (BEGIN included) left nothing behind.
      const retryable = !db.isTransaction
      const attempt = () => runOnce(statement, values, mode, safeIntegers) as A
      try {
        return Effect.succeed(attempt())
      } catch (cause) {
        if (!retryable || !isBusy(cause)) {
          return Effect.fail(toSqlError(cause, `Failed to execute statement: ${describe(cause)}`, "execute"))
        }
        return Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.mapError(
            waitWhileBusy(attempt, now + options.busyTimeoutMillis, 1) as Effect.Effect<A, unknown>,
            (cause) => toSqlError(cause, `Failed to execute statement: ${describe(cause)}`, "execute")
          )
        )
      }
    })

  const rows = (effect: Effect.Effect<Rows, SqlError.SqlError>, transform: Transform) =>
    transform === undefined ? effect : Effect.map(effect, transform)

  return {
    isTransaction: () => db.isTransaction,
    close: () => {
      if (db.isOpen) db.close()
    },
    execute: (sql, params, transform) => rows(run(sql, params, "rows", true), transform),
    executeRaw: (sql, params) => run(sql, params, "raw", true),
    executeValues: (sql, params) => run(sql, params, "values", true),
    executeValuesUnprepared: (sql, params) => run(sql, params, "values", false),
    executeUnprepared: (sql, params, transform) => rows(run(sql, params ?? [], "rows", false), transform),
    // DatabaseSync reads synchronously anyway: the stream emits the rows of one read.
    executeStream: (sql, params, transform) =>
      Stream.fromIterableEffect(rows(run(sql, params, "rows", true), transform))
  }
}
