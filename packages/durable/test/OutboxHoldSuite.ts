/**
 * The outbox and an operator's `DisableIntegration`, written once and run on
 * every queue store: work refused as `Disabled` is held (neither sent nor
 * dead-lettered, no retry spent) and runs once when the integration is
 * enabled again; work offered with the failure that queued it counts that
 * failure in its budget and its chain. A 20 ms hold interval of real time;
 * the assertions wait for outcomes, never for durations.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Overrides from "@wedsync/core/Overrides"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Policy from "@wedsync/core/Policy"
import * as Resilience from "@wedsync/core/Resilience"
import { Duration, Effect, Layer, Ref, Schedule } from "effect"
import { PersistedQueue } from "effect/persistence"
import * as Audit from "../src/Audit.ts"
import * as DeadLetters from "../src/DeadLetters.ts"
import * as Outbox from "../src/Outbox.ts"

const policies = Policy.layer({
  services: {
    email: { deferred: { rules: [{ reasons: ["Unavailable"], delay: { kind: "fixed", millis: 10 }, maxRetries: 2 }] } }
  },
  providers: { resend: { inCall: { maxAttempts: 1 }, breaker: { windowSize: 50, minimumCalls: 50 } } }
})
const ana = { actor: "ana@wedsync", reason: "INC-42 Resend outage" }
const operator = { actor: "ops@wedsync.test", reason: "checking held work" }

const eventually = <A, E, R>(check: Effect.Effect<A | undefined, E, R>) =>
  check.pipe(
    Effect.flatMap((value) => (value === undefined ? Effect.fail("not yet" as const) : Effect.succeed(value))),
    Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 1_000 }),
    Effect.orDie
  )
const settle = (check: Effect.Effect<boolean>) => eventually(Effect.map(check, (ok) => (ok ? true : undefined)))

const letter = (id: string) =>
  Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (letters) =>
    letters.list({}, { limit: 100 }, operator).pipe(Effect.map((page) => page.items.find((item) => item.id === id)))
  )

const email = (id: string, extra: Partial<Outbox.JobInput> = {}): Outbox.JobInput => ({
  id,
  service: "email",
  operation: "reminder.email",
  payload: { to: "ana@example.com" },
  ...extra
})

/** A handler over a protected fake provider: `runs` are the outbox's runs, `sent` what reached the provider. */
const provider = Effect.gen(function* () {
  const runs = yield* Ref.make<Array<number>>([])
  const sent = yield* Ref.make(0)
  const failing = yield* Ref.make(false)
  const reach = Effect.flatMap(Ref.get(failing), (fails) =>
    fails
      ? Effect.fail(IntegrationError.make("resend", "send", new IntegrationError.Unavailable({}), { status: 503 }))
      : Ref.update(sent, (n) => n + 1)
  )
  const handler: Outbox.Handler<Resilience.Resilience> = (_, { attempt }) =>
    Effect.andThen(
      Ref.update(runs, (seen) => [...seen, attempt]),
      reach.pipe(Resilience.protect({ service: "email", provider: "resend", operation: "send" }))
    )
  return { runs, sent, failing, handler }
})

const disable = Effect.flatMap(Effect.service(Overrides.Overrides), (overrides) =>
  overrides.set({ _tag: "DisableIntegration", service: "email", provider: "resend" }, ana)
)
const enable = (id: string) =>
  Effect.flatMap(Effect.service(Overrides.Overrides), (overrides) => overrides.clear(id, ana))

/**
 * Registers the holding tests against a queue store. `store` is called once
 * per test and must give a fresh, empty store.
 */
export const outboxHoldSuite = (
  storeName: string,
  store: () => Layer.Layer<PersistedQueue.PersistedQueueStore, unknown>
): void => {
  const layer = () =>
    DeadLetters.layerMemory.pipe(
      Layer.provideMerge(Outbox.layer({ holdInterval: "20 millis" })),
      Layer.provideMerge(Overrides.layerMemory.pipe(Layer.provideMerge(Resilience.layerMemory()))),
      Layer.provideMerge(Audit.layerMemory),
      Layer.provide(PersistedQueue.layer),
      Layer.provide(store()),
      Layer.provideMerge(policies)
    )

  describe(`Outbox holds disabled work on ${storeName}`, () => {
    it.live(
      "a job offered while disabled is neither sent nor dead-lettered; once enabled it is sent exactly once",
      () =>
        Effect.gen(function* () {
          const fake = yield* provider
          const override = yield* disable
          yield* (yield* Outbox.Outbox).offer(email("reminder:held"))
          yield* Outbox.worker({ "reminder.email": fake.handler })
          yield* settle(Effect.map(Ref.get(fake.runs), (runs) => runs.length >= 3))
          assert.strictEqual(yield* Ref.get(fake.sent), 0)
          assert.isUndefined(yield* letter("reminder:held"))
          yield* enable(override.id)
          yield* settle(Effect.map(Ref.get(fake.sent), (n) => n >= 1))
          yield* Effect.sleep(Duration.millis(100))
          assert.strictEqual(yield* Ref.get(fake.sent), 1)
          assert.isUndefined(yield* letter("reminder:held"))
          // Holding spent no retry: every run was the job's first attempt.
          assert.isTrue((yield* Ref.get(fake.runs)).every((attempt) => attempt === 1))
        }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live(
      "holding spends no retry: once enabled, a failing provider gets the whole budget; the chain names the refusal once",
      () =>
        Effect.gen(function* () {
          const fake = yield* provider
          const override = yield* disable
          yield* (yield* Outbox.Outbox).offer(email("reminder:held-then-failing"))
          yield* Outbox.worker({ "reminder.email": fake.handler })
          yield* settle(Effect.map(Ref.get(fake.runs), (runs) => runs.length >= 3))
          const holds = (yield* Ref.get(fake.runs)).length
          yield* Ref.set(fake.failing, true)
          yield* enable(override.id)
          const dead = yield* eventually(letter("reminder:held-then-failing"))
          assert.strictEqual(dead.reason, "Unavailable")
          assert.strictEqual(dead.attempts, 3)
          assert.deepStrictEqual(
            dead.errors.map((error) => error.reason),
            ["Disabled", "Unavailable", "Unavailable", "Unavailable"]
          )
          assert.include(dead.errors[0]?.message ?? "", override.id)
          assert.deepStrictEqual((yield* Ref.get(fake.runs)).slice(-3), [1, 2, 3])
          assert.isAtLeast((yield* Ref.get(fake.runs)).length, holds + 3)
        }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("a held job is dead-lettered as Expired once the next check would land past mustArriveBy", () =>
      Effect.gen(function* () {
        const fake = yield* provider
        yield* disable
        yield* (yield* Outbox.Outbox).offer(email("reminder:held-expiring", { mustArriveBy: Date.now() + 150 }))
        yield* Outbox.worker({ "reminder.email": fake.handler })
        const dead = yield* eventually(letter("reminder:held-expiring"))
        assert.strictEqual(dead.reason, "Expired")
        assert.deepStrictEqual(
          dead.errors.map((error) => error.reason),
          ["Disabled", "Expired"]
        )
        assert.strictEqual(yield* Ref.get(fake.sent), 0)
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )
  })

  describe(`Outbox.offer with the failure that queued it on ${storeName}`, () => {
    it.live("the failure heads the chain and is the first attempt of the policy's budget", () =>
      Effect.gen(function* () {
        const fake = yield* provider
        yield* Ref.set(fake.failing, true)
        const earlier = IntegrationError.make("resend", "send", new IntegrationError.Unavailable({}), {
          status: 503,
          requestId: "req_first"
        })
        const outbox = yield* Outbox.Outbox
        yield* outbox.offer(email("reminder:after-failure", { failedWith: earlier }))
        // Still the business key: the same work offered again is ignored.
        yield* outbox.offer(email("reminder:after-failure"))
        yield* Outbox.worker({ "reminder.email": fake.handler })
        const dead = yield* eventually(letter("reminder:after-failure"))
        // 1 failure before the offer + maxRetries 2 = 3 attempts, no more.
        assert.strictEqual(dead.attempts, 3)
        assert.deepStrictEqual(yield* Ref.get(fake.runs), [2, 3])
        assert.deepStrictEqual(
          dead.errors.map((error) => [error.reason, error.requestId]),
          [
            ["Unavailable", "req_first"],
            ["Unavailable", undefined],
            ["Unavailable", undefined]
          ]
        )
        assert.deepStrictEqual(dead.providersTried, ["resend"])
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )

    it.live("a Disabled failure before the offer spends no retry: the job is held, then runs as attempt 1", () =>
      Effect.gen(function* () {
        const fake = yield* provider
        const override = yield* disable
        const refused = yield* Effect.flip(
          Effect.void.pipe(Resilience.protect({ service: "email", provider: "resend", operation: "send" }))
        )
        yield* (yield* Outbox.Outbox).offer(email("reminder:offered-disabled", { failedWith: refused }))
        yield* Outbox.worker({ "reminder.email": fake.handler })
        yield* settle(Effect.map(Ref.get(fake.runs), (runs) => runs.length >= 2))
        yield* enable(override.id)
        yield* settle(Effect.map(Ref.get(fake.sent), (n) => n >= 1))
        assert.isTrue((yield* Ref.get(fake.runs)).every((attempt) => attempt === 1))
        assert.isUndefined(yield* letter("reminder:offered-disabled"))
      }).pipe(Effect.scoped, Effect.provide(layer()))
    )
  })
}
