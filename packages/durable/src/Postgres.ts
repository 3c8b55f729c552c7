/**
 * PostgreSQL for the outbox, dead letters, audit and overrides: Effect's
 * `PgClient` (`@effect/sql-pg`), checked when the layer is built and bounded
 * in time, with errors that say why.
 *
 * `PgClient.layer` alone connects lazily, so a wrong URL surfaces at the first
 * statement, as `PgConnection: Failed to connect` whether the port is closed,
 * the user unknown or the database missing (the reason sits in the error's
 * cause). `Postgres.layer` wraps it:
 * - it connects once while it is built (`SELECT 1`), so a wrong URL, user or
 *   database stops the service at start instead of at the first job;
 * - connecting (TCP, TLS, authentication) is bounded by `connectTimeout`
 *   (default 5 seconds): a server that accepts the connection and never
 *   answers fails within the bound, not never;
 * - a failure is a `StoreError` (`postgres.connect`) naming the server and the
 *   driver's root cause in words: connection refused, authentication failed,
 *   unknown database, host not found, timed out. The password is never shown.
 * - `statementTimeout` (off by default) is PostgreSQL's `statement_timeout` for
 *   every session: the server cancels a statement that runs longer.
 *
 * Statements later fail with `SqlError` as usual; every other `PgClient`
 * option passes through.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted } from "effect"
 * import { PersistedQueue } from "effect/persistence"
 * import { Postgres, QueueStore } from "@wedsync/durable"
 *
 * const queues = PersistedQueue.layer.pipe(
 *   Layer.provide(QueueStore.layerSql()),
 *   Layer.provide(Postgres.layer({ url: Redacted.make(process.env.DATABASE_URL ?? ""), connectTimeout: "3 seconds" }))
 * )
 * // fails to build with e.g. StoreError "postgres.connect: PostgreSQL at db:5432 (database wedsync, user app):
 * //   … password authentication failed for user "app" (authentication failed: wrong password)"
 * ```
 *
 * @since 0.1.0
 */
import { PgClient } from "@effect/sql-pg"
import { StoreError } from "@wedsync/core/StoreError"
import { Duration, Effect, type Layer, Redacted, type Scope } from "effect"
import type { Reactivity } from "effect/reactivity"
import type { SqlClient } from "effect/sql"
import { chain, describe } from "./internal/storeCauses.ts"
import * as Check from "./internal/storeOptions.ts"

/**
 * Options of {@link layer}: `PgClient`'s pool options, with the URL as text or
 * `Redacted` and the two bounds.
 *
 * @since 0.1.0
 */
export interface Options extends Omit<PgClient.PgPoolConfig, "url" | "connectTimeout"> {
  /** `postgres://user:password@host:5432/database`; `Redacted` when it holds a password. */
  readonly url?: string | Redacted.Redacted<string> | undefined
  /** The longest connecting may take: TCP, TLS and authentication (default 5 seconds). */
  readonly connectTimeout?: Duration.Input | undefined
  /** PostgreSQL's `statement_timeout` for every session: longer statements are canceled (default: none). */
  readonly statementTimeout?: Duration.Input | undefined
}

const configure = "postgres.configure"

/** `127.0.0.1:5432 (database test, user postgres)`: the server in error messages, without the password. */
const serverOf = (options: Options, url: URL | undefined): string => {
  const host = url?.hostname || options.host || options.path || "localhost"
  const port = url?.port || options.port || (options.path === undefined ? 5432 : undefined)
  const database = url?.pathname.slice(1) || options.database
  const user = url?.username || options.username
  const details = [database && `database ${decodeURIComponent(database)}`, user && `user ${decodeURIComponent(user)}`]
  const known = details.filter((detail) => typeof detail === "string" && detail !== "")
  return `${port === undefined ? host : `${host}:${port}`}${known.length > 0 ? ` (${known.join(", ")})` : ""}`
}

const timedOut = (error: unknown): boolean =>
  chain(error).some((link) => link instanceof Error && link.message === "Connection timed out")

/**
 * Builds the `PgClient` in the current scope and connects once; fails with a
 * `StoreError` that says why when it cannot.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Reactivity } from "effect/reactivity"
 * import { Postgres } from "@wedsync/durable"
 *
 * const one = Effect.scoped(
 *   Effect.gen(function* () {
 *     const sql = yield* Postgres.make({ url: "postgres://postgres@127.0.0.1:5432/test" })
 *     return yield* sql`SELECT 1 AS one`
 *   })
 * ).pipe(Effect.provide(Reactivity.layer))
 * ```
 *
 * @since 0.1.0
 */
export const make = (
  options: Options
): Effect.Effect<PgClient.PgClient, StoreError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function* () {
    const connectTimeout = yield* Check.timeout(configure, "connectTimeout", options.connectTimeout, "5 seconds")
    const statementTimeout =
      options.statementTimeout === undefined
        ? undefined
        : yield* Check.timeout(configure, "statementTimeout", options.statementTimeout, "5 seconds")
    const url =
      options.url === undefined
        ? undefined
        : yield* Check.url(configure, "url", options.url, ["postgres:", "postgresql:"])
    const server = serverOf(options, url)
    const failed = (error: unknown) =>
      new StoreError({
        operation: "postgres.connect",
        cause: timedOut(error)
          ? `PostgreSQL at ${server} did not answer within ${Check.words(connectTimeout)} (connectTimeout)`
          : `PostgreSQL at ${server}: ${describe(error)}`
      })
    const { statementTimeout: _, url: __, ...rest } = options
    const client = yield* PgClient.make({
      ...rest,
      ...(options.url !== undefined && {
        url: Redacted.isRedacted(options.url) ? options.url : Redacted.make(options.url)
      }),
      connectTimeout,
      ...(statementTimeout !== undefined && {
        startupParameters: {
          ...options.startupParameters,
          statement_timeout: String(Math.ceil(Duration.toMillis(statementTimeout)))
        }
      })
    }).pipe(Effect.mapError(failed))
    // The pool connects on first use: use it now, so a wrong URL stops the start.
    yield* client`SELECT 1`.pipe(
      Effect.timeoutOrElse({
        duration: connectTimeout,
        orElse: () => Effect.fail(new Error("Connection timed out"))
      }),
      Effect.mapError(failed)
    )
    return client
  })

/**
 * `PgClient` and `SqlClient` on PostgreSQL, connected and checked when built,
 * connecting bounded by `connectTimeout` (default 5 seconds).
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { Audit, DeadLetters, Postgres } from "@wedsync/durable"
 *
 * const stores = DeadLetters.layerSql.pipe(
 *   Layer.provideMerge(Audit.layerSql),
 *   Layer.provideMerge(Postgres.layer({ url: Redacted.make("postgres://app:secret@db:5432/wedsync") }))
 * )
 * ```
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, StoreError> =>
  PgClient.layerFrom(make(options))
