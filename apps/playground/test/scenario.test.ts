import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Scenario from "../src/scenario.ts"

describe("playground scenario", () => {
  it.live("fails over during the outages, trips and closes the breakers, falls back to email, and loses nothing", () =>
    Effect.gen(function* () {
      const report = yield* Scenario.run
      assert.strictEqual(report.deliveries.filter((delivery) => delivery.servedBy === undefined).length, 0)
      assert.strictEqual(report.deliveries[0]?.servedBy, "resend")
      const duringOutage = report.deliveries.filter((delivery) => delivery.index >= 6 && delivery.index < 18)
      assert.isTrue(duringOutage.every((delivery) => delivery.servedBy === "postmark"))
      assert.isTrue(duringOutage.some((delivery) => delivery.attempts[0]?.outcome === "skipped"))
      assert.strictEqual(report.deliveries.at(-1)?.servedBy, "resend")
      const transitions = report.events.flatMap((event) =>
        event._tag === "BreakerTransition" ? [`${event.from}>${event.to}`] : []
      )
      assert.include(transitions, "closed>open")
      assert.include(transitions, "half_open>closed")
      // Wedding day: the primary is tried once, with no in-call retry, then the backup serves.
      assert.strictEqual(report.weddingDay.servedBy, "postmark")
      assert.strictEqual(report.weddingDay.attempts.filter((attempt) => attempt.provider === "resend").length, 1)
      // Channels: Twilio rate-limited → Vonage; both SMS providers down → email; SMS back → Vonage (Twilio's
      // circuit honours its 30 s Retry-After).
      const served = report.notices.map((notice) => notice.servedBy)
      assert.deepStrictEqual(served.slice(0, 3), ["sms/twilio", "sms/twilio", "sms/twilio"])
      assert.deepStrictEqual(served.slice(3, 6), ["sms/vonage", "sms/vonage", "sms/vonage"])
      assert.deepStrictEqual(served.slice(6, 9), ["email/resend", "email/resend", "email/resend"])
      assert.deepStrictEqual(served.slice(9), ["sms/vonage", "sms/vonage", "sms/vonage"])
      // Delivery events through the route handler: a retried callback answered 200 and processed once, a
      // carrier code kept, a forgery refused and quarantined, a lost callback found by reconciliation.
      const [first, second, third] = report.afterSending.stories
      assert.deepStrictEqual(first?.webhooks, ["200", "200"])
      assert.deepStrictEqual(first?.events, ["delivered (webhook)"])
      assert.deepStrictEqual(second?.events, ["undelivered (webhook, carrier code 30003)"])
      assert.deepStrictEqual(third?.webhooks, ["401 signature_invalid, quarantined"])
      assert.deepStrictEqual(third?.events, ["delivered (reconciliation)"])
      assert.include(report.afterSending.reconciliation, { checked: 1, settled: 1, failed: 0 })
      // Maybe sent: found at Twilio and not sent again; held when nobody can find it; one copy on the wedding day.
      const [found, held, weddingDay] = report.maybeSent
      assert.strictEqual(found?.notice.servedBy, "sms/twilio")
      assert.strictEqual(found?.notice.attempts[0]?.resolution, "found")
      assert.deepStrictEqual(found?.messages, { twilio: 1, vonage: 0 })
      assert.strictEqual(held?.notice.servedBy, undefined)
      assert.deepStrictEqual(held?.messages, { twilio: 0, vonage: 0 })
      assert.strictEqual(weddingDay?.notice.servedBy, "sms/vonage")
      assert.deepStrictEqual(weddingDay?.messages, { twilio: 0, vonage: 1 })
      // Payments: a charge whose answer was lost is found by its key, not made again; Stripe down queues it;
      // the wedding day marks it for manual processing.
      const [lostAnswer, down, dayOf] = report.payments
      assert.strictEqual(lostAnswer?.outcome._tag, "Charged")
      assert.strictEqual(lostAnswer?.intents, 1)
      assert.strictEqual(down?.outcome._tag, "Queued")
      assert.strictEqual(dayOf?.outcome._tag, "ManualProcessing")
      assert.strictEqual(down?.intents, 0)
      // The calendar down on the wedding day: synced while it works, then an .ics at once (one try, no retry),
      // the same UID with SEQUENCE rising through the update and the cancellation.
      const [synced, moved, calledOff] = report.calendar
      assert.strictEqual(synced?.outcome._tag, "Synced")
      assert.strictEqual(synced?.emails, 0)
      for (const [step, method, sequence] of [
        [moved, "REQUEST", 1],
        [calledOff, "CANCEL", 2]
      ] as const) {
        const outcome = step?.outcome
        assert.strictEqual(outcome?._tag, "IcsSent")
        if (outcome?._tag !== "IcsSent") continue
        assert.strictEqual(outcome.file.method, method)
        assert.strictEqual(outcome.file.sequence, sequence)
        assert.strictEqual(outcome.notice.message, "Calendar sync disabled, manual entry required")
        assert.strictEqual(step?.emails, 1)
        assert.isAtMost(step?.calendarCalls ?? 99, 1)
      }
      const uids = [moved, calledOff].map((step) => (step?.outcome._tag === "IcsSent" ? step.outcome.file.uid : ""))
      assert.strictEqual(uids[0], uids[1])
      // Vendor data: fresh, then the last good answer with its age while the booking system is down.
      const [fresh, stale] = report.vendor
      assert.strictEqual(fresh?.answer._tag, "Fresh")
      assert.strictEqual(stale?.answer._tag, "Stale")
      if (stale?.answer._tag === "Stale") {
        assert.strictEqual(stale.answer.message, "Vendor data temporarily cached, manual sync may be required")
        assert.isAtLeast(stale.answer.ageMillis, 0)
      }
    })
  )
})
