/**
 * Reads served stale, written once and run on every store (memory, SQLite,
 * PostgreSQL, Redis): a read during an outage answers the last good value
 * with its age; past the policy's maximum staleness (or the call's) it fails
 * with the original error; fresh answers overwrite; keys are isolated by
 * service, provider and key; only outage reasons serve stale; a corrupt or
 * undecodable entry is a miss; a secret in a key never reaches the store.
 * Ages come from `TestClock`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, type Layer, Schema } from "effect"
import { Persistence } from "effect/persistence"
import { TestClock } from "effect/testing"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Policy from "@wedsync/core/Policy"
import * as StaleReads from "../src/StaleReads.ts"

/** One backend under test. */
export interface Store<R> {
  /** Fresh, empty stale reads on this backend, with the backing store they use (called once per test). */
  readonly layer: () => Layer.Layer<StaleReads.StaleReads | Persistence.BackingPersistence | R, unknown>
  /** The store id the layer uses. */
  readonly storeId: () => string
  /** Every key the backend holds for the store, as it holds them; absent where it cannot list (memory). */
  readonly keys?: Effect.Effect<ReadonlyArray<string>, unknown, R>
  /** Writes text that is not JSON under a storage key; absent where the backend keeps objects (memory). */
  readonly writeRaw?: (key: string, text: string) => Effect.Effect<void, unknown, R>
}

const Slots = Schema.Struct({ venue: Schema.String, slots: Schema.Array(Schema.String), checkedAt: Schema.Date })
type Slots = typeof Slots.Type
const slots = (venue: string, ...times: Array<string>): Slots => ({
  venue,
  slots: times,
  checkedAt: new Date("2026-06-20T10:00:00Z")
})

const minutes = (n: number) => n * 60_000
const read = { service: "vendor_api", provider: "venuebook", key: "availability:venue_12", schema: Slots } as const

const failure = (reason: IntegrationError.Reason, status?: number) =>
  IntegrationError.make("venuebook", "availability", reason, status === undefined ? {} : { status })
const outage = failure(new IntegrationError.Unavailable({ description: "503 from the venue's API" }), 503)
const down = Effect.fail(outage)

const outageReasons: ReadonlyArray<IntegrationError.Reason> = [
  new IntegrationError.Unavailable({}),
  new IntegrationError.TimedOut({ timeout: Duration.seconds(20) }),
  new IntegrationError.RateLimited({}),
  new IntegrationError.CircuitOpen({ key: "vendor_api:venuebook" }),
  new IntegrationError.BulkheadFull({ key: "vendor_api:venuebook", limit: 10, queue: 50 }),
  new IntegrationError.Disabled({ description: "disabled by ana@wedsync.test" })
]
const answeredReasons: ReadonlyArray<IntegrationError.Reason> = [
  new IntegrationError.Rejected({ description: "slot already booked" }),
  new IntegrationError.InvalidRequest({ field: "date" }),
  new IntegrationError.Unauthorized({}),
  new IntegrationError.Misconfigured({})
]

/**
 * Registers the stale-reads tests against one backend.
 */
export const staleReadsSuite = <R>(name: string, store: Store<R>): void => {
  describe(`StaleReads on ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, StaleReads.StaleReads | Persistence.BackingPersistence | R>) =>
      effect.pipe(Effect.provide(store.layer()), Effect.provide(Policy.layer()))

    it.effect("a fresh answer is Fresh; during an outage the last good value is Stale, with its age", () =>
      run(
        Effect.gen(function* () {
          yield* TestClock.setTime(minutes(1_000))
          const fresh = yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00", "16:00")), read)
          assert.deepStrictEqual(fresh, { _tag: "Fresh", value: slots("venue_12", "14:00", "16:00") })
          yield* TestClock.adjust("25 minutes")
          const stale = yield* StaleReads.read(down, read)
          assert.deepStrictEqual(stale, {
            _tag: "Stale",
            value: slots("venue_12", "14:00", "16:00"),
            ageMillis: minutes(25),
            storedAt: minutes(1_000)
          })
          assert.instanceOf(stale.value.checkedAt, Date)
        })
      )
    )

    it.effect("beyond the policy's maximum staleness (1 h for vendor_api) it fails with the original error", () =>
      run(
        Effect.gen(function* () {
          yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00")), read)
          yield* TestClock.adjust("60 minutes")
          assert.strictEqual((yield* StaleReads.read(down, read))._tag, "Stale")
          yield* TestClock.adjust("1 millis")
          const error = yield* Effect.flip(StaleReads.read(down, read))
          assert.strictEqual(error, outage)
        })
      )
    )

    it.effect("the call's maxStalenessMillis overrides the policy; 0 never serves stale", () =>
      run(
        Effect.gen(function* () {
          yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00")), read)
          yield* TestClock.adjust("90 minutes")
          const longer = yield* StaleReads.read(down, { ...read, maxStalenessMillis: minutes(120) })
          assert.strictEqual(longer._tag === "Stale" && longer.ageMillis, minutes(90))
          const never = yield* Effect.flip(StaleReads.read(down, { ...read, maxStalenessMillis: 0 }))
          assert.strictEqual(never, outage)
        })
      )
    )

    it.effect("a provider's policy override applies; a service whose policy says 0 never serves stale", () =>
      run(
        Effect.gen(function* () {
          const strict = { ...read, provider: "strictvenue" }
          yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00")), strict)
          yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00")), { ...read, service: "payment" })
          yield* TestClock.adjust("6 minutes")
          assert.strictEqual(yield* Effect.flip(StaleReads.read(down, strict)), outage)
          assert.strictEqual(yield* Effect.flip(StaleReads.read(down, { ...read, service: "payment" })), outage)
        }).pipe(Effect.provide(Policy.layer({ providers: { strictvenue: { maxStalenessMillis: minutes(5) } } })))
      )
    )

    it.effect("fresh answers overwrite: the stale value and its age are the latest good read's", () =>
      run(
        Effect.gen(function* () {
          yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00", "16:00")), read)
          yield* TestClock.adjust("50 minutes")
          const storedAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
          yield* StaleReads.read(Effect.succeed(slots("venue_12", "16:00")), read)
          yield* TestClock.adjust("30 minutes")
          const stale = yield* StaleReads.read(down, read)
          assert.deepStrictEqual(stale, {
            _tag: "Stale",
            value: slots("venue_12", "16:00"),
            ageMillis: minutes(30),
            storedAt
          })
        })
      )
    )

    it.effect("keys are isolated by key, provider and service", () =>
      run(
        Effect.gen(function* () {
          yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00")), read)
          yield* StaleReads.read(Effect.succeed(slots("venue_13", "18:00")), { ...read, key: "availability:venue_13" })
          yield* StaleReads.read(Effect.succeed(slots("other", "09:00")), { ...read, provider: "otherbook" })
          yield* StaleReads.read(Effect.succeed(slots("cal", "11:00")), { ...read, service: "calendar" })
          const values = yield* Effect.forEach(
            [
              read,
              { ...read, key: "availability:venue_13" },
              { ...read, provider: "otherbook" },
              { ...read, service: "calendar" as const }
            ],
            (options) => Effect.map(StaleReads.read(down, options), (answer) => answer.value.venue)
          )
          assert.deepStrictEqual(values, ["venue_12", "venue_13", "other", "cal"])
          const missing = yield* Effect.flip(StaleReads.read(down, { ...read, key: "availability:venue_99" }))
          assert.strictEqual(missing, outage)
        })
      )
    )

    it.effect("every outage reason serves stale; a refusal of the request or of our credentials never does", () =>
      run(
        Effect.gen(function* () {
          yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00")), read)
          for (const reason of outageReasons) {
            const answer = yield* StaleReads.read(Effect.fail(failure(reason)), read)
            assert.strictEqual(answer._tag, "Stale", reason._tag)
          }
          for (const reason of answeredReasons) {
            const error = failure(reason, 400)
            assert.strictEqual(yield* Effect.flip(StaleReads.read(Effect.fail(error), read)), error, reason._tag)
          }
        })
      )
    )

    it.effect("values are kept in the schema's JSON form", () =>
      run(
        Effect.gen(function* () {
          yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00")), read)
          const backing = yield* (yield* Persistence.BackingPersistence).make(store.storeId())
          const kept = yield* backing.get(StaleReads.storageKey(read.service, read.provider, read.key))
          assert.deepStrictEqual(JSON.parse(JSON.stringify(kept)), {
            v: 1,
            storedAt: 0,
            value: { venue: "venue_12", slots: ["14:00"], checkedAt: "2026-06-20T10:00:00.000Z" }
          })
        }).pipe(Effect.scoped)
      )
    )

    it.effect("an entry that no longer decodes is a miss, not a crash; the next fresh read replaces it", () =>
      run(
        Effect.gen(function* () {
          const key = StaleReads.storageKey(read.service, read.provider, read.key)
          const backing = yield* (yield* Persistence.BackingPersistence).make(store.storeId())
          yield* backing.set(key, { v: 1, storedAt: 0, value: { venue: 12 } }, undefined)
          assert.strictEqual(yield* Effect.flip(StaleReads.read(down, read)), outage)
          yield* backing.set(key, { something: "else" }, undefined)
          assert.strictEqual(yield* Effect.flip(StaleReads.read(down, read)), outage)
          yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00")), read)
          assert.strictEqual((yield* StaleReads.read(down, read))._tag, "Stale")
          // the caller's schema changed since the value was stored
          const changed = { ...read, schema: Schema.Struct({ venue: Schema.Number }) }
          assert.strictEqual(yield* Effect.flip(StaleReads.read(down, changed)), outage)
        }).pipe(Effect.scoped)
      )
    )

    if (store.writeRaw !== undefined) {
      const writeRaw = store.writeRaw
      it.effect("an entry that is not JSON at all is a miss", () =>
        run(
          Effect.gen(function* () {
            yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00")), read)
            yield* writeRaw(StaleReads.storageKey(read.service, read.provider, read.key), "{not json")
            assert.strictEqual(yield* Effect.flip(StaleReads.read(down, read)), outage)
          })
        )
      )
    }

    it.effect("a secret in the caller's key is not stored: keys are service, provider and a hash", () =>
      run(
        Effect.gen(function* () {
          const secret = "sk_live_51HxYzQ7abcdefghijklmnop"
          const withSecret = { ...read, key: `GET /bookings?api_key=${secret}` }
          yield* StaleReads.read(Effect.succeed(slots("venue_12", "14:00")), withSecret)
          const key = StaleReads.storageKey(withSecret.service, withSecret.provider, withSecret.key)
          assert.match(key, /^vendor_api:venuebook:[0-9a-f]{64}$/)
          const backing = yield* (yield* Persistence.BackingPersistence).make(store.storeId())
          assert.isDefined(yield* backing.get(key))
          assert.isUndefined(yield* backing.get(withSecret.key))
          if (store.keys !== undefined) {
            const keys = yield* store.keys
            assert.lengthOf(keys, 1)
            for (const kept of keys) assert.notInclude(kept, secret)
          }
          assert.strictEqual((yield* StaleReads.read(down, withSecret))._tag, "Stale")
        }).pipe(Effect.scoped)
      )
    )
  })
}
