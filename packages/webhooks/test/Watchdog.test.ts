/**
 * The watchdog on memory and SQLite: the shared contract on both; two
 * instances (two layers, two connections) on one SQLite file checking at the
 * same moment raise one alert per late step; a process that declared and
 * observed, then stopped, leaves deadlines a new process on the same file
 * raises once; and a booking's timeline, fed by a Stripe webhook as the
 * inbox holds it (signed by the simulator, verified by the real source), a
 * delivery event and a failover run's attempts, lists each in order with its
 * provider and outcome.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Clock, type Context, Effect, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { StripeWebhooks } from "@wedsync/adapter-stripe"
import { DeliveryEvent, type Failover, WebhookSource } from "@wedsync/core"
import { Sqlite } from "@wedsync/durable"
import { Webhooks } from "@wedsync/testkit"
import * as StripeSim from "@wedsync/testkit/simulators/stripe"
import type * as Inbound from "../src/Inbound.ts"
import * as Watchdog from "../src/Watchdog.ts"
import { bookingPlan, HOUR, recording, T, watchdogSuite } from "./WatchdogSuite.ts"

watchdogSuite("memory", (alerts) => Watchdog.layerMemory().pipe(Layer.provide(alerts)))
watchdogSuite("SQLite", (alerts) => Watchdog.layerSql().pipe(Layer.provide(alerts), Layer.provide(Sqlite.layerMemory)))

/** A SQLite file in a directory of its own, removed when the test's scope closes. */
const sqliteFile = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "wedsync-watchdog-"))),
  (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
).pipe(Effect.map((directory) => join(directory, "watchdog.db")))

/** One instance: its own connection to `filename` and its own alerts port; built in a scope of its own. */
const instanceOn = (filename: string, alerts: Layer.Layer<Watchdog.Alerts>) =>
  Watchdog.layerSql().pipe(Layer.provide(alerts), Layer.provide(Sqlite.layer({ filename })))

/**
 * The moment `time`, standing still, with real sleeps: two connections to one
 * SQLite file wait out each other's write lock with `Effect.sleep`, which the
 * `TestClock` would hold forever.
 */
const stoppedAt = (time: number) =>
  Effect.map(
    TestClock.withLive(Clock.clockWith(Effect.succeed)),
    (live): Clock.Clock => ({
      currentTimeMillisUnsafe: () => time,
      currentTimeMillis: Effect.succeed(time),
      currentTimeNanosUnsafe: () => BigInt(time) * 1_000_000n,
      currentTimeNanos: Effect.succeed(BigInt(time) * 1_000_000n),
      monotonicTimeNanosUnsafe: () => live.monotonicTimeNanosUnsafe(),
      monotonicTimeNanos: live.monotonicTimeNanos,
      sleep: (duration) => live.sleep(duration)
    })
  )

const within = <A, E>(context: Context.Context<Watchdog.Watchdog>, effect: Effect.Effect<A, E, Watchdog.Watchdog>) =>
  Effect.provide(effect, Layer.succeedContext(context))

describe("Watchdog on one SQLite file", () => {
  it.effect("two instances checking at the same moment raise one alert per late step", () =>
    Effect.gen(function* () {
      const filename = yield* sqliteFile
      yield* TestClock.setTime(T)
      const first = recording()
      const second = recording()
      const a = yield* Layer.build(instanceOn(filename, first.layer))
      const b = yield* Layer.build(instanceOn(filename, second.layer))
      const keys = Array.from({ length: 20 }, (_, index) => `b_${index}`)
      for (const [index, key] of keys.entries()) {
        // declared half on each instance, the deposit observed by the other
        yield* within(index % 2 === 0 ? a : b, Watchdog.declare(key, bookingPlan))
        yield* within(
          index % 2 === 0 ? b : a,
          Watchdog.observe({ key, kind: "payment_intent.succeeded", provider: "stripe" })
        )
      }
      const clock = yield* stoppedAt(T + 49 * HOUR)
      const [fromA, fromB] = yield* Effect.all([within(a, Watchdog.check), within(b, Watchdog.check)], {
        concurrency: "unbounded"
      }).pipe(Effect.provideService(Clock.Clock, clock))
      assert.strictEqual(fromA.length + fromB.length, 20)
      const raised = [...first.alerts, ...second.alerts].map((alert) => alert.key).sort()
      assert.deepStrictEqual(raised, [...keys].sort())
      const again = yield* Effect.all([within(a, Watchdog.check), within(b, Watchdog.check)], {
        concurrency: "unbounded"
      }).pipe(Effect.provideService(Clock.Clock, clock))
      assert.deepStrictEqual(again, [[], []])
      assert.strictEqual(first.alerts.length + second.alerts.length, 20)
    })
  )

  it.effect("a new process on the same file picks up pending deadlines and raises once", () =>
    Effect.gen(function* () {
      const filename = yield* sqliteFile
      yield* TestClock.setTime(T)
      const before = recording()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const stopped = yield* Layer.build(instanceOn(filename, before.layer))
          yield* within(stopped, Watchdog.declare("b_restart", bookingPlan, { weddingId: "w_restart" }))
          yield* within(
            stopped,
            Watchdog.observe({ key: "b_restart", kind: "payment_intent.succeeded", provider: "stripe", at: T + HOUR })
          )
        })
      )
      yield* TestClock.adjust("50 hours")
      const after = recording()
      const restarted = yield* Layer.build(instanceOn(filename, after.layer))
      yield* within(restarted, Watchdog.check)
      yield* within(restarted, Watchdog.check)
      assert.deepStrictEqual(before.alerts, [])
      assert.deepStrictEqual(
        after.alerts.map((alert) => [alert.key, alert.step, alert.deadline, alert.arrived]),
        [["b_restart", "vendor confirmation", T + 49 * HOUR, [{ step: "deposit", at: T + HOUR }]]]
      )
      const timeline = yield* within(restarted, Watchdog.timeline("w_restart"))
      assert.deepStrictEqual(
        timeline.map((entry) => entry.kind),
        ["payment_intent.succeeded"]
      )
    })
  )
})

const credentials = StripeSim.definition.credentials
const URL = "https://hooks.wedsync.test/api/webhooks/stripe"

/** A `payment_intent.succeeded` for booking b_tl as the inbox holds it: signed by the simulator, verified by the real source. */
const receivedDeposit = (created: number) =>
  Effect.gen(function* () {
    const intent = {
      id: "pi_3WedSyncWatchdog0001",
      object: "payment_intent",
      amount: 50_000,
      currency: "gbp",
      metadata: { bookingId: "b_tl", weddingId: "w_tl" },
      status: "succeeded"
    } as unknown as StripeSim.PaymentIntent
    const event = StripeSim.events.paymentIntentSucceeded(intent, { id: "evt_watchdog_1", created })
    const sent = Webhooks.build(StripeSim.signer, credentials, event, URL, { timestamp: created })
    const request = new WebhookSource.WebhookRequest({
      method: "POST",
      url: sent.url,
      headers: Object.fromEntries(Object.entries(sent.headers).map(([name, value]) => [name.toLowerCase(), value])),
      body: sent.body,
      receivedAt: created * 1000
    })
    const source = yield* StripeWebhooks.make({ secret: Redacted.make(credentials.webhookSecret) })
    const verified = yield* source.verify(request)
    const received: Inbound.Received = { event: verified, request }
    return received
  })

const recorded = recording()

describe("Watchdog timeline", () => {
  it.effect("lists a webhook, outbound attempts and a delivery event in order, with provider and outcome", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      yield* Watchdog.declare(
        "b_tl",
        [
          { name: "deposit", match: { provider: "stripe", kind: "payment_intent.succeeded" }, within: "1 hour" },
          { name: "confirmation sent", match: { kind: "email.send", outcome: "success" }, within: "10 minutes" },
          { name: "confirmation delivered", match: { kind: "delivery", outcome: "delivered" }, within: "1 hour" }
        ],
        { weddingId: "w_tl" }
      )
      const received = yield* receivedDeposit(T / 1000 + 600)
      yield* Watchdog.observeWebhook(received)
      yield* Watchdog.observeWebhook(received) // the inbox may run a handler twice
      const served: Failover.Served<{ readonly messageId: string }> = {
        value: { messageId: "pm_msg_1" },
        provider: "postmark",
        attempts: [
          { provider: "resend", outcome: "failed", reason: "Unavailable", delivery: "notSent", durationMillis: 120 },
          { provider: "postmark", outcome: "success", durationMillis: 80 }
        ]
      }
      yield* TestClock.setTime(T + 15 * 60_000)
      yield* Watchdog.observeAll(Watchdog.fromAttempts("b_tl", "email.send", served))
      yield* Watchdog.link(served.value.messageId, "b_tl")
      yield* Watchdog.observeDelivery(
        new DeliveryEvent.DeliveryEvent({
          id: "postmark:delivery:pm_msg_1",
          channel: "email",
          provider: "postmark",
          messageId: "pm_msg_1",
          status: "delivered",
          recipient: "ana@example.com",
          occurredAt: T + 16 * 60_000,
          source: "webhook"
        })
      )
      const timeline = yield* Watchdog.timeline("w_tl")
      assert.deepStrictEqual(
        timeline.map((entry) => [entry.at, entry.kind, entry.provider, entry.outcome, entry.step]),
        [
          [T + 600_000, "payment_intent.succeeded", "stripe", "received", "deposit"],
          [T + 15 * 60_000, "email.send", "resend", "failed", undefined],
          [T + 15 * 60_000, "email.send", "postmark", "success", "confirmation sent"],
          [T + 16 * 60_000, "delivery", "postmark", "delivered", "confirmation delivered"]
        ]
      )
      assert.deepStrictEqual(timeline[0]?.details, { eventId: "evt_watchdog_1" })
      assert.deepStrictEqual(timeline[1]?.details, {
        attempt: 1,
        reason: "Unavailable",
        delivery: "notSent",
        durationMillis: 120
      })
      assert.strictEqual(timeline[3]?.details?.messageId, "pm_msg_1")
      yield* TestClock.adjust("3 hours")
      assert.deepStrictEqual(yield* Watchdog.check, [])
      assert.deepStrictEqual(recorded.alerts, [])
    }).pipe(Effect.provide(Watchdog.layerSql().pipe(Layer.provide(recorded.layer), Layer.provide(Sqlite.layerMemory))))
  )

  it("reads keys from Stripe metadata, snake_case and a caller's function", () => {
    const event = (metadata: Record<string, string>) => ({
      provider: "stripe",
      id: "evt_1",
      type: "charge.refunded",
      payload: { data: { object: { metadata } } }
    })
    assert.strictEqual(Watchdog.keyOfEvent(event({ weddingId: "w_1", bookingId: "b_1" })), "b_1")
    assert.strictEqual(Watchdog.keyOfEvent(event({ wedding_id: "w_1" })), "w_1")
    assert.strictEqual(Watchdog.fromWebhook(event({})), undefined)
    assert.strictEqual(Watchdog.fromWebhook(event({}), { key: () => "b_9" })?.key, "b_9")
  })
})
