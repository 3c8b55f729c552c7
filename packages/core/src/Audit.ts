/**
 * The audit trail of operator actions: who did what, to what, when and why.
 * Dead-letter replays and purges, override changes: every action an operator
 * takes is recorded here, append-only, so an incident review can replay the
 * human side of it. Details are redacted before they are kept.
 *
 * This module is the port and its in-memory store (`layerMemory`); the SQL
 * store (SQLite or PostgreSQL) is `Audit.layerSql` in `@wedsync/durable`,
 * whose `Audit` namespace is this one plus its SQL layer. A store of your own
 * builds its entries with `entryOf`, so ids and redaction (by name and by
 * value, `Redaction.redact`) stay the same.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Audit } from "@wedsync/core"
 *
 * const program = Effect.gen(function* () {
 *   const audit = yield* Audit.Audit
 *   yield* audit.record({ actor: "ops@wedsync", action: "overrides.set", target: "email/resend", reason: "INC-42" })
 *   return yield* audit.list({ actor: "ops@wedsync", limit: 20 })
 * }).pipe(Effect.provide(Audit.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer } from "effect"
import { clampLimit, newId, toJson } from "./internal/audit/shared.ts"
import { redactText } from "./Redaction.ts"
import type { StoreError } from "./StoreError.ts"

/**
 * The operator behind an action, and why they took it.
 *
 * @example
 * ```ts
 * const operator: Audit.Operator = { actor: "ana@wedsync", reason: "Resend outage INC-42 is over" }
 * ```
 * @since 0.1.0
 */
export interface Operator {
  readonly actor: string
  readonly reason: string
}

/**
 * What to record: `action` is namespaced (`"deadLetters.replay"`,
 * `"overrides.set"`), `target` names what it applied to (an id, a filter).
 *
 * @example
 * ```ts
 * const input: Audit.AuditInput = { actor: "ana", action: "deadLetters.purge", target: "service=sms", reason: "test data" }
 * ```
 * @since 0.1.0
 */
export interface AuditInput {
  readonly actor: string
  readonly action: string
  readonly target: string
  readonly reason: string
  /** Any JSON-able data; redacted (`Redaction.redact`) before it is kept. */
  readonly details?: unknown
}

/**
 * A recorded entry: the input plus its id and time (epoch ms).
 *
 * @example
 * ```ts
 * const when = new Date(entry.at).toISOString()
 * ```
 * @since 0.1.0
 */
export interface AuditEntry extends AuditInput {
  readonly id: string
  readonly at: number
}

/**
 * Which entries `list` returns: each field narrows; `since` and `until` bound
 * `at` (inclusive, epoch ms); `limit` defaults to 100, at most 1000.
 *
 * @example
 * ```ts
 * const filter: Audit.Filter = { action: "deadLetters.replay", since: Date.now() - 86_400_000 }
 * ```
 * @since 0.1.0
 */
export interface Filter {
  readonly action?: string | undefined
  readonly target?: string | undefined
  readonly actor?: string | undefined
  readonly since?: number | undefined
  readonly until?: number | undefined
  readonly limit?: number | undefined
}

/**
 * The operations of the audit trail.
 *
 * @example
 * ```ts
 * const latest: Effect.Effect<ReadonlyArray<Audit.AuditEntry>, StoreError.StoreError, Audit.Audit> =
 *   Effect.flatMap(Effect.service(Audit.Audit), (audit) => audit.list({ limit: 10 }))
 * ```
 * @since 0.1.0
 */
export interface Service {
  /** Appends an entry, stamped with the current time. */
  readonly record: (entry: AuditInput) => Effect.Effect<AuditEntry, StoreError>
  /** Entries matching `filter`, newest first. */
  readonly list: (filter: Filter) => Effect.Effect<ReadonlyArray<AuditEntry>, StoreError>
}

/**
 * The audit trail service.
 *
 * @example
 * ```ts
 * const entries = Effect.flatMap(Effect.service(Audit.Audit), (audit) => audit.list({ target: "reminder:w_1" }))
 * ```
 * @since 0.1.0
 */
export class Audit extends Context.Service<Audit, Service>()("@wedsync/core/Audit") {}

/**
 * Records one entry with the `Audit` in context.
 *
 * @example
 * ```ts
 * yield* Audit.record({ actor: operator.actor, reason: operator.reason, action: "overrides.clear", target: key })
 * ```
 * @since 0.1.0
 */
export const record = (entry: AuditInput): Effect.Effect<AuditEntry, StoreError, Audit> =>
  Effect.flatMap(Effect.service(Audit), (audit) => audit.record(entry))

/**
 * The entry a store keeps for `input` at `at`: a new id, `details` as
 * redacted JSON data (absent when there is nothing to keep), and secrets in
 * the free-text `reason` and `target` scrubbed by value
 * (`Redaction.redactText`).
 *
 * @example
 * ```ts
 * const entry = Audit.entryOf({ actor: "ana", action: "overrides.set", target: "circuit:sms:twilio", reason: "INC-7" }, Date.now())
 * ```
 * @since 0.1.0
 */
export const entryOf = (input: AuditInput, at: number): AuditEntry => {
  const { details: _, ...given } = input
  const rest = { ...given, target: redactText(input.target), reason: redactText(input.reason) }
  const details = toJson(input.details)
  return details === undefined ? { ...rest, id: newId(), at } : { ...rest, details, id: newId(), at }
}

/**
 * How many entries `list` returns for `filter`: 100 by default, at most 1000.
 *
 * @example
 * ```ts
 * Audit.limitOf({ limit: 5_000 }) // 1000
 * ```
 * @since 0.1.0
 */
export const limitOf = (filter: Filter): number => clampLimit(filter.limit)

const matches = (filter: Filter) => (entry: AuditEntry) =>
  (filter.action === undefined || entry.action === filter.action) &&
  (filter.target === undefined || entry.target === filter.target) &&
  (filter.actor === undefined || entry.actor === filter.actor) &&
  (filter.since === undefined || entry.at >= filter.since) &&
  (filter.until === undefined || entry.at <= filter.until)

/**
 * An audit trail in this process's memory (tests, a single instance that
 * needs no history across restarts).
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(Audit.layerMemory))
 * ```
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<Audit> = Layer.sync(Audit, () => {
  const entries: Array<AuditEntry> = []
  return {
    record: (input) =>
      Effect.map(Clock.currentTimeMillis, (at) => {
        const entry = entryOf(input, at)
        entries.push(entry)
        return entry
      }),
    list: (filter) =>
      Effect.sync(() =>
        entries
          .filter(matches(filter))
          .reverse()
          .sort((a, b) => b.at - a.at)
          .slice(0, limitOf(filter))
      )
  }
})
