/**
 * `VendorApi` against testkit's booking-system simulator, over Effect's
 * `FetchHttpClient`: every catalogue answer classified as the simulator labels
 * it, `Retry-After`, refused connections and timeouts, unreadable bodies, the
 * token never shown, keyed writes whose replays make one booking on the
 * simulator's ledger, and reads served stale during an outage with their age
 * and the spec's message.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted, Schema, type Scope } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { IntegrationError, Policy, Resilience, StaleReads } from "@wedsync/core"
import { Faults, Simulator } from "@wedsync/testkit"
import * as Vendor from "@wedsync/testkit/simulators/vendor"
import { fromStatus, tagOfStatus } from "../src/internal/vendorErrors.ts"
import * as VendorApi from "../src/VendorApi.ts"

const Availability = Schema.Struct({
  venueId: Schema.String,
  date: Schema.String,
  slots: Schema.Array(Schema.Struct({ slot: Schema.String, available: Schema.Boolean }))
})
const Booking = Schema.Struct({
  id: Schema.String,
  venueId: Schema.String,
  date: Schema.String,
  slot: Schema.String,
  couple: Schema.String,
  status: Schema.Literal("confirmed")
})

const availability = { path: "/v1/venues/venue_12/availability", query: { date: "2026-06-20" }, schema: Availability }
const booking = (key: string, slot = "14:00") => ({
  method: "POST" as const,
  path: "/v1/bookings",
  key,
  body: { venueId: "venue_12", date: "2026-06-20", slot, couple: "Ana & Ben" },
  schema: Booking
})

/** Short timeouts, one attempt unless a test asks for retries, no jittered waits. */
const policies = (inCall: { readonly maxAttempts: number } = { maxAttempts: 1 }) =>
  Policy.layer({
    providers: { venuebook: { timeoutMillis: 1_000, inCall: { ...inCall, baseDelayMillis: 5, maxDelayMillis: 5 } } }
  })

const withSim = <A, E, R>(
  use: (sim: Simulator.Running<Vendor.State, Vendor.Credentials>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, Exclude<R, Scope.Scope>> =>
  Effect.scoped(Effect.flatMap(Simulator.scoped(Vendor.definition), use))

/** A client of the simulator on a fresh engine and HTTP client, both living as long as the test's scope. */
const clientOf = (
  url: string,
  options: {
    readonly token?: string
    readonly inCall?: { readonly maxAttempts: number }
    readonly http?: Layer.Layer<HttpClient.HttpClient>
  } = {}
) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(
      Layer.merge(
        options.http ?? FetchHttpClient.layer,
        Resilience.layerMemory().pipe(Layer.provide(policies(options.inCall)))
      )
    )
    return yield* VendorApi.make({
      vendor: "venuebook",
      baseUrl: url,
      token: Redacted.make(options.token ?? Vendor.definition.credentials.apiToken)
    }).pipe(Effect.provideContext(context))
  }).pipe(Effect.orDie)

describe("VendorApi reads and classification", () => {
  it.live("reads and decodes availability, sending the bearer token", () =>
    withSim((sim) =>
      Effect.gen(function* () {
        const venuebook = yield* clientOf(sim.url)
        const answer = yield* venuebook.get(availability)
        assert.deepStrictEqual(
          answer.slots.map((slot) => slot.slot),
          ["12:00", "14:00", "16:00"]
        )
        // the simulator answers 401 without the right token; its ledger keeps the header redacted
        const [request] = sim.ledger.requests()
        assert.strictEqual(request?.status, 200)
        assert.strictEqual(request?.headers.authorization, "<redacted>")
        assert.strictEqual(request?.query, "?date=2026-06-20")
      })
    )
  )

  it.live("every catalogue answer is the reason the simulator labels it, with its delivery", () =>
    withSim((sim) =>
      Effect.gen(function* () {
        for (const [name, entry] of Object.entries(sim.catalogue)) {
          sim.reset()
          sim.faults.add(Faults.failTimes(1, Faults.error(name)))
          const venuebook = yield* clientOf(sim.url)
          const error = yield* Effect.flip(venuebook.get(availability))
          const status = sim.ledger.requests()[0]?.status ?? 0
          assert.deepStrictEqual(
            [name, error.reason._tag, error.status, error.delivery, error.provider, error.operation],
            [name, entry.reason, status, IntegrationError.deliveryOfStatus(status), "venuebook", "get"]
          )
        }
      })
    )
  )

  it("the status table: 503 not sent, other 5xx maybe sent; 409 Rejected, 404 InvalidRequest", () => {
    const cases: ReadonlyArray<readonly [number, string, IntegrationError.Delivery]> = [
      [400, "InvalidRequest", "notSent"],
      [404, "InvalidRequest", "notSent"],
      [409, "Rejected", "notSent"],
      [422, "InvalidRequest", "notSent"],
      [401, "Unauthorized", "notSent"],
      [403, "Misconfigured", "notSent"],
      [408, "RateLimited", "notSent"],
      [429, "RateLimited", "notSent"],
      [500, "Unavailable", "maybeSent"],
      [502, "Unavailable", "maybeSent"],
      [503, "Unavailable", "notSent"],
      [504, "Unavailable", "maybeSent"]
    ]
    for (const [status, tag, delivery] of cases) {
      const body = JSON.stringify({ error: { code: "c", message: "m" } })
      const error = fromStatus("venuebook", "get", { status, retryAfter: undefined, requestId: "req_1", body })
      assert.deepStrictEqual(
        [status, error.reason._tag, error.delivery, error.providerCode, error.requestId],
        [status, tag, delivery, "c", "req_1"]
      )
    }
    // a vendor's own exception wins over the table
    assert.strictEqual(tagOfStatus(423, { 423: "Rejected" }), "Rejected")
    assert.strictEqual(tagOfStatus(409, { 409: "Unavailable" }), "Unavailable")
    // an HTTP-date Retry-After counts from now; an HTML 502 still classifies
    const dated = fromStatus(
      "venuebook",
      "get",
      { status: 503, retryAfter: "Thu, 01 Jan 1970 00:00:30 GMT", requestId: undefined, body: "<html>" },
      undefined,
      10_000
    )
    assert.deepStrictEqual(dated.retryAfter, Duration.seconds(20))
    assert.strictEqual(dated.providerCode, undefined)
  })

  it.live("429 and 408 carry the Retry-After the vendor asked for", () =>
    withSim((sim) =>
      Effect.gen(function* () {
        for (const name of ["rate_limited", "request_timeout"]) {
          sim.reset()
          sim.faults.add(Faults.failTimes(1, Faults.error(name, { retryAfterSeconds: 7 })))
          const error = yield* Effect.flip((yield* clientOf(sim.url)).get(availability))
          assert.strictEqual(error.reason._tag, "RateLimited", name)
          assert.deepStrictEqual(error.retryAfter, Duration.seconds(7), name)
        }
      })
    )
  )

  it.live("a refused connection is Unavailable and not sent; a hang is TimedOut", () =>
    withSim((sim) =>
      Effect.gen(function* () {
        const port = yield* Effect.promise(() => Simulator.closedPort())
        const refused = yield* Effect.flip((yield* clientOf(`http://127.0.0.1:${port}`)).get(availability))
        assert.strictEqual(refused.reason._tag, "Unavailable")
        assert.strictEqual(refused.delivery, "notSent")
        assert.include(refused.message, "ECONNREFUSED")
        sim.faults.add(Faults.failTimes(1, Faults.hang))
        const hung = yield* Effect.flip((yield* clientOf(sim.url)).get(availability))
        assert.strictEqual(hung.reason._tag, "TimedOut")
      })
    )
  )

  it.live("on Node's undici client too: a read decodes, a refused connection is not sent", () =>
    withSim((sim) =>
      Effect.gen(function* () {
        const http = NodeHttpClient.layerUndici
        const answer = yield* (yield* clientOf(sim.url, { http })).get(availability)
        assert.strictEqual(answer.venueId, "venue_12")
        const port = yield* Effect.promise(() => Simulator.closedPort())
        const refused = yield* Effect.flip((yield* clientOf(`http://127.0.0.1:${port}`, { http })).get(availability))
        assert.deepStrictEqual([refused.reason._tag, refused.delivery], ["Unavailable", "notSent"])
      })
    )
  )

  it.live("a body that is not JSON, or not the schema's shape, is a typed error naming the field", () =>
    withSim((sim) =>
      Effect.gen(function* () {
        const venuebook = yield* clientOf(sim.url)
        sim.faults.add(Faults.failTimes(1, Faults.malformed))
        const truncated = yield* Effect.flip(venuebook.get(availability))
        assert.strictEqual(truncated.reason._tag, "Unavailable")
        assert.strictEqual(truncated.delivery, "maybeSent")
        assert.include(truncated.message, "not JSON")
        const wrongShape = Schema.Struct({ slots: Schema.Array(Schema.Struct({ slot: Schema.Number })) })
        const mismatch = yield* Effect.flip(venuebook.get({ ...availability, schema: wrongShape }))
        assert.strictEqual(mismatch.providerCode, "wedsync.vendor.unreadable_body")
        assert.match(mismatch.message, /slots.*0.*slot/)
      })
    )
  )

  it.live("a wrong token is Unauthorized, and no error or request log shows the token", () =>
    withSim((sim) =>
      Effect.gen(function* () {
        const token = "vnd_live_9f8e7d6c5b4a3210"
        const error = yield* Effect.flip((yield* clientOf(sim.url, { token })).get(availability))
        assert.strictEqual(error.reason._tag, "Unauthorized")
        assert.notInclude(`${error.message} ${JSON.stringify(error)} ${String(error)}`, token)
      })
    )
  )

  it.effect("bad options fail as Misconfigured naming the field, never echoing the token", () =>
    Effect.gen(function* () {
      const build = (options: VendorApi.Options) =>
        Effect.flip(
          VendorApi.make(options).pipe(Effect.provide(Layer.merge(FetchHttpClient.layer, Resilience.layerMemory())))
        )
      const noUrl = yield* build({ vendor: "venuebook", baseUrl: "ftp://venuebook.example" })
      assert.strictEqual(noUrl.reason._tag, "Misconfigured")
      assert.include(noUrl.message, "baseUrl")
      const creds = yield* build({ vendor: "venuebook", baseUrl: "https://user:hunter2@venuebook.example" })
      assert.notInclude(creds.message, "hunter2")
      const empty = yield* build({ vendor: "venuebook", baseUrl: "https://x.example", token: Redacted.make(" ") })
      assert.include(empty.message, "token")
      const unnamed = yield* build({ vendor: "", baseUrl: "https://x.example" })
      assert.include(unnamed.message, "vendor")
    })
  )
})

describe("VendorApi keyed writes", () => {
  it.live("a write whose answer is lost is retried with the same key: one booking on the ledger", () =>
    withSim((sim) =>
      Effect.gen(function* () {
        const venuebook = yield* clientOf(sim.url, { inCall: { maxAttempts: 3 } })
        sim.faults.script("bookings.create", [Faults.ambiguousCommit, Faults.error("internal_error")])
        const made = yield* venuebook.write(booking("booking:wedding_42:venue_12"))
        const again = yield* venuebook.write(booking("booking:wedding_42:venue_12"))
        assert.strictEqual(again.id, made.id)
        assert.lengthOf(sim.ledger.sideEffects("booking"), 1)
        const keys = sim.ledger.requests({ operation: "bookings.create" }).map((r) => r.headers["idempotency-key"])
        const expected = VendorApi.idempotencyKey("venuebook", "POST", "/v1/bookings", "booking:wedding_42:venue_12")
        assert.deepStrictEqual(keys, [expected, expected, expected, expected])
        assert.notInclude(expected, "wedding_42")
      })
    )
  )

  it.live("another business key for a taken slot is Rejected; the same key with another body is InvalidRequest", () =>
    withSim((sim) =>
      Effect.gen(function* () {
        const venuebook = yield* clientOf(sim.url)
        yield* venuebook.write(booking("booking:wedding_42"))
        const taken = yield* Effect.flip(venuebook.write(booking("booking:wedding_77")))
        assert.deepStrictEqual([taken.reason._tag, taken.status, taken.providerCode], ["Rejected", 409, "slot_taken"])
        const reused = yield* Effect.flip(venuebook.write(booking("booking:wedding_42", "16:00")))
        assert.deepStrictEqual([reused.reason._tag, reused.status], ["InvalidRequest", 422])
        assert.lengthOf(sim.ledger.sideEffects("booking"), 1)
      })
    )
  )
})

describe("VendorApi reads served stale", () => {
  const stale = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.provide(StaleReads.layerMemory()))

  it.effect("during an outage the last good availability is served with its age and the spec's message", () =>
    withSim((sim) =>
      Effect.gen(function* () {
        const venuebook = yield* clientOf(sim.url)
        const fresh = yield* venuebook.getCached(availability)
        assert.strictEqual(fresh._tag, "Fresh")
        yield* TestClock.adjust("20 minutes")
        sim.faults.add(Faults.rule(Faults.error("service_unavailable"), { operation: "availability.get" }))
        const served = yield* venuebook.getCached(availability)
        assert.deepStrictEqual(served, {
          _tag: "Stale",
          value: fresh.value,
          ageMillis: 20 * 60_000,
          storedAt: 0,
          dataFreshness: "stale_but_acceptable",
          message: "Vendor data temporarily cached, manual sync may be required"
        })
        yield* TestClock.adjust("41 minutes")
        const expired = yield* Effect.flip(venuebook.getCached(availability))
        assert.deepStrictEqual([expired.reason._tag, expired.status], ["Unavailable", 503])
      }).pipe(stale)
    )
  )

  it.effect("a refusal is never hidden by the cache; another query is another key", () =>
    withSim((sim) =>
      Effect.gen(function* () {
        const venuebook = yield* clientOf(sim.url)
        yield* venuebook.getCached(availability)
        sim.faults.add(Faults.failTimes(1, Faults.error("not_found")))
        const refused = yield* Effect.flip(venuebook.getCached(availability))
        assert.strictEqual(refused.reason._tag, "InvalidRequest")
        sim.faults.add(Faults.rule(Faults.error("service_unavailable")))
        const otherDay = yield* Effect.flip(venuebook.getCached({ ...availability, query: { date: "2026-06-21" } }))
        assert.strictEqual(otherDay.reason._tag, "Unavailable")
        assert.strictEqual((yield* venuebook.getCached(availability))._tag, "Stale")
      }).pipe(stale)
    )
  )
})
