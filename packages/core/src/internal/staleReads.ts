/**
 * The stale-read fallback's logic: the entry kept per key, its storage key,
 * and the decision between a fresh answer, a stale one and the original error.
 * `StaleReads.ts` holds the service and its layers.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import { Cause, Clock, type Duration, Effect, Schema } from "effect"
import type { Persistence } from "effect/persistence"
import type * as IntegrationError from "../IntegrationError.ts"
import * as Policy from "../Policy.ts"

/** A fresh answer: the read succeeded now. @since 0.1.0 */
export interface Fresh<A> {
  readonly _tag: "Fresh"
  readonly value: A
}

/** The last good answer, served because the provider is down. @since 0.1.0 */
export interface Stale<A> {
  readonly _tag: "Stale"
  readonly value: A
  /** How old the value is, by the clock of the instance serving it. */
  readonly ageMillis: number
  /** When the value was read from the provider (epoch milliseconds). */
  readonly storedAt: number
}

/** What a read through `StaleReads` answers. @since 0.1.0 */
export type Answer<A> = Fresh<A> | Stale<A>

/** Which read, and how its answer is kept. @since 0.1.0 */
export interface ReadOptions<A> {
  /** The service whose policy's `maxStalenessMillis` applies. */
  readonly service: Policy.ServiceType
  /** The provider: its policy override applies, and it namespaces the key. */
  readonly provider: string
  /** What was read, e.g. `availability:venue_12:2026-06-20`. Hashed before it is stored: it may hold anything. */
  readonly key: string
  /** Encodes the value to JSON for the store and decodes it back. */
  readonly schema: Schema.Codec<A, unknown>
  /** Overrides the policy's `maxStalenessMillis` for this call (0: never serve stale). */
  readonly maxStalenessMillis?: number | undefined
}

/** The row kept per key: version, time read, and the value in the schema's JSON form. */
const Entry = Schema.Struct({
  v: Schema.Literal(1),
  storedAt: Schema.Finite,
  value: Schema.Json
})
const decodeEntry = Schema.decodeUnknownEffect(Entry)

// Deriving a JSON codec walks the schema: once per schema, not once per read.
const codecs = new WeakMap<object, Schema.Codec<unknown, Schema.Json>>()
const jsonCodec = <A>(schema: Schema.Codec<A, unknown>): Schema.Codec<A, Schema.Json> => {
  let codec = codecs.get(schema)
  if (codec === undefined) {
    codec = Schema.toCodecJson(schema) as Schema.Codec<unknown, Schema.Json>
    codecs.set(schema, codec)
  }
  return codec as Schema.Codec<A, Schema.Json>
}

/**
 * The key an answer is stored under: service, provider and a SHA-256 of the
 * caller's key, so a token or personal data in the caller's key never reaches
 * the store and keys of any length fit every backend.
 *
 * @since 0.1.0
 */
export const storageKey = (service: string, provider: string, key: string): string =>
  `${service}:${encodeURIComponent(provider)}:${createHash("sha256").update(key).digest("hex")}`

/**
 * Whether a failure means the provider is down (or refused to be called), so
 * a stale answer may stand in: the transient family (unavailable, timed out,
 * rate limited, circuit open, bulkhead full) and an operator's `Disabled`.
 * Never a refusal of the request or of our credentials: the provider answered,
 * and a cached value would hide that.
 *
 * @since 0.1.0
 */
export const servesStale = (error: IntegrationError.IntegrationError): boolean =>
  error.family === "transient" || error.family === "operator"

/** Logs a store problem and goes on; an interruption is passed through, never swallowed. */
const warn =
  (message: string, key: string) =>
  (cause: Cause.Cause<unknown>): Effect.Effect<void> =>
    Cause.hasInterruptsOnly(cause)
      ? Effect.failCause(cause as Cause.Cause<never>)
      : Effect.logWarning(message).pipe(
          Effect.annotateLogs({ "wedsync.stale_reads.key": key, cause: Cause.pretty(cause) })
        )

/** Writes the fresh answer; a store that fails is logged, never turned into the read's failure. */
const remember = <A>(
  store: Persistence.BackingPersistenceStore,
  retain: Duration.Duration | undefined,
  key: string,
  options: ReadOptions<A>,
  value: A
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const encoded = yield* Schema.encodeUnknownEffect(jsonCodec(options.schema))(value)
    const storedAt = yield* Clock.currentTimeMillis
    yield* store.set(key, { v: 1, storedAt, value: encoded }, retain)
  }).pipe(Effect.catchCause(warn("stale reads: could not store a fresh answer", key)))

/** The entry under `key` decoded, or `undefined`: a missing, corrupt or undecodable entry is a miss. */
const recall = <A>(
  store: Persistence.BackingPersistenceStore,
  key: string,
  options: ReadOptions<A>
): Effect.Effect<{ readonly storedAt: number; readonly value: A } | undefined> =>
  Effect.gen(function* () {
    const raw = yield* store.get(key)
    if (raw === undefined) return undefined
    const entry = yield* decodeEntry(raw)
    const value = yield* Schema.decodeUnknownEffect(jsonCodec(options.schema))(entry.value)
    return { storedAt: entry.storedAt, value }
  }).pipe(
    Effect.catchCause((cause) =>
      Effect.as(warn("stale reads: a stored answer could not be read; treated as a miss", key)(cause), undefined)
    )
  )

/**
 * Runs `read`; on success stores and answers it fresh; on a failure that
 * {@link servesStale}, answers the last good value when it is no older than
 * the maximum staleness, else fails with the original error.
 *
 * @internal
 */
export const readThrough = <A, R>(
  store: Persistence.BackingPersistenceStore,
  retain: Duration.Duration | undefined,
  read: Effect.Effect<A, IntegrationError.IntegrationError, R>,
  options: ReadOptions<A>
): Effect.Effect<Answer<A>, IntegrationError.IntegrationError, R> => {
  const key = storageKey(options.service, options.provider, options.key)
  return Effect.matchEffect(read, {
    onSuccess: (value) => Effect.as(remember(store, retain, key, options, value), { _tag: "Fresh" as const, value }),
    onFailure: (error) =>
      Effect.gen(function* () {
        if (!servesStale(error)) return yield* Effect.fail(error)
        const policies = yield* Policy.Policies
        const maxStaleness =
          options.maxStalenessMillis ?? policies.get(options.service, options.provider).maxStalenessMillis
        if (!(maxStaleness > 0)) return yield* Effect.fail(error)
        const kept = yield* recall(store, key, options)
        if (kept === undefined) return yield* Effect.fail(error)
        // Another instance's clock may run ahead: a value from "the future" is as fresh as one from now.
        const ageMillis = Math.max(0, (yield* Clock.currentTimeMillis) - kept.storedAt)
        if (ageMillis > maxStaleness) return yield* Effect.fail(error)
        yield* Effect.logWarning("stale reads: served the last good answer while the provider is down").pipe(
          Effect.annotateLogs({
            "wedsync.service": options.service,
            "wedsync.provider": options.provider,
            "wedsync.stale_reads.age_millis": ageMillis,
            "wedsync.stale_reads.reason": error.reason._tag
          })
        )
        return { _tag: "Stale" as const, value: kept.value, ageMillis, storedAt: kept.storedAt }
      })
  })
}
