/**
 * Dead letters: every job the outbox gives up on, kept with its (redacted)
 * payload, the whole error chain, attempts, the providers tried, wedding
 * context and correlation id, so an operator can find it, understand it and
 * send it again once the provider is back.
 *
 * - `list` filters by service, provider (the last one tried), reason, wedding,
 *   status and a `deadAt` range, newest first, with an opaque keyset cursor.
 * - `replay` hands a `dead` letter back to the outbox (through `Replayer`:
 *   fresh attempts, same correlation id); a letter whose `relevantUntil` has
 *   passed (a reminder after its event) is marked `stale` instead of sent.
 * - `purge` deletes by filter, `purgeOlderThan` by age.
 *
 * Every operator action, reads included, is written to the `Audit` trail
 * with the operator's actor and reason. `layerMemory` keeps letters in this
 * process; `layerSql` in the SQLite or PostgreSQL database of the provided
 * `SqlClient` (migrations run when the layer is built; queries, filters and
 * paging run in SQL).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DeadLetters } from "@wedsync/core"
 *
 * const operator = { actor: "ana@wedsync", reason: "Resend is back (INC-42)" }
 * const program = Effect.gen(function* () {
 *   const letters = yield* DeadLetters.DeadLetters
 *   const page = yield* letters.list({ provider: "resend", reason: "Unavailable" }, { limit: 20 }, operator)
 *   return yield* letters.replayWhere({ provider: "resend", reason: "Unavailable" }, { limit: 100 }, operator)
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, type Duration, Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import { Audit, type Operator } from "./Audit.ts"
import type {
  DeadLetter,
  DeadLetterNotFound,
  Filter,
  NotReplayable,
  Page,
  PageOf,
  ReplayOutcome
} from "./internal/deadLetters/model.ts"
import { make } from "./internal/deadLetters/service.ts"
import * as DeadLettersSql from "./internal/deadLetters/sql.ts"
import { makeMemory, type Store } from "./internal/deadLetters/store.ts"
import { redact as redactValue } from "@wedsync/core/Redaction"
import type { StoreError } from "@wedsync/core/StoreError"

export {
  DeadLetter,
  DeadLetterNotFound,
  DeadLetterStatus,
  type Filter,
  FailureRecord,
  NotReplayable,
  type Page,
  type PageOf,
  type ReplayOutcome
} from "./internal/deadLetters/model.ts"

/**
 * Sends a dead letter's job again: fresh attempts, the same correlation id.
 * The outbox provides it (`Outbox.layer`). It is handed the letter as it was
 * before this replay (status `dead`, `replays` counting the earlier replays);
 * when it fails, the letter stays `dead`.
 *
 * @example
 * ```ts
 * const logOnly = Layer.succeed(DeadLetters.Replayer, DeadLetters.Replayer.of({ replay: (letter) => Effect.log(letter.id) }))
 * ```
 * @since 0.1.0
 */
export class Replayer extends Context.Service<
  Replayer,
  { readonly replay: (letter: DeadLetter) => Effect.Effect<void, StoreError> }
>()("@wedsync/durable/DeadLetters/Replayer") {}

/**
 * The dead-letter store and the operator actions on it.
 *
 * @example
 * ```ts
 * const outcome = yield* Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (letters) => letters.replay(id, operator))
 * ```
 * @since 0.1.0
 */
export class DeadLetters extends Context.Service<
  DeadLetters,
  {
    /** Keeps a letter (from the outbox; not an operator action). The same id again replaces the letter. */
    readonly add: (letter: DeadLetter) => Effect.Effect<void, StoreError>
    readonly list: (filter: Filter, page: Page, operator: Operator) => Effect.Effect<PageOf<DeadLetter>, StoreError>
    readonly get: (id: string, operator: Operator) => Effect.Effect<DeadLetter, DeadLetterNotFound | StoreError>
    readonly replay: (
      id: string,
      operator: Operator
    ) => Effect.Effect<ReplayOutcome, DeadLetterNotFound | NotReplayable | StoreError>
    /** Replays up to `limit` `dead` letters matching `filter`, oldest first. */
    readonly replayWhere: (
      filter: Filter,
      options: { readonly limit: number },
      operator: Operator
    ) => Effect.Effect<{ readonly replayed: number; readonly stale: number }, StoreError>
    /** Deletes the letters matching `filter` (any status unless `filter.status` says); how many. */
    readonly purge: (filter: Filter, operator: Operator) => Effect.Effect<number, StoreError>
    /** Deletes the letters that died longer than `age` ago; how many. */
    readonly purgeOlderThan: (age: Duration.Input, operator: Operator) => Effect.Effect<number, StoreError>
  }
>()("@wedsync/durable/DeadLetters") {}

/**
 * A copy of `value` as JSON data with `Redacted` values, and values under keys
 * like secret, token, password, apiKey, authorization, card, cookie or
 * credential, replaced by `"<redacted>"`, nested objects and arrays included.
 *
 * @example
 * ```ts
 * DeadLetters.redact({ to: "ana@example.com", apiKey: "re_123", auth: Redacted.make("t") })
 * // { to: "ana@example.com", apiKey: "<redacted>", auth: "<redacted>" }
 * ```
 * @since 0.1.0
 */
export const redact: (value: unknown) => unknown = redactValue

const layerStore = <E, R>(store: Effect.Effect<Store, E, R>): Layer.Layer<DeadLetters, E, R | Audit | Replayer> =>
  Layer.effect(
    DeadLetters,
    Effect.gen(function* () {
      return make(yield* store, yield* Audit, yield* Replayer)
    })
  )

/**
 * Dead letters in this process's memory (tests, a single instance that can
 * afford to lose them on restart).
 *
 * @example
 * ```ts
 * const layer = DeadLetters.layerMemory.pipe(Layer.provide(Audit.layerMemory), Layer.provide(replayer))
 * ```
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<DeadLetters, never, Audit | Replayer> = layerStore(Effect.sync(makeMemory))

/**
 * Dead letters in the SQLite or PostgreSQL database of the provided
 * `SqlClient`; the table and its indexes are created (migrated) when the
 * layer is built.
 *
 * @example
 * ```ts
 * const layer = DeadLetters.layerSql.pipe(
 *   Layer.provide(Audit.layerSql),
 *   Layer.provide(Sqlite.layer({ filename: "wedsync.db" }))
 * )
 * ```
 * @since 0.1.0
 */
export const layerSql: Layer.Layer<DeadLetters, StoreError, SqlClient.SqlClient | Audit | Replayer> = layerStore(
  DeadLettersSql.make
)
