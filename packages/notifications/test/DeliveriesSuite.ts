/**
 * The contract every delivery-tracking store passes (memory, SQLite,
 * PostgreSQL), written once as a function of the layer. Each test gets a
 * fresh store. Times are explicit epoch milliseconds: nothing here reads the
 * clock, so nothing waits.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Fiber, type Layer, Option, Stream } from "effect"
import * as Deliveries from "../src/Deliveries.ts"
import type * as DeliveryEvent from "@wedsync/core/DeliveryEvent"
import { event, permutations, T, tracked } from "./DeliveriesFixtures.ts"

const service = Effect.service(Deliveries.Deliveries)
const get = (messageId: string, provider = "twilio") =>
  Effect.flatMap(service, (deliveries) =>
    Effect.flatMap(deliveries.get(provider, messageId), (found) =>
      Option.isSome(found) ? Effect.succeed(found.value) : Effect.die(`no delivery ${provider}/${messageId}`)
    )
  )
const overdueIds = (now: number, limit?: number) =>
  Effect.flatMap(service, (deliveries) =>
    Effect.map(deliveries.overdue({ now, limit }), (messages) => messages.map((message) => message.messageId))
  )
const recordAll = (events: ReadonlyArray<DeliveryEvent.DeliveryEvent>) =>
  Effect.flatMap(service, (deliveries) => Effect.forEach(events, deliveries.record))

/** Runs the delivery-tracking contract against `layer` (a fresh store per test). */
export const deliveriesSuite = <E>(name: string, layer: Layer.Layer<Deliveries.Deliveries, E>) => {
  const test = (title: string, body: Effect.Effect<void, unknown, Deliveries.Deliveries>) =>
    it.live(title, () => body.pipe(Effect.provide(layer)))

  describe(`Deliveries contract: ${name}`, () => {
    test(
      "track keeps the message pending; tracking it again changes nothing",
      Effect.gen(function* () {
        const deliveries = yield* service
        const first = tracked("SM1", T, { recipient: "+447700900123", correlationId: "corr_1", weddingId: "w_1" })
        assert.strictEqual(yield* deliveries.track(first), "tracked")
        const fresh = yield* get("SM1")
        assert.deepStrictEqual(fresh.tracked, first)
        assert.strictEqual(fresh.state, "pending")
        assert.strictEqual(fresh.checks, 0)
        assert.strictEqual(fresh.status, undefined)
        assert.deepStrictEqual(fresh.events, [])
        assert.isTrue(yield* deliveries.reschedule("twilio", "SM1", { dueBy: T + 5, checks: 2 }))
        assert.strictEqual(yield* deliveries.track(tracked("SM1", T + 1_000)), "duplicate")
        const again = yield* get("SM1")
        assert.strictEqual(again.tracked?.dueBy, T + 5)
        assert.strictEqual(again.tracked?.correlationId, "corr_1")
        assert.strictEqual(again.checks, 2)
        assert.isTrue(Option.isNone(yield* deliveries.get("twilio", "SM_unknown")))
        // the same message id at another provider is another message; a plain object is validated and kept
        const plain = { channel: "sms", provider: "vonage", messageId: "SM1", acceptedAt: T, dueBy: T } as const
        assert.strictEqual(yield* deliveries.track(plain), "tracked")
        assert.deepStrictEqual((yield* get("SM1", "vonage")).tracked, new Deliveries.Tracked(plain))
        const invalid = yield* Effect.exit(deliveries.track({ ...plain, messageId: "" }))
        assert.isTrue(invalid._tag === "Failure" && Cause.hasDies(invalid.cause))
      })
    )

    test(
      "record keeps an event once, by id, exactly as it was given",
      Effect.gen(function* () {
        const deliveries = yield* service
        yield* deliveries.track(tracked("pm_1", T, { channel: "email", provider: "postmark" }))
        const bounce = event("pm_1", "bounced", T + 1, {
          id: "postmark:bounce:4323372036854775807",
          channel: "email",
          provider: "postmark",
          bounce: "hard",
          recipient: "ana@example.com",
          providerCode: "1",
          description: "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
          url: "https://example.com/unused"
        })
        assert.strictEqual(yield* deliveries.record(bounce), "recorded")
        assert.strictEqual(yield* deliveries.record(bounce), "duplicate")
        // the same id found again by reconciliation, worded differently: still the same event
        const again = event("pm_1", "bounced", T + 2, {
          id: bounce.id,
          channel: "email",
          provider: "postmark",
          source: "reconciliation"
        })
        assert.strictEqual(yield* deliveries.record(again), "duplicate")
        const delivery = yield* get("pm_1", "postmark")
        assert.deepStrictEqual(delivery.events, [bounce])
        assert.strictEqual(delivery.status, "bounced")
        assert.strictEqual(delivery.channel, "email")
      })
    )

    test(
      "one event recorded by many fibers at once is kept once",
      Effect.gen(function* () {
        const deliveries = yield* service
        yield* deliveries.track(tracked("SM_race", T))
        const outcomes = yield* Effect.all(
          Array.from({ length: 8 }, () => deliveries.record(event("SM_race", "delivered", T + 1))),
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual(
          outcomes.filter((outcome) => outcome === "recorded"),
          ["recorded"]
        )
        assert.strictEqual((yield* get("SM_race")).events.length, 1)
      })
    )

    test(
      "a final event settles the message: it is no longer overdue",
      Effect.gen(function* () {
        const deliveries = yield* service
        yield* Effect.forEach([tracked("SM_a", T), tracked("SM_b", T)], deliveries.track)
        yield* recordAll([event("SM_a", "sent", T + 1), event("SM_b", "undelivered", T + 2)])
        assert.deepStrictEqual(yield* overdueIds(T + 10), ["SM_a"])
        const settled = yield* get("SM_b")
        assert.strictEqual(settled.state, "settled")
        assert.strictEqual(settled.status, "undelivered")
        assert.isFalse(yield* deliveries.reschedule("twilio", "SM_b", { dueBy: T + 99, checks: 1 }))
        assert.isFalse(yield* deliveries.abandon("twilio", "SM_b", { checks: 1 }))
        assert.strictEqual((yield* get("SM_b")).state, "settled")
      })
    )

    test(
      "the latest status never moves back; within a stage the later event wins",
      Effect.gen(function* () {
        const deliveries = yield* service
        yield* Effect.forEach([tracked("SM_late_sent", T), tracked("pm_late", T)], deliveries.track)
        yield* recordAll([event("SM_late_sent", "delivered", T + 5), event("SM_late_sent", "sent", T + 1)])
        const sms = yield* get("SM_late_sent")
        assert.strictEqual(sms.status, "delivered")
        assert.strictEqual(sms.state, "settled")
        assert.deepStrictEqual(
          sms.events.map((e) => e.status),
          ["sent", "delivered"]
        )
        // a bounce reported after the delivery wins; the delivery arriving last does not undo it
        yield* recordAll([event("pm_late", "bounced", T + 9), event("pm_late", "delivered", T + 4)])
        assert.strictEqual((yield* get("pm_late")).status, "bounced")
      })
    )

    test(
      "any arrival order gives the same latest status, state and event order",
      Effect.gen(function* () {
        const deliveries = yield* service
        const orders = permutations(["sent", "delayed", "delivered", "opened"] as const)
        yield* Effect.forEach(orders, (order, index) =>
          Effect.gen(function* () {
            const id = `pm_${index}`
            yield* deliveries.track(tracked(id, T, { channel: "email", provider: "postmark" }))
            const times = { sent: T + 1, delayed: T + 2, delivered: T + 3, opened: T + 4 }
            yield* recordAll(
              order.map((status) => event(id, status, times[status], { channel: "email", provider: "postmark" }))
            )
            const delivery = yield* get(id, "postmark")
            assert.strictEqual(delivery.status, "opened", order.join(","))
            assert.strictEqual(delivery.state, "settled")
            assert.deepStrictEqual(
              delivery.events.map((e) => e.status),
              ["sent", "delayed", "delivered", "opened"]
            )
          })
        )
      })
    )

    test(
      "an event for a message never tracked is kept; tracking it afterwards keeps what the event said",
      Effect.gen(function* () {
        const deliveries = yield* service
        assert.strictEqual(yield* deliveries.record(event("SM_fast", "delivered", T + 1)), "recorded")
        const early = yield* get("SM_fast")
        assert.strictEqual(early.tracked, undefined)
        assert.strictEqual(early.state, "settled")
        assert.strictEqual(early.status, "delivered")
        assert.strictEqual(yield* deliveries.track(tracked("SM_fast", T)), "tracked")
        assert.strictEqual(yield* deliveries.track(tracked("SM_fast", T)), "duplicate")
        assert.deepStrictEqual(yield* overdueIds(T + 1_000_000), [])
        const late = yield* get("SM_fast")
        assert.strictEqual(late.tracked?.dueBy, T)
        assert.strictEqual(late.state, "settled")

        // only `sent` came first: not polled until tracked (no due time), then polled
        yield* deliveries.record(event("SM_slow", "sent", T + 1))
        assert.deepStrictEqual(yield* overdueIds(T + 1_000_000), [])
        yield* deliveries.track(tracked("SM_slow", T))
        const [pending] = yield* deliveries.overdue({ now: T })
        assert.strictEqual(pending?.messageId, "SM_slow")
        assert.strictEqual(pending?.status, "sent")
        assert.strictEqual(pending?.checks, 0)
      })
    )

    test(
      "overdue returns pending tracked messages due by now, oldest due first, up to the limit",
      Effect.gen(function* () {
        const deliveries = yield* service
        yield* Effect.forEach(
          [
            tracked("a", T + 3),
            tracked("b", T + 1),
            tracked("c", T + 2),
            tracked("d", T + 1, { channel: "email", provider: "postmark" }),
            tracked("e", T + 100),
            tracked("f", T),
            tracked("g", T)
          ],
          deliveries.track
        )
        yield* deliveries.record(event("f", "delivered", T))
        yield* deliveries.abandon("twilio", "g", { checks: 3 })
        // equal due times order by provider, then message id
        assert.deepStrictEqual(yield* overdueIds(T + 10), ["d", "b", "c", "a"])
        assert.deepStrictEqual(yield* overdueIds(T + 10, 2), ["d", "b"])
        assert.deepStrictEqual(yield* overdueIds(T + 2), ["d", "b", "c"])
        assert.deepStrictEqual(yield* overdueIds(T + 10, 0), ["d"])
        assert.deepStrictEqual(yield* overdueIds(T), [])
        const [first] = yield* deliveries.overdue({ now: T + 10 })
        assert.deepStrictEqual(
          first,
          new Deliveries.Pending({ ...tracked("d", T + 1, { channel: "email", provider: "postmark" }), checks: 0 })
        )
      })
    )

    test(
      "reschedule moves a pending message and sets its checks; an unknown one is left alone",
      Effect.gen(function* () {
        const deliveries = yield* service
        yield* deliveries.track(tracked("SM_r", T))
        assert.isTrue(yield* deliveries.reschedule("twilio", "SM_r", { dueBy: T + 300_000, checks: 1 }))
        assert.deepStrictEqual(yield* overdueIds(T + 299_999), [])
        const [moved] = yield* deliveries.overdue({ now: T + 300_000 })
        assert.strictEqual(moved?.dueBy, T + 300_000)
        assert.strictEqual(moved?.checks, 1)
        assert.isFalse(yield* deliveries.reschedule("twilio", "nope", { dueBy: T, checks: 1 }))
        // known only from an event, so never tracked: nothing to reschedule
        yield* deliveries.record(event("SM_untracked", "sent", T))
        assert.isFalse(yield* deliveries.reschedule("twilio", "SM_untracked", { dueBy: T, checks: 1 }))
      })
    )

    test(
      "abandon stops polling without inventing an event; a late final event still settles it",
      Effect.gen(function* () {
        const deliveries = yield* service
        yield* deliveries.track(tracked("SM_x", T))
        assert.isTrue(yield* deliveries.abandon("twilio", "SM_x", { checks: 8 }))
        assert.isFalse(yield* deliveries.abandon("twilio", "SM_x", { checks: 9 }))
        assert.deepStrictEqual(yield* overdueIds(T + 1_000_000), [])
        const abandoned = yield* get("SM_x")
        assert.strictEqual(abandoned.state, "abandoned")
        assert.strictEqual(abandoned.checks, 8)
        assert.deepStrictEqual(abandoned.events, [])
        // a non-final event leaves it abandoned; a final one settles it
        yield* recordAll([event("SM_x", "sent", T + 1)])
        assert.strictEqual((yield* get("SM_x")).state, "abandoned")
        yield* recordAll([event("SM_x", "delivered", T + 2)])
        const settled = yield* get("SM_x")
        assert.strictEqual(settled.state, "settled")
        assert.strictEqual(settled.status, "delivered")
      })
    )

    test(
      "subscribe streams each newly recorded event once, from the moment it subscribed",
      Effect.scoped(
        Effect.gen(function* () {
          const deliveries = yield* service
          const before = event("SM_s", "sent", T)
          yield* deliveries.record(before)
          const stream = yield* deliveries.subscribe
          const collected = yield* Effect.forkChild(Stream.runCollect(Stream.take(stream, 2)))
          const delivered = event("SM_s", "delivered", T + 1)
          const opened = event("SM_s", "opened", T + 2)
          yield* recordAll([before, delivered, delivered, opened])
          assert.deepStrictEqual([...(yield* Fiber.join(collected))], [delivered, opened])
        })
      )
    )
  })
}
