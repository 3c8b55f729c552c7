/**
 * The deadline of a whole notification send, under `TestClock` and the
 * default policies (SMS times out at 8 s, email at 10 s): four hanging
 * providers across SMS then email never hold a send past it, and the
 * providers it leaves no time for are skipped unmade. The same scenario runs
 * against the simulators' `hang` fault, on a real clock, in
 * apps/playground/test/Deadline.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Ref } from "effect"
import { TestClock } from "effect/testing"
import * as MaybeSent from "@wedsync/core/MaybeSent"
import type * as EmailProvider from "@wedsync/core/EmailProvider"
import * as Failover from "@wedsync/core/Failover"
import * as Notifications from "../src/Notifications.ts"
import * as Policy from "@wedsync/core/Policy"
import * as Resilience from "@wedsync/core/Resilience"
import type * as SmsProvider from "@wedsync/core/SmsProvider"

const resilience = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provideMerge(Policy.layer({})))

/** When each provider was called (test clock millis); none of them ever answers. */
const hanging = Effect.gen(function* () {
  const calls = yield* Ref.make<ReadonlyArray<string>>([])
  const note = (provider: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(calls, (all) => [...all, `${provider}@${now}`]))
  const sms = (provider: string): SmsProvider.SmsProvider["Service"] => ({
    provider,
    send: () => Effect.andThen(note(provider), Effect.never)
  })
  const email = (provider: string): EmailProvider.EmailProvider["Service"] => ({
    provider,
    send: () => Effect.andThen(note(provider), Effect.never),
    sendBatch: () => Effect.die("not used")
  })
  const notifications = yield* Notifications.make({
    sms: { from: "+15005550006", providers: Failover.fromServices("sms", [sms("twilio"), sms("vonage")]) },
    email: {
      from: "reminders@wedsync.test",
      providers: Failover.fromServices("email", [email("resend"), email("postmark")])
    }
  })
  return { notifications, calls }
})

const ana = { name: "Ana Lopez", email: "ana@example.com", phone: "+447700900123" }
const reminder = { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." }

/** Hangs are maybe sent: these sends accept repeating them, so the deadline alone is what ends them. */
const acceptingCopies = Effect.provideService(MaybeSent.Policy, {
  ...MaybeSent.defaults,
  withoutWedding: "failover",
  maxDuplicates: 3
})

describe("Notifications.send deadline", () => {
  it.effect("four hanging providers across SMS then email never hold a send past its 10 s default", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* hanging
      const fiber = yield* notifications
        .send(ana, reminder, { channels: ["sms", "email"] })
        .pipe(acceptingCopies, Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("9999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(yield* Clock.currentTimeMillis, 10_000)
      // Twilio gets its 8 s timeout, Vonage what is left; no time remains for email
      assert.deepStrictEqual(yield* Ref.get(calls), ["twilio@0", "vonage@8000"])
      assert.deepStrictEqual(
        error.attempts.map((attempt) => [attempt.channel, attempt.provider, attempt.outcome, attempt.reason]),
        [
          ["sms", "twilio", "failed", "TimedOut"],
          ["sms", "vonage", "failed", "TimedOut"],
          ["email", "resend", "skipped", "DeadlineExceeded"],
          ["email", "postmark", "skipped", "DeadlineExceeded"]
        ]
      )
      assert.strictEqual(error.reason._tag, "TimedOut")
    }).pipe(Effect.provide(resilience))
  )

  it.effect("shares a shorter deadline across every step, each bounded by its policy's timeout", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* hanging
      const fiber = yield* notifications
        .send(ana, reminder, { channels: ["email", "sms"], deadlineMillis: 25_000 })
        .pipe(acceptingCopies, Effect.flip, Effect.forkChild)
      yield* TestClock.adjust("25 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(yield* Clock.currentTimeMillis, 25_000)
      // email 10 s each would be 20 s; SMS gets min(8 s, the 5 s left), Vonage nothing
      assert.deepStrictEqual(yield* Ref.get(calls), ["resend@0", "postmark@10000", "twilio@20000"])
      assert.deepStrictEqual(
        error.attempts.map((attempt) => `${attempt.provider}:${attempt.reason}:${attempt.durationMillis}`),
        ["resend:TimedOut:10000", "postmark:TimedOut:10000", "twilio:TimedOut:5000", "vonage:DeadlineExceeded:0"]
      )
    }).pipe(Effect.provide(resilience))
  )

  it.effect("refuses a deadline that is not a positive whole number of milliseconds", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* hanging
      const error = yield* notifications
        .send(ana, reminder, { channels: ["sms"], deadlineMillis: -1 })
        .pipe(Effect.flip)
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.deepStrictEqual(yield* Ref.get(calls), [])
    }).pipe(Effect.provide(resilience))
  )
})
