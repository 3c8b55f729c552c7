/**
 * Group commit for the SQLite client: writes that fibers run at about the same
 * time outside any transaction share one COMMIT.
 *
 * A COMMIT is most of the cost of a small write on SQLite (WAL frames written,
 * locks taken and dropped, checkpoints). The first write outside a transaction
 * opens one (`BEGIN IMMEDIATE`) and leads the group: it yields once to the
 * scheduler, so the statements of fibers already scheduled reach the
 * connection and run inside the same transaction, then commits for all (at 64
 * statements at the latest). Each fiber gets its result only after that
 * COMMIT, so success still means committed; a failed COMMIT fails them all. A
 * statement that fails is undone alone (SQLite's statement atomicity, as in
 * autocommit); one that ends the transaction (`RAISE(ROLLBACK)` in a trigger,
 * an I/O error) fails the whole group. `OR ROLLBACK` statements run alone.
 *
 * Reads join an open group (so they never report data that a failed COMMIT
 * then drops) and otherwise run as they are. Statements that cannot run in a
 * transaction (`PRAGMA`, `VACUUM`, transaction control) commit the open group
 * first, as do transactions, `reserve` and streams (`flush`).
 *
 * @internal
 */
import { Deferred, Effect, Exit } from "effect"
import { type SqlConnection, SqlError } from "effect/sql"

interface Group {
  readonly committed: Deferred.Deferred<void, SqlError.SqlError>
  size: number
}

interface Connection extends SqlConnection.Connection {
  readonly isTransaction: () => boolean
}

const writes = /^\s*(INSERT|UPDATE|DELETE|REPLACE|WITH|CREATE|DROP|ALTER)\b/i
// `OR ROLLBACK` would end the group's transaction on a conflict: such statements run alone.
const alone = /\bOR\s+ROLLBACK\b/i
const reads = /^\s*(SELECT|VALUES|EXPLAIN)\b/i

/** @internal */
export const make = (options: {
  /** Lends the connection with the client's semaphore held (from `makeSqliteAcquirers`). */
  readonly borrower: SqlConnection.Borrower
  readonly connection: Connection
  readonly maxSize: number
}): {
  readonly borrower: SqlConnection.Borrower
  readonly flush: Effect.Effect<void>
} => {
  const connection = options.connection
  let group: Group | undefined
  // The group the statement holding the connection joined, and whether it opened it.
  let joined: Group | undefined
  let leading = false

  const control = (sql: string) => Effect.asVoid(connection.execute(sql, [], undefined))

  const settle = (current: Group, exit: Exit.Exit<void, SqlError.SqlError>) =>
    Effect.sync(() => {
      if (group === current) group = undefined
      Deferred.doneUnsafe(current.committed, exit)
    })

  const rollback = Effect.suspend(() => (connection.isTransaction() ? Effect.ignore(control("ROLLBACK")) : Effect.void))

  const commit = (current: Group): Effect.Effect<void> =>
    Effect.flatMap(Effect.exit(control("COMMIT")), (exit) =>
      Exit.isSuccess(exit) ? settle(current, exit) : Effect.andThen(rollback, settle(current, exit))
    )

  const flush: Effect.Effect<void> = Effect.suspend(() => (group === undefined ? Effect.void : commit(group)))

  // A statement ended the group's transaction: what is left is rolled back and every member fails.
  const abandon = (current: Group, cause: unknown) =>
    Effect.andThen(
      rollback,
      settle(
        current,
        Exit.fail(
          new SqlError.SqlError({
            reason: new SqlError.UnknownError({ message: "Group commit rolled back", operation: "commit", cause })
          })
        )
      )
    )

  // Decided when the statement runs, with the connection held.
  const join = (sql: string): Effect.Effect<void, SqlError.SqlError> =>
    Effect.suspend(() => {
      if (writes.test(sql) && !alone.test(sql)) {
        if (group !== undefined) {
          group.size++
          joined = group
          return Effect.void
        }
        return Effect.map(control("BEGIN IMMEDIATE"), () => {
          group = { committed: Deferred.makeUnsafe(), size: 1 }
          joined = group
          leading = true
        })
      }
      if (reads.test(sql)) {
        joined = group
        return Effect.void
      }
      return flush
    })

  const grouped: Connection = {
    ...connection,
    execute: (sql, params, transform) => Effect.andThen(join(sql), connection.execute(sql, params, transform)),
    executeRaw: (sql, params) => Effect.andThen(join(sql), connection.executeRaw(sql, params)),
    executeValues: (sql, params) => Effect.andThen(join(sql), connection.executeValues(sql, params)),
    executeValuesUnprepared: (sql, params) =>
      Effect.andThen(join(sql), connection.executeValuesUnprepared(sql, params)),
    executeUnprepared: (sql, params, transform) =>
      Effect.andThen(join(sql), connection.executeUnprepared(sql, params, transform))
  }

  // The leader lets the fibers already scheduled reach the connection, then commits for all.
  const commitLater = (current: Group) =>
    Effect.andThen(
      Effect.yieldNow,
      options
        .borrower(() => (group === current ? commit(current) : Effect.void))
        .pipe(
          // The connection was refused (unusable after a failed cleanup): nobody may wait forever.
          Effect.catchCause((cause) => (group === current ? settle(current, Exit.failCause(cause)) : Effect.void))
        )
    )

  const borrower: SqlConnection.Borrower = <A, E, R>(f: (connection: Connection) => Effect.Effect<A, E, R>) =>
    Effect.suspend(() => {
      let current: Group | undefined
      let lead = false
      // Runs with the connection still held, whatever the exit (interruption included).
      const statement = Effect.onExit(
        Effect.suspend(() => f(grouped)),
        (exit) => {
          current = joined
          lead = leading
          joined = undefined
          leading = false
          if (current === undefined || group !== current) return Effect.void
          if (!connection.isTransaction()) return abandon(current, Exit.isFailure(exit) ? exit.cause : exit)
          return current.size >= options.maxSize ? commit(current) : Effect.void
        }
      )
      return options
        .borrower(() => statement)
        .pipe(
          // Runs once the connection is released, so that the rest of the group can join.
          Effect.onExit(() => (current !== undefined && lead ? commitLater(current) : Effect.void)),
          Effect.flatMap((value) =>
            current === undefined ? Effect.succeed(value) : Effect.as(Deferred.await(current.committed), value)
          )
        )
    })

  return { borrower, flush }
}
