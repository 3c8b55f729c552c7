/**
 * `Notifications.send` over small in-process providers that count their calls
 * and record what they were handed: provider failover inside a channel,
 * channel fallback after it, the attempts in the result and the error, and the
 * durable mode through the memory outbox. The same scenarios run against the
 * real adapters and the simulators in apps/playground/test/failover.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Ref, Schedule } from "effect"
import { PersistedQueue } from "effect/persistence"
import * as Audit from "@wedsync/core/Audit"
import * as DeadLetters from "@wedsync/durable/DeadLetters"
import * as Deliveries from "../src/Deliveries.ts"
import type * as EmailProvider from "@wedsync/core/EmailProvider"
import * as Failover from "@wedsync/core/Failover"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Notifications from "../src/Notifications.ts"
import * as Outbox from "@wedsync/durable/Outbox"
import * as Policy from "@wedsync/core/Policy"
import * as Resilience from "@wedsync/core/Resilience"
import * as SmsProvider from "@wedsync/core/SmsProvider"
import * as WeddingContext from "@wedsync/core/WeddingContext"

// one attempt per call, so each test counts provider calls exactly; the wedding-day test uses the defaults
const once = { inCall: { maxAttempts: 1 } }
const policies = Policy.layer({
  providers: { twilio: once, vonage: once, resend: once, postmark: once },
  services: {
    sms: { deferred: { rules: [{ reasons: ["Unavailable"], delay: { kind: "fixed", millis: 10 }, maxRetries: 2 }] } },
    email: { deferred: { rules: [{ reasons: ["Unavailable"], delay: { kind: "fixed", millis: 20 }, maxRetries: 2 }] } }
  }
})
const resilience = Resilience.layerMemory({ random: () => 0 }).pipe(Layer.provideMerge(policies))

type Behaviour = (n: number) => IntegrationError.Reason | undefined

type Received = Array<{ readonly to: string; readonly idempotencyKey?: string | undefined }>

interface Fake<S> {
  readonly service: S
  readonly received: Ref.Ref<Received>
}

const sms = (provider: string, behaviour: Behaviour): Effect.Effect<Fake<SmsProvider.SmsProvider["Service"]>> =>
  Effect.map(Ref.make<Received>([]), (received) => ({
    received,
    service: {
      provider,
      send: (message) =>
        Effect.flatMap(
          Ref.updateAndGet(received, (all) => [...all, { to: message.to, idempotencyKey: message.idempotencyKey }]),
          (all) => {
            const reason = behaviour(all.length)
            return reason === undefined
              ? Effect.succeed({ provider, messageId: `${provider}-${all.length}`, status: "queued" as const })
              : Effect.fail(IntegrationError.make(provider, "send", reason))
          }
        )
    }
  }))

const email = (provider: string, behaviour: Behaviour): Effect.Effect<Fake<EmailProvider.EmailProvider["Service"]>> =>
  Effect.map(Ref.make<Received>([]), (received) => ({
    received,
    service: {
      provider,
      send: (message) =>
        Effect.flatMap(
          Ref.updateAndGet(received, (all) => [
            ...all,
            { to: String(message.to), idempotencyKey: message.idempotencyKey }
          ]),
          (all) => {
            const reason = behaviour(all.length)
            return reason === undefined
              ? Effect.succeed({ provider, messageId: `${provider}-${all.length}`, acceptedAt: 0 })
              : Effect.fail(IntegrationError.make(provider, "send", reason))
          }
        ),
      sendBatch: () => Effect.die("not used")
    }
  }))

const ok: Behaviour = () => undefined
const down: Behaviour = () => new IntegrationError.Unavailable({})
const rejects: Behaviour = () => new IntegrationError.Rejected({ description: "the number has opted out" })

/** Two SMS and two email providers with the given behaviours, and the service over them. */
const world = (behaviours: { twilio: Behaviour; vonage: Behaviour; resend: Behaviour; postmark: Behaviour }) =>
  Effect.gen(function* () {
    const twilio = yield* sms("twilio", behaviours.twilio)
    const vonage = yield* sms("vonage", behaviours.vonage)
    const resend = yield* email("resend", behaviours.resend)
    const postmark = yield* email("postmark", behaviours.postmark)
    const notifications = yield* Notifications.make({
      sms: { from: "+15005550006", providers: Failover.fromServices("sms", [twilio.service, vonage.service]) },
      email: {
        from: "WedSync <reminders@wedsync.test>",
        providers: Failover.fromServices("email", [resend.service, postmark.service])
      }
    })
    const calls = Effect.all({
      twilio: Effect.map(Ref.get(twilio.received), (all) => all.length),
      vonage: Effect.map(Ref.get(vonage.received), (all) => all.length),
      resend: Effect.map(Ref.get(resend.received), (all) => all.length),
      postmark: Effect.map(Ref.get(postmark.received), (all) => all.length)
    })
    return { notifications, calls, twilio, resend }
  })

const ana = { name: "Ana Lopez", email: "ana@example.com", phone: "+447700900123" }
const reminder = { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." }
const smsFirst = { channels: ["sms", "email"] } as const
const summary = (attempts: ReadonlyArray<Notifications.Attempt>) =>
  attempts.map(
    (attempt) =>
      `${attempt.provider === undefined ? attempt.channel : `${attempt.channel}/${attempt.provider}`}:${attempt.outcome}:${attempt.reason ?? ""}`
  )

describe("Notifications.send", () => {
  it.effect("sends on the first channel through its primary provider", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* world({ twilio: ok, vonage: ok, resend: ok, postmark: ok })
      const sent = yield* notifications.send(ana, reminder, smsFirst)
      assert.strictEqual(sent.channel, "sms")
      assert.strictEqual(sent.provider, "twilio")
      assert.strictEqual(sent.messageId, "twilio-1")
      assert.deepStrictEqual(summary(sent.attempts), ["sms/twilio:success:"])
      assert.deepStrictEqual(yield* calls, { twilio: 1, vonage: 0, resend: 0, postmark: 0 })
    }).pipe(Effect.provide(resilience))
  )

  it.effect("fails over to the backup provider inside the channel", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* world({ twilio: down, vonage: ok, resend: ok, postmark: ok })
      const sent = yield* notifications.send(ana, reminder, smsFirst)
      assert.strictEqual(sent.channel, "sms")
      assert.strictEqual(sent.provider, "vonage")
      assert.deepStrictEqual(summary(sent.attempts).slice(-1), ["sms/vonage:success:"])
      assert.strictEqual((yield* calls).resend, 0)
    }).pipe(Effect.provide(resilience))
  )

  it.effect("falls back to email when no SMS provider can send, naming every attempt", () =>
    Effect.gen(function* () {
      const { notifications, calls, resend } = yield* world({ twilio: down, vonage: down, resend: ok, postmark: ok })
      const sent = yield* notifications.send(ana, reminder, { ...smsFirst, idempotencyKey: "reminder:w1" })
      assert.strictEqual(sent.channel, "email")
      assert.strictEqual(sent.provider, "resend")
      const tried = summary(sent.attempts)
      assert.isTrue(tried.some((line) => line.startsWith("sms/twilio:failed:Unavailable")))
      assert.isTrue(tried.some((line) => line.startsWith("sms/vonage:failed:Unavailable")))
      assert.strictEqual(tried.at(-1), "email/resend:success:")
      assert.deepStrictEqual(yield* Ref.get(resend.received), [
        { to: '"Ana Lopez" <ana@example.com>', idempotencyKey: "reminder:w1:email" }
      ])
      assert.deepStrictEqual(sent.fallback, {
        from: "sms",
        message: "SMS temporarily unavailable, email notification sent instead"
      })
      assert.strictEqual((yield* calls).postmark, 0)
    }).pipe(Effect.provide(resilience))
  )

  it.effect("never re-sends a rejected recipient through the backup provider, but tries the next channel", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* world({ twilio: rejects, vonage: ok, resend: ok, postmark: ok })
      const sent = yield* notifications.send(ana, reminder, smsFirst)
      assert.deepStrictEqual(yield* calls, { twilio: 1, vonage: 0, resend: 1, postmark: 0 })
      assert.strictEqual(sent.channel, "email")
      assert.deepStrictEqual(summary(sent.attempts), ["sms/twilio:failed:Rejected", "email/resend:success:"])
    }).pipe(Effect.provide(resilience))
  )

  it.effect("fails with the deciding reason and every attempt when no channel can send", () =>
    Effect.gen(function* () {
      const { notifications } = yield* world({ twilio: rejects, vonage: ok, resend: down, postmark: rejects })
      const error = yield* Effect.flip(notifications.send(ana, reminder, smsFirst))
      assert.strictEqual(error._tag, "NotificationError")
      assert.strictEqual(error.reason._tag, "Rejected")
      assert.strictEqual(error.lastError.provider, "postmark")
      assert.deepStrictEqual(summary(error.attempts), [
        "sms/twilio:failed:Rejected",
        "email/resend:failed:Unavailable",
        "email/postmark:failed:Rejected"
      ])
      const caught = yield* notifications
        .send(ana, reminder, smsFirst)
        .pipe(Effect.catchReason("NotificationError", "Rejected", () => Effect.succeed("rejected")))
      assert.strictEqual(caught, "rejected")
    }).pipe(Effect.provide(resilience))
  )

  it.effect("skips a channel the recipient has no address for", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* world({ twilio: ok, vonage: ok, resend: ok, postmark: ok })
      const sent = yield* notifications.send({ email: "ben@example.com" }, reminder, smsFirst)
      assert.strictEqual(sent.channel, "email")
      assert.deepStrictEqual(summary(sent.attempts), ["sms:skipped:NoAddress", "email/resend:success:"])
      assert.strictEqual((yield* calls).twilio, 0)
    }).pipe(Effect.provide(resilience))
  )

  it.effect("refuses, as InvalidRequest, a recipient unreachable on every channel asked for, sending nothing", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* world({ twilio: ok, vonage: ok, resend: ok, postmark: ok })
      const error = yield* Effect.flip(
        notifications.send({ email: "ben@example.com" }, reminder, { channels: ["sms"] })
      )
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.include(error.message, "sms: NoAddress")
      const bad = yield* Effect.flip(notifications.send({ phone: "07700 900123" }, reminder, smsFirst))
      assert.strictEqual(bad.reason._tag, "InvalidRequest")
      assert.include(bad.message, "E.164")
      const twice = yield* Effect.flip(notifications.send(ana, reminder, { channels: ["sms", "sms"] }))
      assert.strictEqual(twice.reason._tag, "InvalidRequest")
      assert.include(twice.message, "each channel at most once")
      assert.deepStrictEqual(yield* calls, { twilio: 0, vonage: 0, resend: 0, postmark: 0 })
    }).pipe(Effect.provide(resilience))
  )

  it.effect("a bad phone number skips SMS and the email still goes out", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* world({ twilio: ok, vonage: ok, resend: ok, postmark: ok })
      const sent = yield* notifications.send({ ...ana, phone: "07700 900123" }, reminder, smsFirst)
      assert.strictEqual(sent.channel, "email")
      assert.deepStrictEqual(summary(sent.attempts), ["sms:skipped:InvalidAddress", "email/resend:success:"])
      assert.deepStrictEqual(sent.fallback, {
        from: "sms",
        message: "SMS could not reach the recipient, email notification sent instead"
      })
      assert.strictEqual((yield* calls).twilio, 0)
    }).pipe(Effect.provide(resilience))
  )

  it.effect("quotes the display name, so a comma in it is not read as a second recipient", () =>
    Effect.gen(function* () {
      const { notifications, resend } = yield* world({ twilio: ok, vonage: ok, resend: ok, postmark: ok })
      yield* notifications.send({ name: 'Lopez, Ana "the bride"', email: "ana@example.com" }, reminder, {
        channels: ["email"]
      })
      assert.deepStrictEqual(
        (yield* Ref.get(resend.received)).map((entry) => entry.to),
        ['"Lopez, Ana \\"the bride\\"" <ana@example.com>']
      )
    }).pipe(Effect.provide(resilience))
  )

  it.effect("a transient failure on one channel decides over a refusal on another, with that channel named", () =>
    Effect.gen(function* () {
      const { notifications } = yield* world({ twilio: down, vonage: down, resend: rejects, postmark: ok })
      const error = yield* Effect.flip(notifications.send(ana, reminder, smsFirst))
      assert.strictEqual(error.reason._tag, "Unavailable")
      assert.strictEqual(error.service, "sms")
      assert.strictEqual(error.lastError.provider, "vonage")
    }).pipe(Effect.provide(resilience))
  )

  it.effect("refuses a set-up with no channel or a sender that is not an address, when it is built", () =>
    Effect.gen(function* () {
      const twilio = yield* sms("twilio", ok)
      const badSender = yield* Effect.flip(
        Notifications.make({ sms: { from: "WedSync", providers: Failover.fromServices("sms", [twilio.service]) } })
      )
      assert.strictEqual(badSender.reason._tag, "Misconfigured")
      assert.include(badSender.message, "E.164")
      const none = yield* Effect.flip(Notifications.make({} as never))
      assert.strictEqual(none.reason._tag, "Misconfigured")
    }).pipe(Effect.provide(resilience))
  )

  it.live("does not retry in the call for a wedding-day-critical send: one call per provider, then the next", () =>
    Effect.gen(function* () {
      // the default SMS policy retries Unavailable in the call; wedding day skips that
      const { notifications, calls } = yield* world({ twilio: down, vonage: down, resend: down, postmark: ok })
      const today = new Date().toISOString().slice(0, 10)
      const sent = yield* notifications
        .send(ana, reminder, smsFirst)
        .pipe(WeddingContext.provide({ weddingId: "w_today", weddingDate: today, vendorType: "venue" }))
      assert.strictEqual(sent.provider, "postmark")
      assert.deepStrictEqual(yield* calls, { twilio: 1, vonage: 1, resend: 1, postmark: 1 })
    }).pipe(Effect.provide(Resilience.layerMemory({ random: () => 0 })), Effect.provide(Policy.layer()))
  )
})

describe("Notifications with Deliveries", () => {
  it.effect("tracks through the Deliveries given to its layer, even when a send's context has none", () =>
    Effect.gen(function* () {
      const deliveries = yield* Deliveries.Deliveries
      const twilio = yield* sms("twilio", ok)
      const twilioLayer = Layer.succeed(SmsProvider.SmsProvider, twilio.service)
      const layer = Notifications.layer({ sms: { from: "+15005550006", providers: [twilioLayer] } }).pipe(
        Layer.provide(Layer.succeed(Deliveries.Deliveries, deliveries))
      )
      const sent = yield* Notifications.send(ana, reminder, { channels: ["sms"] }).pipe(Effect.provide(layer))
      const tracked = yield* deliveries.get(sent.provider, sent.messageId)
      assert.strictEqual(tracked._tag, "Some")
    }).pipe(Effect.provide(resilience), Effect.provide(Deliveries.layerMemory))
  )

  it.effect("tracks the accepted message so its delivery event can be awaited and reconciled", () =>
    Effect.gen(function* () {
      const { notifications } = yield* world({ twilio: down, vonage: ok, resend: ok, postmark: ok })
      const sent = yield* notifications
        .send(ana, reminder, smsFirst)
        .pipe(WeddingContext.provide({ weddingId: "w_42", weddingDate: "2099-06-12", vendorType: "venue" }))
      const tracked = yield* Effect.flatMap(Effect.service(Deliveries.Deliveries), (deliveries) =>
        deliveries.get(sent.provider, sent.messageId)
      )
      assert.isTrue(tracked._tag === "Some")
      if (tracked._tag !== "Some") return
      assert.strictEqual(tracked.value.tracked?.channel, "sms")
      assert.strictEqual(tracked.value.tracked?.provider, "vonage")
      assert.strictEqual(tracked.value.tracked?.recipient, "+447700900123")
      assert.strictEqual(tracked.value.tracked?.weddingId, "w_42")
      assert.strictEqual((tracked.value.tracked?.dueBy ?? 0) - (tracked.value.tracked?.acceptedAt ?? 0), 10 * 60_000)
      const overdue = yield* Effect.flatMap(Effect.service(Deliveries.Deliveries), (deliveries) =>
        deliveries.overdue({ now: 10 * 60_000 })
      )
      assert.deepStrictEqual(
        overdue.map((pending) => pending.messageId),
        [sent.messageId]
      )
    }).pipe(Effect.provide(resilience), Effect.provide(Deliveries.layerMemory))
  )
})

describe("Notifications durable mode", () => {
  const durable = DeadLetters.layerMemory.pipe(
    Layer.provideMerge(Outbox.layer()),
    Layer.provideMerge(Audit.layerMemory),
    Layer.provide(PersistedQueue.layer),
    Layer.provide(PersistedQueue.layerStoreMemory),
    Layer.provideMerge(resilience)
  )
  const eventually = <A, E, R>(check: Effect.Effect<A | undefined, E, R>) =>
    check.pipe(
      Effect.flatMap((value) => (value === undefined ? Effect.fail("not yet" as const) : Effect.succeed(value))),
      Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 1_000 }),
      Effect.orDie
    )
  const operator = { actor: "ops@wedsync.test", reason: "checking" }

  it.live("retries a notification later when every channel is down, then sends it once", () =>
    Effect.gen(function* () {
      let smsDown = 2
      const { notifications, calls, twilio } = yield* world({
        twilio: () => (smsDown-- > 0 ? new IntegrationError.Unavailable({}) : undefined),
        vonage: down,
        resend: down,
        postmark: down
      })
      yield* Notifications.offer({ id: "reminder:w9", recipient: ana, message: reminder, channels: ["sms", "email"] })
      yield* Notifications.offer({ id: "reminder:w9", recipient: ana, message: reminder, channels: ["sms", "email"] })
      yield* Outbox.worker(Notifications.handlers).pipe(
        Effect.provideService(Notifications.Notifications, notifications)
      )
      yield* eventually(Effect.map(Ref.get(twilio.received), (all) => (all.length >= 3 ? all : undefined)))
      yield* Effect.sleep("150 millis") // room for a wrong extra run (the duplicate offer, a retry after success)
      const received = yield* Ref.get(twilio.received)
      assert.isTrue(received.every((entry) => entry.idempotencyKey === "reminder:w9:sms"))
      // run 1 and 2 fail everywhere (SMS and email retried by their own tables), run 3 succeeds on Twilio
      assert.deepStrictEqual(yield* calls, { twilio: 3, vonage: 2, resend: 2, postmark: 2 })
      const letters = yield* Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (dead) =>
        dead.list({}, { limit: 10 }, operator)
      )
      assert.strictEqual(letters.items.length, 0)
    }).pipe(Effect.scoped, Effect.provide(durable))
  )

  it.live("dead-letters a notification no channel can ever send, with every provider tried", () =>
    Effect.gen(function* () {
      const { notifications } = yield* world({ twilio: rejects, vonage: ok, resend: rejects, postmark: ok })
      yield* Notifications.offer({ id: "reminder:w10", recipient: ana, message: reminder, channels: ["sms", "email"] })
      yield* Outbox.worker(Notifications.handlers).pipe(
        Effect.provideService(Notifications.Notifications, notifications)
      )
      const letter = yield* eventually(
        Effect.flatMap(Effect.service(DeadLetters.DeadLetters), (dead) =>
          Effect.map(dead.list({}, { limit: 10 }, operator), (page) =>
            page.items.find((item) => item.id === "reminder:w10")
          )
        )
      )
      assert.strictEqual(letter.reason, "Rejected")
      assert.strictEqual(letter.operation, Notifications.operation)
      assert.deepStrictEqual([...letter.providersTried].sort(), ["resend", "twilio"])
      assert.strictEqual(letter.attempts, 1)
    }).pipe(Effect.scoped, Effect.provide(durable))
  )

  it.live("does not message an opted-out number again while the email is retried", () =>
    Effect.gen(function* () {
      let emailDown = 1
      const { notifications, calls } = yield* world({
        twilio: rejects,
        vonage: ok,
        resend: () => (emailDown-- > 0 ? new IntegrationError.Unavailable({}) : undefined),
        postmark: down
      })
      yield* Notifications.offer({ id: "reminder:w11", recipient: ana, message: reminder, channels: ["sms", "email"] })
      yield* Outbox.worker(Notifications.handlers).pipe(
        Effect.provideService(Notifications.Notifications, notifications)
      )
      yield* eventually(Effect.map(calls, (seen) => (seen.resend >= 2 ? seen : undefined)))
      yield* Effect.sleep("100 millis")
      // run 1: Twilio refuses, email fails transiently → retried by the email table; run 2: SMS skipped, Resend sends
      assert.deepStrictEqual(yield* calls, { twilio: 1, vonage: 0, resend: 2, postmark: 1 })
    }).pipe(Effect.scoped, Effect.provide(durable))
  )

  it.effect("queues a send no channel can take now, with the product's words and the policy's retry time", () =>
    Effect.gen(function* () {
      const { notifications, calls } = yield* world({ twilio: ok, vonage: ok, resend: down, postmark: down })
      const outcome = yield* Notifications.sendOrQueue({
        id: "reminder:w12",
        recipient: ana,
        message: reminder,
        channels: ["email"]
      }).pipe(Effect.provideService(Notifications.Notifications, notifications))
      assert.strictEqual(outcome._tag, "Queued")
      if (outcome._tag !== "Queued") return
      assert.strictEqual(outcome.message, "Email queued for delivery when service is restored")
      assert.strictEqual(outcome.retryAt, 20) // the email table's delay, on the test clock
      assert.strictEqual(outcome.lane, "standard")
      assert.deepStrictEqual(yield* calls, { twilio: 0, vonage: 0, resend: 1, postmark: 1 })
      const refused = yield* Effect.flip(
        Notifications.sendOrQueue({
          id: "reminder:w13",
          recipient: { phone: "+447700900123" },
          message: reminder,
          channels: ["sms"]
        }).pipe(
          Effect.provideService(
            Notifications.Notifications,
            (yield* world({ twilio: rejects, vonage: ok, resend: ok, postmark: ok })).notifications
          )
        )
      )
      assert.strictEqual(refused._tag, "NotificationError")
    }).pipe(Effect.provide(durable))
  )

  it.effect("refuses to persist a notification that could never be sent", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Notifications.offer({
          id: "reminder:bad",
          recipient: { phone: "not a number" },
          message: reminder,
          channels: ["sms"]
        })
      )
      assert.strictEqual(error._tag, "SchemaError")
      assert.include(error.message, "no valid address for sms")
      // an email address does not help a notification asked to go by SMS only
      const elsewhere = yield* Effect.flip(
        Notifications.offer({
          id: "reminder:bad2",
          recipient: { email: "ana@example.com" },
          message: reminder,
          channels: ["sms"]
        })
      )
      assert.include(elsewhere.message, "no valid address for sms")
      // the same address check as send: a display name belongs in `name`, so this could never be sent
      const named = yield* Effect.flip(
        Notifications.offer({
          id: "reminder:bad3",
          recipient: { email: "Ana <ana@example.com>" },
          message: reminder,
          channels: ["email"]
        })
      )
      assert.include(named.message, "no valid address for email")
    }).pipe(Effect.provide(durable))
  )

  it.effect("stores the wedding in context with the job, so it gets the wedding's lane and policy", () =>
    Effect.gen(function* () {
      const today = new Date(0).toISOString().slice(0, 10) // the test clock's today
      const offered = yield* Notifications.offer({
        id: "reminder:w14",
        recipient: ana,
        message: reminder,
        channels: ["sms"]
      }).pipe(WeddingContext.provide({ weddingId: "w_14", weddingDate: today, vendorType: "venue" }))
      assert.strictEqual(offered.lane, "critical")
    }).pipe(Effect.provide(durable))
  )
})
