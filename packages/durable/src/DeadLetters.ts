/**
 * Dead letters: every job the outbox gives up on, kept with its payload, the
 * whole error chain, attempts, the providers tried, wedding context and
 * correlation id, so an operator can find it, understand it and send it
 * again once the provider is back. The payload and the error messages are
 * redacted before they are kept, by name and by value (see {@link redact}).
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
 * import { DeadLetters } from "@wedsync/durable"
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
import { Context, Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import { Audit } from "./Audit.ts"
import type { ReplayerService, Service } from "./internal/deadLetters/model.ts"
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
  type ReplayOutcome,
  recordOf
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
export class Replayer extends Context.Service<Replayer, ReplayerService>()("@wedsync/durable/DeadLetters/Replayer") {}

/**
 * The dead-letter store and the operator actions on it.
 *
 * @example
 * ```ts
 * const outcome = yield* Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (letters) => letters.replay(id, operator))
 * ```
 * @since 0.1.0
 */
export class DeadLetters extends Context.Service<DeadLetters, Service>()("@wedsync/durable/DeadLetters") {}

/**
 * A copy of `value` as JSON data with every secret replaced by
 * `"<redacted>"`: `Redacted` values and values under keys like secret,
 * token, password, apiKey, authorization, card, cookie or credential, and by
 * value, in any string: bearer and basic credentials, URL and
 * connection-string passwords, known key formats (`re_…`, `sk_live_…`,
 * `whsec_…`, Twilio `SK…` and the token beside an `AC…` SID), JWTs. It is
 * `Redaction.redact` of `@wedsync/core`, the rule every letter's payload and
 * error messages go through before they are kept.
 *
 * @example
 * ```ts
 * DeadLetters.redact({ to: "ana@example.com", apiKey: "re_123", auth: Redacted.make("t") })
 * // { to: "ana@example.com", apiKey: "<redacted>", auth: "<redacted>" }
 * DeadLetters.redact({ callback: "https://hooks:pa55@example.com/in" })
 * // { callback: "https://hooks:<redacted>@example.com/in" }
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
