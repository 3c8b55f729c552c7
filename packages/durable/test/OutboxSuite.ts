/**
 * The outbox's behaviour, written once and run on every queue store: dedupe by
 * business key, deferred retries by reason (Retry-After honoured), dead
 * letters with the whole chain, deadlines, lanes and replay. Real time with
 * millisecond policy delays; the assertions wait for outcomes, never for
 * durations.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Layer, Ref, Schedule, Schema } from "effect"
import { PersistedQueue } from "effect/persistence"
import * as Audit from "../src/Audit.ts"
import * as DeadLetters from "../src/DeadLetters.ts"
import * as Failover from "@wedsync/core/Failover"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Outbox from "../src/Outbox.ts"
import * as Policy from "@wedsync/core/Policy"
import * as WeddingContext from "@wedsync/core/WeddingContext"

const fixed = (millis: number) => ({ kind: "fixed" as const, millis })
const policies = Policy.layer({
  services: {
    email: {
      deferred: {
        rules: [
          { reasons: ["RateLimited"], delay: fixed(20), maxRetries: 3 },
          { reasons: ["Unavailable", "TimedOut"], delay: fixed(10), maxRetries: 2 }
        ]
      }
    }
  }
})

const operator = { actor: "ops@wedsync.test", reason: "the provider is back" }

/**
 * Registers the outbox tests against a queue store. `store` is called once
 * per test and must give a fresh, empty store.
 */
export const outboxSuite = (
  storeName: string,
  store: () => Layer.Layer<PersistedQueue.PersistedQueueStore, unknown>
): void => {
  const layer = () =>
    DeadLetters.layerMemory.pipe(
      Layer.provideMerge(Outbox.layer()),
      Layer.provideMerge(Audit.layerMemory),
      Layer.provide(PersistedQueue.layer),
      Layer.provide(store()),
      Layer.provideMerge(policies)
    )

  const fail = (reason: IntegrationError.Reason, provider = "resend") =>
    Effect.fail(IntegrationError.make(provider, "send", reason, { status: 503 }))

  /** Waits (polling every 10 ms of real time, for at most 10 s) until `check` gives a value. */
  const eventually = <A, E, R>(check: Effect.Effect<A | undefined, E, R>) =>
    check.pipe(
      Effect.flatMap((value) => (value === undefined ? Effect.fail("not yet" as const) : Effect.succeed(value))),
      Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 1_000 }),
      Effect.orDie
    )

  const letter = (id: string) =>
    Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (letters) =>
      letters.list({}, { limit: 100 }, operator).pipe(Effect.map((page) => page.items.find((item) => item.id === id)))
    )

  const settle = (check: Effect.Effect<boolean>) => eventually(Effect.map(check, (ok) => (ok ? true : undefined)))

  const email = (id: string, extra: Partial<Outbox.JobInput> = {}): Outbox.JobInput => ({
    id,
    service: "email",
    operation: "reminder.email",
    payload: { to: "ana@example.com", apiKey: "re_live_secret" },
    ...extra
  })

  describe(`Outbox on ${storeName}`, () => {
    it.live("hands the handler the job exactly as it was offered, every field through the store", () =>
      Effect.gen(function* () {
        const received = yield* Deferred.make<Outbox.Job>()
        const outbox = yield* Outbox.Outbox
        const input = email("reminder:fields", {
          payload: { to: "ana@example.com", lines: [{ n: 1, text: "Ceremony 3pm" }], nested: { ok: true } },
          wedding: { weddingId: "w_f", weddingDate: "2030-06-12", vendorType: "florist", criticality: "high" },
          correlationId: "corr_fields",
          mustArriveBy: Date.now() + 600_000,
          late: "deliver",
          relevantUntil: Date.now() + 900_000
        })
        yield* outbox.offer(input)
        yield* Outbox.worker({ "reminder.email": (job) => Deferred.succeed(received, job) })
        const job = yield* Deferred.await(received)
        assert.instanceOf(job, Outbox.Job)
        assert.instanceOf(job.wedding, WeddingContext.Wedding)
        assert.deepStrictEqual(
          Schema.encodeSync(Outbox.Job)(job),
          Schema.encodeSync(Outbox.Job)(Outbox.Job.make(input as never))
        )
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("does the same work once when it is offered twice", () =>
      Effect.gen(function* () {
        const runs = yield* Ref.make(0)
        const outbox = yield* Outbox.Outbox
        yield* outbox.offer(email("reminder:w1"))
        yield* outbox.offer(email("reminder:w1"))
        yield* Outbox.worker({ "reminder.email": () => Ref.update(runs, (n) => n + 1) })
        yield* settle(Effect.map(Ref.get(runs), (n) => n >= 1))
        yield* Effect.sleep(Duration.millis(50))
        assert.strictEqual(yield* Ref.get(runs), 1)
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("retries a transient failure on the policy's schedule, then succeeds", () =>
      Effect.gen(function* () {
        const attempts = yield* Ref.make<Array<number>>([])
        const outbox = yield* Outbox.Outbox
        yield* outbox.offer(email("reminder:w2"))
        yield* Outbox.worker({
          "reminder.email": (_, { attempt }) =>
            Effect.flatMap(
              Ref.updateAndGet(attempts, (seen) => [...seen, attempt]),
              (seen) => (seen.length < 3 ? fail(new IntegrationError.Unavailable({})) : Effect.void)
            )
        })
        yield* settle(Effect.map(Ref.get(attempts), (seen) => seen.length === 3))
        assert.deepStrictEqual(yield* Ref.get(attempts), [1, 2, 3])
        assert.isUndefined(yield* letter("reminder:w2"))
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("dead-letters a request-permanent failure at once, with its chain and wedding", () =>
      Effect.gen(function* () {
        const outbox = yield* Outbox.Outbox
        yield* outbox.offer(
          email("reminder:w3", {
            wedding: { weddingId: "w3", weddingDate: "2030-06-12", vendorType: "venue" },
            correlationId: "corr_w3"
          })
        )
        yield* Outbox.worker({
          "reminder.email": () => fail(new IntegrationError.Rejected({ description: "bounced" }))
        })
        const dead = yield* eventually(letter("reminder:w3"))
        assert.strictEqual(dead.reason, "Rejected")
        assert.strictEqual(dead.attempts, 1)
        assert.strictEqual(dead.correlationId, "corr_w3")
        assert.deepStrictEqual(dead.providersTried, ["resend"])
        assert.strictEqual(dead.wedding?.weddingId, "w3")
        assert.deepStrictEqual(dead.payload, { to: "ana@example.com", apiKey: "<redacted>" })
        assert.strictEqual(dead.errors[0]?.status, 503)
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("dead-letters after the table's retries, keeping every failure", () =>
      Effect.gen(function* () {
        const outbox = yield* Outbox.Outbox
        yield* outbox.offer(email("reminder:w4"))
        yield* Outbox.worker({ "reminder.email": () => fail(new IntegrationError.Unavailable({})) })
        const dead = yield* eventually(letter("reminder:w4"))
        assert.strictEqual(dead.reason, "Unavailable")
        assert.strictEqual(dead.attempts, 3)
        assert.deepStrictEqual(
          dead.errors.map((error) => error.reason),
          ["Unavailable", "Unavailable", "Unavailable"]
        )
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("waits out a Retry-After longer than the table's delay", () =>
      Effect.gen(function* () {
        const starts = yield* Ref.make<Array<number>>([])
        const outbox = yield* Outbox.Outbox
        yield* outbox.offer(email("reminder:w5"))
        yield* Outbox.worker({
          "reminder.email": () =>
            Effect.flatMap(
              Ref.updateAndGet(starts, (seen) => [...seen, Date.now()]),
              (seen) =>
                seen.length === 1
                  ? fail(new IntegrationError.RateLimited({ retryAfter: Duration.millis(300) }))
                  : Effect.void
            )
        })
        yield* settle(Effect.map(Ref.get(starts), (seen) => seen.length === 2))
        const [first, second] = yield* Ref.get(starts)
        assert.isAtLeast((second ?? 0) - (first ?? 0), 300)
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("dead-letters as Expired past mustArriveBy, unless the job delivers late", () =>
      Effect.gen(function* () {
        const runs = yield* Ref.make<Array<string>>([])
        const outbox = yield* Outbox.Outbox
        const past = Date.now() - 1_000
        yield* outbox.offer(email("reminder:late", { mustArriveBy: past }))
        yield* outbox.offer(email("reminder:late-ok", { mustArriveBy: past, late: "deliver" }))
        // the retry would land after the deadline: expired now rather than later
        yield* outbox.offer(email("reminder:tight", { mustArriveBy: Date.now() + 5_000 }))
        yield* Outbox.worker({
          "reminder.email": (job) =>
            Effect.flatMap(
              Ref.update(runs, (seen) => [...seen, job.id]),
              () =>
                job.id === "reminder:tight"
                  ? fail(new IntegrationError.RateLimited({ retryAfter: Duration.seconds(60) }))
                  : Effect.void
            )
        })
        const expired = yield* eventually(letter("reminder:late"))
        assert.strictEqual(expired.reason, "Expired")
        const tight = yield* eventually(letter("reminder:tight"))
        assert.strictEqual(tight.reason, "Expired")
        assert.deepStrictEqual(
          tight.errors.map((error) => error.reason),
          ["RateLimited", "Expired"]
        )
        yield* settle(Effect.map(Ref.get(runs), (seen) => seen.includes("reminder:late-ok")))
        assert.notInclude(yield* Ref.get(runs), "reminder:late")
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("puts close weddings in the critical lane, whose workers never wait behind standard work", () =>
      Effect.gen(function* () {
        const release = yield* Deferred.make<void>()
        const done = yield* Ref.make<Array<string>>([])
        const outbox = yield* Outbox.Outbox
        const today = new Date().toISOString().slice(0, 10)
        for (let i = 0; i < 4; i++) yield* outbox.offer(email(`bulk:${i}`))
        const critical = yield* outbox.offer(
          email("day-of:w7", { wedding: { weddingId: "w7", weddingDate: today, vendorType: "florist" } })
        )
        assert.strictEqual(critical.lane, "critical")
        // critical whatever its wedding: a payment processor's event
        const marked = yield* outbox.offer(email("marked:stripe", { critical: true }))
        assert.strictEqual(marked.lane, "critical")
        yield* Outbox.worker(
          {
            "reminder.email": (job) =>
              Effect.andThen(
                job.id.startsWith("bulk") ? Deferred.await(release) : Effect.void,
                Ref.update(done, (seen) => [...seen, job.id])
              )
          },
          { concurrency: { standard: 2, critical: 1 } }
        )
        yield* settle(Effect.map(Ref.get(done), (seen) => seen.includes("day-of:w7") && seen.includes("marked:stripe")))
        assert.sameMembers(yield* Ref.get(done), ["day-of:w7", "marked:stripe"])
        yield* Deferred.succeed(release, undefined)
        yield* settle(Effect.map(Ref.get(done), (seen) => seen.length === 6))
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("records every provider a failover tried", () =>
      Effect.gen(function* () {
        const outbox = yield* Outbox.Outbox
        yield* outbox.offer(email("reminder:w8"))
        const lastError = IntegrationError.make("postmark", "send", new IntegrationError.Rejected({}), { status: 422 })
        yield* Outbox.worker({
          "reminder.email": () =>
            Effect.fail(
              new Failover.FailoverError({
                service: "email",
                operation: "send",
                reason: lastError.reason,
                attempts: [
                  { provider: "resend", outcome: "failed", reason: "Unavailable", durationMillis: 3 },
                  { provider: "postmark", outcome: "failed", reason: "Rejected", durationMillis: 4 }
                ],
                lastError
              })
            )
        })
        const dead = yield* eventually(letter("reminder:w8"))
        assert.strictEqual(dead.reason, "Rejected")
        assert.deepStrictEqual(dead.providersTried, ["resend", "postmark"])
        assert.deepStrictEqual(
          dead.errors.map((error) => `${error.provider}:${error.reason}`),
          ["resend:Unavailable", "postmark:Rejected"]
        )
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("keeps in each failure record whether the request may have reached the provider", () =>
      Effect.gen(function* () {
        const outbox = yield* Outbox.Outbox
        yield* outbox.offer(email("reminder:w8b"))
        const lastError = IntegrationError.make("postmark", "send", new IntegrationError.Rejected({}), {
          status: 422,
          delivery: "notSent"
        })
        yield* Outbox.worker({
          "reminder.email": () =>
            Effect.fail(
              new Failover.FailoverError({
                service: "email",
                operation: "send",
                reason: lastError.reason,
                attempts: [
                  {
                    provider: "resend",
                    outcome: "failed",
                    reason: "TimedOut",
                    delivery: "maybeSent",
                    durationMillis: 9
                  },
                  {
                    provider: "postmark",
                    outcome: "failed",
                    reason: "Rejected",
                    delivery: "notSent",
                    durationMillis: 4
                  }
                ],
                lastError
              })
            )
        })
        const dead = yield* eventually(letter("reminder:w8b"))
        assert.deepStrictEqual(
          dead.errors.map((error) => `${error.provider}:${error.reason}:${error.delivery}`),
          ["resend:TimedOut:maybeSent", "postmark:Rejected:notSent"]
        )
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("replays a dead letter with fresh attempts and the same correlation id", () =>
      Effect.gen(function* () {
        const healthy = yield* Ref.make(false)
        const seen = yield* Ref.make<Array<string>>([])
        const outbox = yield* Outbox.Outbox
        yield* outbox.offer(email("reminder:w9", { correlationId: "corr_w9" }))
        yield* Outbox.worker({
          "reminder.email": (job) =>
            Effect.flatMap(Ref.get(healthy), (ok) =>
              ok
                ? Ref.update(seen, (ids) => [...ids, job.correlationId])
                : fail(new IntegrationError.Misconfigured({ description: "unverified sender" }))
            )
        })
        yield* eventually(letter("reminder:w9"))
        yield* Ref.set(healthy, true)
        const letters = yield* Effect.service(DeadLetters.DeadLetters)
        const outcome = yield* letters.replay("reminder:w9", operator)
        assert.strictEqual(outcome._tag, "Replayed")
        yield* settle(Effect.map(Ref.get(seen), (ids) => ids.length === 1))
        assert.deepStrictEqual(yield* Ref.get(seen), ["corr_w9"])
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("dead-letters a handler defect instead of retrying it forever", () =>
      Effect.gen(function* () {
        const outbox = yield* Outbox.Outbox
        yield* outbox.offer(email("reminder:w10"))
        yield* Outbox.worker({ "reminder.email": () => Effect.die(new Error("template missing")) })
        const dead = yield* eventually(letter("reminder:w10"))
        assert.strictEqual(dead.reason, "Defect")
        assert.include(dead.errors[0]?.message ?? "", "template missing")
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("dead-letters a handler that throws instead of returning an effect", () =>
      Effect.gen(function* () {
        const outbox = yield* Outbox.Outbox
        yield* outbox.offer(email("reminder:w11"))
        yield* Outbox.worker({
          "reminder.email": (): Effect.Effect<void> => {
            throw new Error("bad recipient list")
          }
        })
        const dead = yield* eventually(letter("reminder:w11"))
        assert.strictEqual(dead.reason, "Defect")
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("refuses a job that is not one, with a schema error", () =>
      Effect.gen(function* () {
        const outbox = yield* Outbox.Outbox
        const result = yield* Effect.flip(outbox.offer({ ...email("x"), service: "fax" as "email" }))
        assert.strictEqual(result._tag, "SchemaError")
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )
  })
}
