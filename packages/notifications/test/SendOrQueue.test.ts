/**
 * `Notifications.sendOrQueue` and its retry budget: the send it makes at once
 * is the notification's first attempt, so the job it queues carries that
 * failure (in the handler's context and in a later dead letter's chain) and
 * the policy's `1 + maxRetries` attempts are made in all, no more. A send
 * refused by an operator's `DisableIntegration` is queued and held, not
 * failed, and goes out once when re-enabled. Memory outbox, real time with
 * millisecond policy delays.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Audit from "@wedsync/core/Audit"
import type * as EmailProvider from "@wedsync/core/EmailProvider"
import * as Failover from "@wedsync/core/Failover"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Overrides from "@wedsync/core/Overrides"
import * as Policy from "@wedsync/core/Policy"
import * as Resilience from "@wedsync/core/Resilience"
import * as DeadLetters from "@wedsync/durable/DeadLetters"
import * as Outbox from "@wedsync/durable/Outbox"
import { Clock, Effect, Layer, Ref, Schedule } from "effect"
import { PersistedQueue } from "effect/persistence"
import * as Notifications from "../src/Notifications.ts"

const once = { inCall: { maxAttempts: 1 }, breaker: { windowSize: 50, minimumCalls: 50 } }
const maxRetries = 2
const policies = Policy.layer({
  providers: { resend: once, postmark: once },
  services: {
    email: { deferred: { rules: [{ reasons: ["Unavailable"], delay: { kind: "fixed", millis: 20 }, maxRetries }] } }
  }
})
const live = DeadLetters.layerMemory.pipe(
  Layer.provideMerge(Outbox.layer({ holdInterval: "20 millis" })),
  Layer.provideMerge(Overrides.layerMemory.pipe(Layer.provideMerge(Resilience.layerMemory({ random: () => 0 })))),
  Layer.provideMerge(Audit.layerMemory),
  Layer.provide(PersistedQueue.layer),
  Layer.provide(PersistedQueue.layerStoreMemory),
  Layer.provideMerge(policies)
)

/** An email provider counting its calls; fails with Unavailable while `down` holds. */
const provider = (name: string, down: Ref.Ref<boolean>) =>
  Effect.map(Ref.make(0), (calls) => ({
    calls,
    service: {
      provider: name,
      send: () =>
        Effect.flatMap(
          Ref.updateAndGet(calls, (n) => n + 1),
          (n) =>
            Effect.flatMap(Ref.get(down), (isDown) =>
              isDown
                ? Effect.fail(
                    IntegrationError.make(name, "send", new IntegrationError.Unavailable({}), { status: 503 })
                  )
                : Effect.succeed({ provider: name, messageId: `${name}-${n}`, acceptedAt: 0 })
            )
        ),
      sendBatch: () => Effect.die("not used")
    } satisfies EmailProvider.EmailProvider["Service"]
  }))

const world = (startDown: boolean) =>
  Effect.gen(function* () {
    const down = yield* Ref.make(startDown)
    const resend = yield* provider("resend", down)
    const postmark = yield* provider("postmark", down)
    const notifications = yield* Notifications.make({
      email: {
        from: "WedSync <reminders@wedsync.test>",
        providers: Failover.fromServices("email", [resend.service, postmark.service])
      }
    })
    const calls = Effect.all({ resend: Ref.get(resend.calls), postmark: Ref.get(postmark.calls) })
    return { notifications, calls, down }
  })

const ana = { name: "Ana Lopez", email: "ana@example.com" }
const reminder = { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." }
const operator = { actor: "ops@wedsync.test", reason: "checking" }

const eventually = <A, E, R>(check: Effect.Effect<A | undefined, E, R>) =>
  check.pipe(
    Effect.flatMap((value) => (value === undefined ? Effect.fail("not yet" as const) : Effect.succeed(value))),
    Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 1_000 }),
    Effect.orDie
  )
const letter = (id: string) =>
  Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (letters) =>
    Effect.map(letters.list({}, { limit: 10 }, operator), (page) => page.items.find((item) => item.id === id))
  )

describe("Notifications.sendOrQueue", () => {
  it.live("counts the send that queued it: 1 + maxRetries attempts in all, that failure first in the dead letter", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* world(true)
      const before = yield* Clock.currentTimeMillis
      const outcome = yield* Notifications.sendOrQueue({
        id: "reminder:budget",
        recipient: ana,
        message: reminder,
        channels: ["email"]
      }).pipe(Effect.provideService(Notifications.Notifications, notifications))
      assert.strictEqual(outcome._tag, "Queued")
      const queuedBy = yield* Clock.currentTimeMillis
      yield* Outbox.worker(Notifications.handlers).pipe(
        Effect.provideService(Notifications.Notifications, notifications)
      )
      const dead = yield* eventually(letter("reminder:budget"))
      yield* Effect.sleep("100 millis") // room for a wrong extra run
      assert.strictEqual(dead.reason, "Unavailable")
      assert.strictEqual(dead.attempts, 1 + maxRetries)
      // each attempt asked both providers once: the send made at once and maxRetries runs from the outbox
      assert.deepStrictEqual(yield* calls, { resend: 1 + maxRetries, postmark: 1 + maxRetries })
      assert.deepStrictEqual(
        dead.errors.map((error) => `${error.provider}:${error.reason}`),
        Array.from({ length: 1 + maxRetries }).flatMap(() => ["resend:Unavailable", "postmark:Unavailable"])
      )
      // the chain starts with the failure that queued it, recorded when it was queued
      const first = dead.errors[0]?.at ?? 0
      assert.isTrue(first >= before && first <= queuedBy, `${first} within [${before}, ${queuedBy}]`)
      assert.strictEqual(dead.firstFailureAt, first)
    }).pipe(Effect.scoped, Effect.provide(live))
  )

  it.live("queues a send an operator's override refused, holds it, and sends it once when re-enabled", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* world(false)
      const overrides = yield* Overrides.Overrides
      const disabled = yield* overrides.set(
        { _tag: "DisableIntegration", service: "email" },
        { actor: "ana@wedsync", reason: "INC-42" }
      )
      const outcome = yield* Notifications.sendOrQueue({
        id: "reminder:disabled",
        recipient: ana,
        message: reminder,
        channels: ["email"]
      }).pipe(Effect.provideService(Notifications.Notifications, notifications))
      assert.strictEqual(outcome._tag, "Queued")
      yield* Outbox.worker(Notifications.handlers).pipe(
        Effect.provideService(Notifications.Notifications, notifications)
      )
      yield* Effect.sleep("150 millis") // several hold intervals
      assert.deepStrictEqual(yield* calls, { resend: 0, postmark: 0 })
      assert.isUndefined(yield* letter("reminder:disabled"))
      yield* overrides.clear(disabled.id, operator)
      yield* eventually(Effect.map(calls, (seen) => (seen.resend >= 1 ? seen : undefined)))
      yield* Effect.sleep("100 millis")
      assert.deepStrictEqual(yield* calls, { resend: 1, postmark: 0 })
      assert.isUndefined(yield* letter("reminder:disabled"))
    }).pipe(Effect.scoped, Effect.provide(live))
  )
})
