/**
 * The playground's first scenario: wedding reminders go out through a primary
 * email provider ("resend") with "postmark" as backup. Mid-run the primary
 * fails; its circuit trips, reminders fail over, the primary recovers and a
 * probe closes the circuit. A wedding-day reminder shows that critical work
 * is never retried: it fails over at once. Everything runs in-process.
 */
import { Effect, Fiber, Layer, Stream } from "effect"
import { EmailProvider, Failover, Health, Policy, Resilience, WeddingContext } from "@wedsync/core"
import * as Providers from "./providers.ts"

/** One reminder's fate. */
export interface Delivery {
  readonly index: number
  readonly servedBy: string | undefined
  readonly attempts: ReadonlyArray<Failover.Attempt>
  readonly error?: string | undefined
}

/** What the scenario saw. */
export interface Report {
  readonly deliveries: ReadonlyArray<Delivery>
  readonly events: ReadonlyArray<Health.Event>
  readonly health: ReadonlyArray<Health.ProviderHealth>
  readonly weddingDay: Delivery
}

// Small numbers so the story fits in about two seconds.
const overrides = Policy.PolicyOverrides.make({
  services: {
    email: {
      breaker: { windowSize: 5, minimumCalls: 3, failureRateThreshold: 0.5, openMillis: 400 },
      inCall: { maxAttempts: 2, baseDelayMillis: 5, maxDelayMillis: 20 }
    }
  }
})

const message = (index: number) =>
  new EmailProvider.EmailMessage({
    from: "WedSync <reminders@wedsync.example>",
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

/** Runs the scenario and returns what happened. */
export const run: Effect.Effect<Report> = Effect.gen(function* () {
  const resend = Providers.make("resend")
  const postmark = Providers.make("postmark")
  const plan = yield* Failover.plan(EmailProvider.EmailProvider, {
    service: "email",
    steps: [resend.layer, postmark.layer]
  })
  const events: Array<Health.Event> = []
  const watcher = yield* Effect.forkChild(
    Stream.runForEach(Health.changes, (event) => Effect.sync(() => events.push(event)))
  )
  yield* Effect.yieldNow

  const deliveries: Array<Delivery> = []
  for (let index = 1; index <= 30; index++) {
    if (index === 6) resend.outage = true
    if (index === 18) resend.outage = false
    deliveries.push(yield* deliver(plan, index))
    yield* Effect.sleep("40 millis")
  }

  // The wedding is today: the primary is down again, and nothing waits on retries.
  resend.outage = true
  const today = new Date().toISOString().slice(0, 10)
  const weddingDay = yield* deliver(plan, 31).pipe(
    WeddingContext.provide({ weddingId: "w_ava_and_sam", weddingDate: today, vendorType: "bridal_boutique" })
  )
  const health = yield* Health.snapshot
  yield* Fiber.interrupt(watcher)
  return { deliveries, events, health, weddingDay }
}).pipe(Effect.scoped, Effect.provide(Resilience.layerMemory().pipe(Layer.provide(Policy.layer(overrides)))))
