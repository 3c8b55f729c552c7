/**
 * The one error a durable store fails with (SQLite, PostgreSQL, Redis), so
 * that outbox, dead letters, audit and overrides callers handle "the store is
 * unavailable" the same way whatever the backend.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { StoreError } from "@wedsync/core"
 *
 * const handled = deadLetters.list(filter, page, operator).pipe(
 *   Effect.catchTag("StoreError", (error) => Effect.logWarning(`dead letters unavailable: ${error.message}`))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A store operation failed; `operation` names it (e.g. `"deadLetters.list"`),
 * `cause` holds the driver's message without connection strings or secrets.
 *
 * @since 0.1.0
 */
export class StoreError extends Schema.TaggedError<StoreError>("@wedsync/core/StoreError")("StoreError", {
  operation: Schema.String,
  cause: Schema.String
}) {
  override get message(): string {
    return `${this.operation}: ${this.cause}`
  }
}

/**
 * Wraps any store failure (an `SqlError`, a Redis error) as a {@link StoreError}.
 *
 * @example
 * ```ts
 * sql`SELECT 1`.pipe(Effect.mapError(StoreError.from("deadLetters.get")))
 * ```
 * @since 0.1.0
 */
export const from =
  (operation: string) =>
  (cause: unknown): StoreError =>
    new StoreError({ operation, cause: cause instanceof Error ? cause.message : String(cause) })
