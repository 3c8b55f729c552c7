/**
 * One reconciliation pass under TestClock, over the memory store and status
 * APIs that answer like a provider (ReconciliationFixtures): which messages
 * it asks about and in what order, what it records, how it backs off and
 * gives up, how lookup failures are classified. Reconciliation.resilience.test.ts
 * covers the resilience policy around each lookup.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Metric, Option } from "effect"
import { TestClock } from "effect/testing"
import * as Deliveries from "../src/Deliveries.ts"
import * as IntegrationError from "@wedsync/core/IntegrationError"
import * as Reconciliation from "../src/Reconciliation.ts"
import { event, minute, T, tracked } from "./DeliveriesFixtures.ts"
import { failure, fixed, live, statusApi, track } from "./ReconciliationFixtures.ts"

const deliveries = Effect.service(Deliveries.Deliveries)
const get = (messageId: string, provider = "twilio") =>
  Effect.flatMap(deliveries, (store) =>
    Effect.flatMap(store.get(provider, messageId), (found) =>
      Option.isSome(found) ? Effect.succeed(found.value) : Effect.die(`no delivery ${provider}/${messageId}`)
    )
  )
const tags = (summary: Reconciliation.Summary) => summary.outcomes.map((outcome) => outcome._tag)

describe("Reconciliation.run", () => {
  it.effect("asks about overdue messages oldest due first, a batch per pass, never before they are due", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T + 10 * minute)
      const twilio = statusApi("twilio", "sms")
      for (const id of ["SM_1", "SM_2", "SM_3", "SM_later"]) twilio.accept(id)
      yield* track(
        tracked("SM_1", T + 3 * minute),
        tracked("SM_2", T + minute),
        tracked("SM_3", T + 2 * minute),
        tracked("SM_later", T + 60 * minute)
      )
      const options = { lookups: [twilio.service], batchSize: 2, concurrency: 1 }
      const first = yield* Reconciliation.run(options)
      assert.deepStrictEqual(twilio.asked(), ["SM_2", "SM_3"])
      assert.deepStrictEqual(tags(first), ["Pending", "Pending"])
      yield* Reconciliation.run(options)
      assert.deepStrictEqual(twilio.asked(), ["SM_2", "SM_3", "SM_1"])
      const third = yield* Reconciliation.run(options)
      assert.strictEqual(third.checked, 0)
      assert.deepStrictEqual(twilio.asked(), ["SM_2", "SM_3", "SM_1"])
    }).pipe(Effect.provide(live))
  )

  it.effect("a status found by reconciliation and by a webhook is recorded once, whichever comes first", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T + 10 * minute)
      const store = yield* deliveries
      const twilio = statusApi("twilio", "sms")
      twilio.accept("SM_lost")
      twilio.advance("SM_lost", "delivered", T + minute)
      twilio.accept("SM_sent")
      twilio.advance("SM_sent", "sent", T + minute)
      yield* track(tracked("SM_lost", T), tracked("SM_sent", T))
      assert.strictEqual(yield* store.record(event("SM_sent", "sent", T + minute)), "recorded")

      const summary = yield* Reconciliation.run({ lookups: [twilio.service] })
      assert.deepStrictEqual(
        summary.outcomes.map((outcome) => [outcome.messageId, outcome._tag]),
        [
          ["SM_lost", "Settled"],
          ["SM_sent", "Pending"]
        ]
      )
      // the webhook that was lost arrives after all
      assert.strictEqual(yield* store.record(event("SM_lost", "delivered", T + minute)), "duplicate")
      const lost = yield* get("SM_lost")
      assert.strictEqual(lost.state, "settled")
      assert.deepStrictEqual(
        lost.events.map((e) => e.source),
        ["reconciliation"]
      )
      const sent = yield* get("SM_sent")
      assert.deepStrictEqual(
        sent.events.map((e) => e.source),
        ["webhook"]
      )
      assert.strictEqual(sent.state, "pending")
      // a settled message is never asked about again
      yield* TestClock.adjust("1 day")
      yield* Reconciliation.run({ lookups: [twilio.service] })
      assert.deepStrictEqual(twilio.asked(), ["SM_lost", "SM_sent", "SM_sent"])
    }).pipe(Effect.provide(live))
  )

  it.effect("with no news it asks again later, each wait longer, up to the cap", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const twilio = statusApi("twilio", "sms")
      twilio.accept("SM_quiet")
      yield* track(tracked("SM_quiet", T))
      const options = {
        lookups: [twilio.service],
        backoff: { kind: "exponential", baseMillis: minute, factor: 2, capMillis: 4 * minute } as const,
        maxChecks: 10
      }
      const waits: Array<number> = []
      for (let check = 1; check <= 5; check++) {
        const now = yield* Clock.currentTimeMillis
        const summary = yield* Reconciliation.run(options)
        const outcome = summary.outcomes[0]
        assert.strictEqual(outcome?._tag, "Pending")
        const dueBy = outcome?._tag === "Pending" ? outcome.dueBy : 0
        waits.push(dueBy - now)
        assert.strictEqual((yield* get("SM_quiet")).checks, check)
        // a millisecond early: not due yet
        yield* TestClock.setTime(dueBy - 1)
        assert.strictEqual((yield* Reconciliation.run(options)).checked, 0)
        yield* TestClock.setTime(dueBy)
      }
      assert.deepStrictEqual(
        waits.map((millis) => millis / minute),
        [1, 2, 4, 4, 4]
      )
      assert.strictEqual(twilio.asked().length, 5)
    }).pipe(Effect.provide(live))
  )

  it.effect("after maxChecks without a final status it stops asking and records nothing", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const twilio = statusApi("twilio", "sms")
      twilio.accept("SM_silent")
      twilio.advance("SM_silent", "sent", T)
      yield* track(tracked("SM_silent", T))
      const options = { lookups: [twilio.service], backoff: fixed(minute), maxChecks: 3 }
      const outcomes: Array<Reconciliation.Outcome | undefined> = []
      for (let pass = 0; pass < 3; pass++) {
        outcomes.push((yield* Reconciliation.run(options)).outcomes[0])
        yield* TestClock.adjust("1 minute")
      }
      assert.deepStrictEqual(
        outcomes.map((outcome) => outcome?._tag),
        ["Pending", "Pending", "Abandoned"]
      )
      const last = outcomes[2]
      assert.include(last?._tag === "Abandoned" ? last.why : "", "no final status after 3 checks (still sent)")
      const abandoned = yield* get("SM_silent")
      assert.strictEqual(abandoned.state, "abandoned")
      assert.strictEqual(abandoned.checks, 3)
      assert.deepStrictEqual(
        abandoned.events.map((e) => e.status),
        ["sent"]
      )
      yield* TestClock.adjust("1 day")
      assert.strictEqual((yield* Reconciliation.run(options)).checked, 0)
      assert.strictEqual(twilio.asked().length, 3)
      // the provider's webhook, late, still settles it
      yield* Effect.flatMap(deliveries, (store) => store.record(event("SM_silent", "delivered", T + 5 * minute)))
      assert.strictEqual((yield* get("SM_silent")).state, "settled")
    }).pipe(Effect.provide(live))
  )

  it.effect("lookup failures are counted and asked again later; an unknown message is not asked again", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T + 10 * minute)
      const twilio = statusApi("twilio", "sms")
      for (const id of ["SM_down", "SM_slow", "SM_auth"]) twilio.accept(id)
      twilio.inject("SM_down", failure("twilio", new IntegrationError.Unavailable({})))
      twilio.inject(
        "SM_slow",
        failure("twilio", new IntegrationError.RateLimited({ retryAfter: Duration.minutes(30) }))
      )
      twilio.inject("SM_auth", failure("twilio", new IntegrationError.Unauthorized({})))
      // SM_gone was never accepted by the provider: its API answers 404
      yield* track(
        tracked("SM_down", T + 1),
        tracked("SM_slow", T + 2),
        tracked("SM_auth", T + 3),
        tracked("SM_gone", T + 4)
      )
      const options = { lookups: [twilio.service], backoff: fixed(minute), concurrency: 1 }
      const summary = yield* Reconciliation.run(options)
      const now = T + 10 * minute
      assert.deepStrictEqual(summary.outcomes, [
        { _tag: "Failed", provider: "twilio", messageId: "SM_down", reason: "Unavailable", dueBy: now + minute },
        { _tag: "Failed", provider: "twilio", messageId: "SM_slow", reason: "RateLimited", dueBy: now + 30 * minute },
        { _tag: "Failed", provider: "twilio", messageId: "SM_auth", reason: "Unauthorized", dueBy: now + minute },
        {
          _tag: "Abandoned",
          provider: "twilio",
          messageId: "SM_gone",
          why: "Rejected: twilio.status: The requested resource SM_gone was not found (HTTP 404 20404)"
        }
      ])
      assert.include(summary, { checked: 4, failed: 3, abandoned: 1, settled: 0, pending: 0, skipped: 0 })
      assert.strictEqual((yield* get("SM_gone")).state, "abandoned")
      // once the provider is back, the failed ones are asked again and settle
      twilio.advance("SM_down", "delivered", now)
      yield* TestClock.adjust("1 minute")
      const again = yield* Reconciliation.run(options)
      assert.deepStrictEqual(
        again.outcomes.map((outcome) => [outcome.messageId, outcome._tag]),
        [
          ["SM_auth", "Pending"],
          ["SM_down", "Settled"]
        ]
      )
      yield* TestClock.adjust("1 day")
      yield* Reconciliation.run(options)
      assert.deepStrictEqual(
        twilio.asked().filter((id) => id === "SM_gone"),
        ["SM_gone"]
      )
    }).pipe(Effect.provide(live))
  )

  it.effect("a provider without a status lookup is skipped with a reason, and in the end abandoned", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      yield* track(tracked("vonage_1", T, { provider: "vonage" }))
      const options = { lookups: [statusApi("twilio", "sms").service], backoff: fixed(minute), maxChecks: 2 }
      const first = yield* Reconciliation.run(options)
      assert.deepStrictEqual(first.outcomes, [
        {
          _tag: "Skipped",
          provider: "vonage",
          messageId: "vonage_1",
          why: "no status lookup for vonage (sms)",
          dueBy: T + minute
        }
      ])
      assert.include(first, { checked: 1, skipped: 1 })
      yield* TestClock.adjust("1 minute")
      const second = yield* Reconciliation.run(options)
      assert.deepStrictEqual(tags(second), ["Abandoned"])
      assert.strictEqual((yield* get("vonage_1", "vonage")).state, "abandoned")
    }).pipe(Effect.provide(live))
  )

  it.effect("a lookup is matched on channel and provider; the first of two for one provider wins", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const first = statusApi("twilio", "sms")
      const second = statusApi("twilio", "sms")
      const emailOnly = statusApi("postmark", "email")
      first.accept("SM_a")
      yield* track(tracked("SM_a", T), tracked("pm_sms", T, { provider: "postmark" }))
      const summary = yield* Reconciliation.run({ lookups: [first.service, second.service, emailOnly.service] })
      assert.deepStrictEqual(first.asked(), ["SM_a"])
      assert.deepStrictEqual(second.asked(), [])
      assert.deepStrictEqual(emailOnly.asked(), [])
      assert.deepStrictEqual(tags(summary), ["Skipped", "Pending"])
    }).pipe(Effect.provide(live))
  )

  it.effect("a lookup that answers about another message is a failed lookup, and nothing is recorded", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const twilio = statusApi("twilio", "sms")
      twilio.accept("SM_mine")
      twilio.inject("SM_mine", { _tag: "Answer", event: event("SM_other", "delivered", T) })
      yield* track(tracked("SM_mine", T))
      const summary = yield* Reconciliation.run({ lookups: [twilio.service] })
      assert.deepStrictEqual(
        summary.outcomes.map((outcome) => (outcome._tag === "Failed" ? outcome.reason : outcome._tag)),
        ["PayloadInvalid"]
      )
      const none = yield* Effect.flatMap(deliveries, (store) => store.get("twilio", "SM_other"))
      assert.isTrue(Option.isNone(none))
    }).pipe(Effect.provide(live))
  )

  it.effect("each lookup runs under the message's correlation id", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const twilio = statusApi("twilio", "sms")
      twilio.accept("SM_c1")
      twilio.accept("SM_c2")
      yield* track(tracked("SM_c1", T, { correlationId: "corr_wedding_7" }), tracked("SM_c2", T - 1))
      yield* Reconciliation.run({ lookups: [twilio.service], concurrency: 1 })
      assert.deepStrictEqual(
        twilio.requests.map((request) => request.correlationId),
        [undefined, "corr_wedding_7"]
      )
    }).pipe(Effect.provide(live))
  )

  it.effect("the summary counts each outcome once; the metric counts them by provider and outcome", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T)
      const api = statusApi("metered", "sms")
      api.accept("m_settled")
      api.advance("m_settled", "undelivered", T)
      api.accept("m_pending")
      api.accept("m_failed")
      api.inject("m_failed", failure("metered", new IntegrationError.Unavailable({})))
      yield* track(
        ...["m_settled", "m_pending", "m_failed", "m_gone"].map((id) => tracked(id, T, { provider: "metered" })),
        tracked("m_skipped", T, { provider: "unmetered" })
      )
      const summary = yield* Reconciliation.run({ lookups: [api.service] })
      const { outcomes, ...counts } = summary
      assert.deepStrictEqual(counts, { checked: 5, settled: 1, pending: 1, failed: 1, abandoned: 1, skipped: 1 })
      assert.strictEqual(outcomes.length, 5)
      const snapshot = yield* Metric.snapshot
      const count = (provider: string, outcome: string) =>
        (
          snapshot.find(
            (entry) =>
              entry.id === "wedsync_reconciliation_checks_total" &&
              entry.attributes?.provider === provider &&
              entry.attributes?.outcome === outcome
          )?.state as { readonly count?: number } | undefined
        )?.count
      assert.deepStrictEqual(
        ["settled", "pending", "failed", "abandoned"].map((outcome) => count("metered", outcome)),
        [1, 1, 1, 1]
      )
      assert.strictEqual(count("unmetered", "skipped"), 1)
    }).pipe(Effect.provide(live))
  )
})
