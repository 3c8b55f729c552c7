/**
 * The playground's scenarios, over the real adapters and their simulators:
 * 1. wedding reminders go out by email through Resend with Postmark as backup.
 *    Mid-run Resend fails; its circuit trips, reminders fail over, Resend
 *    recovers and a probe closes the circuit. A wedding-day reminder shows
 *    that critical work is never retried: it fails over at once.
 * 2. reminders go out by SMS through Twilio with Vonage as backup and email as
 *    the fallback channel: Twilio rate-limits (Vonage serves), then both SMS
 *    providers are down (the reminders arrive by email), then SMS recovers.
 * 3. delivery events: status webhooks verified and recorded, a lost one found
 *    by reconciliation, a forged one refused (deliveries.ts).
 * 4. maybe sent: Twilio takes a reminder and the answer is lost; the lookup
 *    finds it, so it is not sent again. A 500 nobody can resolve is held, not
 *    repeated through Vonage, except on the wedding day, where one copy goes.
 * 5. payments (`Payments` over the Stripe adapter): Stripe times out after
 *    charging, and the replayed key finds the charge instead of making a
 *    second; Stripe down queues the charge with the spec's words; on the
 *    wedding day it is marked for manual processing at once.
 * 6. the calendar down on the wedding day: the ceremony reaches the couple as
 *    an .ics by email at once, and so does its cancellation (calendar.ts).
 * 7. vendor data served stale while the venue's booking system is down
 *    (calendar.ts).
 */
import { Effect, Fiber, Layer, References, Stream } from "effect"
import { Faults, SimulatorRegistry } from "@wedsync/testkit"
import { EmailProvider, Failover, Health, Policy, Resilience, WeddingContext } from "@wedsync/core"
import { Audit, DeadLetters, Outbox, QueueStore, Sqlite } from "@wedsync/durable"
import { Notifications } from "@wedsync/notifications"
import { Payments } from "@wedsync/payments"
import { PersistedQueue } from "effect/persistence"
import * as CalendarScenario from "./calendar.ts"
import * as OperationsScenario from "./operations.ts"
import * as DeliveryScenario from "./deliveries.ts"
import * as Providers from "./providers.ts"

/** One reminder's fate. */
export interface Delivery {
  readonly index: number
  readonly servedBy: string | undefined
  readonly attempts: ReadonlyArray<Failover.Attempt>
  readonly error?: string | undefined
}

/** One notification's fate in the channel scenario. */
export interface Notice {
  readonly index: number
  /** `"sms/vonage"`, or undefined when it was not sent. */
  readonly servedBy: string | undefined
  readonly attempts: ReadonlyArray<Notifications.Attempt>
  readonly error?: string | undefined
}

/** What the scenarios saw. */
export interface Report {
  readonly deliveries: ReadonlyArray<Delivery>
  readonly events: ReadonlyArray<Health.Event>
  readonly health: ReadonlyArray<Health.ProviderHealth>
  readonly weddingDay: Delivery
  readonly notices: ReadonlyArray<Notice>
  readonly afterSending: DeliveryScenario.Report
  readonly maybeSent: ReadonlyArray<Ambiguous>
  readonly payments: ReadonlyArray<Charge>
  readonly calendar: ReadonlyArray<CalendarScenario.CalendarStep>
  readonly vendor: ReadonlyArray<CalendarScenario.VendorRead>
  readonly operations: OperationsScenario.OperationsReport
}

/** One charge of the payments scenario, and the PaymentIntents Stripe made for it. */
export interface Charge {
  readonly story: string
  readonly outcome: Payments.Outcome
  readonly intents: number
}

/** One reminder of the maybe-sent scenario, and the messages the providers' ledgers show for it. */
export interface Ambiguous {
  readonly story: string
  readonly notice: Notice
  readonly messages: { readonly twilio: number; readonly vonage: number }
}

// Small numbers so the story fits in about two seconds.
const overrides = Policy.PolicyOverrides.make({
  services: {
    email: {
      breaker: { windowSize: 5, minimumCalls: 3, failureRateThreshold: 0.5, openMillis: 400 },
      inCall: { maxAttempts: 2, baseDelayMillis: 5, maxDelayMillis: 20 }
    },
    sms: {
      breaker: { windowSize: 5, minimumCalls: 3, failureRateThreshold: 0.5, openMillis: 400 },
      inCall: { maxAttempts: 2, baseDelayMillis: 5, maxDelayMillis: 20 }
    },
    // a hang costs a second, not the spec's 15
    payment: { timeoutMillis: 1_000, inCall: { maxAttempts: 2, baseDelayMillis: 5, maxDelayMillis: 20 } },
    calendar: { timeoutMillis: 1_000, inCall: { maxAttempts: 2, baseDelayMillis: 5, maxDelayMillis: 20 } },
    vendor_api: { timeoutMillis: 1_000, inCall: { maxAttempts: 2, baseDelayMillis: 5, maxDelayMillis: 20 } }
  }
})

const message = (index: number) =>
  new EmailProvider.EmailMessage({
    from: "WedSync <reminders@wedsync.test>",
    to: "couple@example.com",
    subject: `Reminder ${index}: final dress fitting`,
    text: "Your final fitting is on Saturday at 10:00."
  })

const deliver = (plan: Failover.Plan<EmailProvider.EmailProvider["Service"]>, index: number) =>
  Failover.run(plan, "send", (email) => email.send(message(index))).pipe(
    Effect.map((served): Delivery => ({ index, servedBy: served.provider, attempts: served.attempts })),
    Effect.catchTag("FailoverError", (error) =>
      Effect.succeed<Delivery>({ index, servedBy: undefined, attempts: error.attempts, error: error.message })
    )
  )

const couple = { name: "Ava Moreno", email: "ava@example.com", phone: "+447700900123" }

const notify = (index: number) =>
  Notifications.send(
    couple,
    { subject: `Reminder ${index}: cake tasting`, text: `Reminder ${index}: cake tasting tomorrow at 11:00.` },
    { channels: ["sms", "email"] }
  ).pipe(
    Effect.map((sent): Notice => ({ index, servedBy: `${sent.channel}/${sent.provider}`, attempts: sent.attempts })),
    Effect.catchTag("NotificationError", (error) =>
      Effect.succeed<Notice>({ index, servedBy: undefined, attempts: error.attempts, error: error.message })
    )
  )

/** Scenario 2: Twilio rate-limits, then both SMS providers are down, then SMS is back. */
const channels = (providers: Providers.Providers) =>
  Effect.gen(function* () {
    const { twilio, vonage } = providers.simulators
    const notices: Array<Notice> = []
    for (let index = 1; index <= 12; index++) {
      if (index === 4) Providers.rateLimited(twilio)
      if (index === 7) Providers.down(vonage)
      if (index === 10) {
        Providers.up(twilio)
        Providers.up(vonage)
        yield* Effect.sleep("450 millis") // let the SMS circuits' open period pass
      }
      notices.push(yield* notify(index))
      yield* Effect.sleep("20 millis")
    }
    return notices
  }).pipe(Effect.provide(Providers.notifications(providers)))

/** Scenario 4: failures that may have sent the reminder, resolved through Twilio before anything is repeated. */
const maybeSent = (providers: Providers.Providers) =>
  Effect.gen(function* () {
    const { twilio, vonage } = providers.simulators
    const results: Array<Ambiguous> = []
    const counted = (story: string, index: number) =>
      Effect.gen(function* () {
        const before = { twilio: twilio.ledger.sideEffects().length, vonage: vonage.ledger.sideEffects().length }
        const notice = yield* notify(index).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))
        results.push({
          story,
          notice,
          messages: {
            twilio: twilio.ledger.sideEffects().length - before.twilio,
            vonage: vonage.ledger.sideEffects().length - before.vonage
          }
        })
        twilio.faults.clear()
      })
    twilio.faults.add(Faults.rule(Faults.ambiguousCommit, { operation: "messages.create", times: 1 }))
    yield* counted("Twilio takes it, the answer is lost", 13)
    // A 500 may come after the work; Twilio's list does not show the message, which proves nothing (it lags).
    twilio.faults.add(Faults.rule(Faults.error("internal_error"), { operation: "messages.create", times: 1 }))
    yield* counted("Twilio answers 500, its list does not show it", 14)
    twilio.faults.add(Faults.rule(Faults.error("internal_error"), { operation: "messages.create", times: 1 }))
    const today = new Date().toISOString().slice(0, 10)
    yield* counted("the same, on the wedding day", 15).pipe(
      WeddingContext.provide({ weddingId: "w_ava_and_sam", weddingDate: today, vendorType: "bridal_boutique" })
    )
    return results
  }).pipe(
    Effect.provide(Providers.notifications(providers)),
    // Circuits of its own: scenario 2 left Twilio's open for its Retry-After.
    Effect.provide(Resilience.layerMemory().pipe(Layer.provide(Policy.layer(overrides))))
  )

/** Scenario 5: charges through `Payments` over the Stripe adapter and its simulator. */
const payments = (providers: Providers.Providers) =>
  Effect.gen(function* () {
    const stripe = providers.simulators.stripe
    const create = "payment_intents.create"
    const results: Array<Charge> = []
    const charge = (story: string, bookingId: string, wedding?: WeddingContext.WeddingInput) =>
      Effect.gen(function* () {
        const before = stripe.ledger.sideEffects().filter((effect) => effect.kind === "payment_intent").length
        const outcome = yield* Payments.charge({
          bookingId,
          instalment: "deposit",
          amount: 150_000,
          currency: "gbp",
          paymentMethod: "pm_card_visa",
          ...(wedding === undefined ? {} : { wedding })
        })
        const after = stripe.ledger.sideEffects().filter((effect) => effect.kind === "payment_intent").length
        results.push({ story, outcome, intents: after - before })
        stripe.faults.clear()
      })
    stripe.faults.add(Faults.rule(Faults.commitThenHang, { operation: create, times: 1 }))
    yield* charge("Stripe charges, then never answers", "bk_ava_sam")
    stripe.faults.add(Faults.rule(Faults.error("api_error"), { operation: create }))
    yield* charge("Stripe is down (500s)", "bk_lee_kim")
    stripe.faults.add(Faults.rule(Faults.error("api_error"), { operation: create }))
    const today = new Date().toISOString().slice(0, 10)
    yield* charge("the same, on the wedding day", "bk_ava_sam_day", {
      weddingId: "w_ava_and_sam",
      weddingDate: today,
      vendorType: "bridal_boutique"
    })
    return results
  }).pipe(
    Effect.provideService(References.MinimumLogLevel, "Warn"),
    Effect.provide(
      Layer.mergeAll(
        providers.stripe,
        DeadLetters.layerSql.pipe(
          Layer.provideMerge(Outbox.layer()),
          Layer.provideMerge(Audit.layerSql),
          Layer.provide(PersistedQueue.layer),
          Layer.provide(QueueStore.layerSql()),
          Layer.provide(Sqlite.layerMemory)
        ),
        Resilience.layerMemory().pipe(Layer.provide(Policy.layer(overrides)))
      )
    ),
    Effect.orDie
  )

/** Runs the scenarios and returns what happened. */
export const run: Effect.Effect<Report> = Effect.gen(function* () {
  const providers = yield* Providers.start
  const resend = providers.simulators.resend
  // The playground's adapters are configured from the simulators: a provider that fails to build is a bug here.
  const plan = yield* Failover.plan(EmailProvider.EmailProvider, {
    service: "email",
    steps: [providers.resend, providers.postmark]
  }).pipe(Effect.orDie)
  const events: Array<Health.Event> = []
  const watcher = yield* Effect.forkChild(
    Stream.runForEach(Health.changes, (event) => Effect.sync(() => events.push(event)))
  )
  yield* Effect.yieldNow

  const deliveries: Array<Delivery> = []
  for (let index = 1; index <= 30; index++) {
    if (index === 6) Providers.down(resend)
    if (index === 18) Providers.up(resend)
    deliveries.push(yield* deliver(plan, index))
    yield* Effect.sleep("40 millis")
  }

  // The wedding is today: the primary is down again, and nothing waits on retries.
  Providers.down(resend)
  const today = new Date().toISOString().slice(0, 10)
  const weddingDay = yield* deliver(plan, 31).pipe(
    WeddingContext.provide({ weddingId: "w_ava_and_sam", weddingDate: today, vendorType: "bridal_boutique" })
  )
  Providers.up(resend)
  const notices = yield* channels(providers)
  const afterSending = yield* DeliveryScenario.run(providers)
  const ambiguous = yield* maybeSent(providers)
  const charges = yield* payments(providers)
  const calendar = yield* CalendarScenario.calendarDown(providers)
  const vendor = yield* CalendarScenario.vendorStale(providers)
  const operations = yield* OperationsScenario.operatorsTold(providers)
  const health = yield* Health.snapshot
  yield* Fiber.interrupt(watcher)
  return {
    deliveries,
    events,
    health,
    weddingDay,
    notices,
    afterSending,
    maybeSent: ambiguous,
    payments: charges,
    calendar,
    vendor,
    operations
  }
}).pipe(
  Effect.scoped,
  Effect.provide(
    // The providers the playground runs: a misspelt name in its overrides fails here, naming it.
    Resilience.layerMemory().pipe(Layer.provide(Policy.layer(overrides, { knownProviders: SimulatorRegistry.names })))
  )
)
