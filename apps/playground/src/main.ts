/**
 * `pnpm playground`: runs the offline scenarios (real adapters against local
 * simulators) and prints a readable account of what happened. Loaded by
 * start.mjs, which checks the Node version first.
 */
import { Effect, References } from "effect"
import * as Scenario from "./scenario.ts"

const describe = (delivery: Scenario.Delivery) => {
  const path = delivery.attempts
    .map((attempt) => `${attempt.provider} ${attempt.outcome}${attempt.reason ? ` (${attempt.reason})` : ""}`)
    .join(" → ")
  return `  reminder ${String(delivery.index).padStart(2)}: ${delivery.servedBy ? `sent by ${delivery.servedBy}` : "NOT SENT"}  [${path}]`
}

console.log(
  "WedSync playground, offline: the real Resend, Postmark, Twilio, Vonage, Stripe and Google Calendar SDKs against local simulators\n"
)
// The failures are the story, and the account below tells it: the engine's Info lines about each
// one ("notification: sms failed") would only repeat it, out of order. Warnings and errors still print.
const report = await Effect.runPromise(Scenario.run.pipe(Effect.provideService(References.MinimumLogLevel, "Warn")))
console.log("1. Wedding reminders by email, Resend as primary and Postmark as backup\n")
console.log("Resend fails from reminder 6 to 17, then recovers.\n")
for (const delivery of report.deliveries) console.log(describe(delivery))
console.log("\nWhat the engine saw:")
for (const event of report.events) {
  if (event._tag === "BreakerTransition") {
    console.log(
      `  breaker ${event.key}: ${event.from} → ${event.to}${event.to === "open" ? ` for ${event.retryAfterMillis} ms` : ""}`
    )
  } else {
    console.log(`  health ${event.provider}: ${event.from} → ${event.to}`)
  }
}
console.log("\nOn the wedding day (criticality wedding_day_critical), with Resend down again:")
console.log(describe(report.weddingDay))
console.log("\nProvider health:")
for (const provider of report.health) {
  console.log(
    `  ${provider.provider.padEnd(9)} ${provider.status.padEnd(9)} breaker ${provider.breaker.padEnd(9)} success ${(provider.successRate * 100).toFixed(0)}% of ${provider.calls} calls, p95 ${provider.latency.p95.toFixed(0)} ms, last failure ${provider.lastFailureReason ?? "none"}`
  )
}
const lost = report.deliveries.filter((delivery) => delivery.servedBy === undefined).length
console.log(`\n${report.deliveries.length - lost} of ${report.deliveries.length} reminders delivered, ${lost} lost.`)

console.log("\n2. Reminders by SMS (Twilio, then Vonage), falling back to email")
console.log(
  "Twilio answers 429 (Retry-After 30 s) from reminder 4; Vonage is down too from 7; both are back at 10,\n" +
    "but Twilio's circuit stays open for its Retry-After, so Vonage serves.\n"
)
for (const notice of report.notices) {
  const path = notice.attempts
    .map(
      (attempt) =>
        `${attempt.channel}/${attempt.provider} ${attempt.outcome}${attempt.reason ? ` (${attempt.reason})` : ""}`
    )
    .join(" → ")
  console.log(
    `  reminder ${String(notice.index).padStart(2)}: ${notice.servedBy ? `sent by ${notice.servedBy}` : "NOT SENT"}  [${path}]`
  )
}
const unsent = report.notices.filter((notice) => notice.servedBy === undefined).length
console.log(`\n${report.notices.length - unsent} of ${report.notices.length} reminders delivered, ${unsent} lost.`)

console.log('\n3. After "accepted": delivery events for three SMS reminders (Deliveries on embedded SQLite)')
console.log("Twilio's callbacks reach the route handler a service mounts (@wedsync/webhooks): written to the inbox")
console.log("before the 200, then recorded. Reminder 1's callback arrives twice (answered, processed once), reminder")
console.log("2's says the handset was unreachable, a forged callback claims reminder 3 failed (refused, quarantined),")
console.log("and reminder 3's real callback is lost: reconciliation asks Twilio.\n")
report.afterSending.stories.forEach((story, index) => {
  const hooks = story.webhooks.length === 0 ? "no webhook" : `webhooks: ${story.webhooks.join("; ")}`
  console.log(`  reminder ${index + 1}: ${story.status ?? "unknown"}  [${hooks}] → ${story.events.join(", ")}`)
})
const pass = report.afterSending.reconciliation
console.log(
  `\nReconciliation: ${pass.checked} overdue message asked about, ${pass.settled} settled, ${pass.failed} lookups failed.`
)

console.log("\n4. Maybe sent: a failure after Twilio may have taken the reminder")
console.log("Twilio takes no idempotency key, so before anything is repeated Twilio is asked (its message list,")
console.log("matched on the body); what nobody can find is held, except on the wedding day: one copy, never more.\n")
for (const { story, notice, messages } of report.maybeSent) {
  const path = notice.attempts
    .map(
      (attempt) =>
        `${attempt.channel}/${attempt.provider} ${attempt.outcome}${attempt.reason ? ` (${attempt.reason}${attempt.resolution ? `, ${attempt.delivery}, ${attempt.resolution}` : ""})` : ""}`
    )
    .join(" → ")
  const outcome = notice.servedBy === undefined ? "held, not repeated" : `sent by ${notice.servedBy}`
  console.log(`  reminder ${notice.index} (${story}): ${outcome}  [${path}]`)
  console.log(`    messages the providers made: twilio ${messages.twilio}, vonage ${messages.vonage}`)
}

console.log("\n5. Payments through Stripe: never charged twice, never lost")
console.log(
  "Every charge carries a key derived from the booking (wedsync/createPayment/<booking>/<instalment>); a charge that may"
)
console.log("have gone through is resolved before anything else, by replaying that key.\n")
for (const { story, outcome, intents } of report.payments) {
  const what =
    outcome._tag === "Charged"
      ? `charged ${outcome.payment.id} (${outcome.payment.status})${outcome.resolution === "found" ? ", found by replaying the key" : ""}`
      : outcome._tag === "Queued"
        ? `queued as ${outcome.reference} (state ${outcome.state}): "${outcome.message}"`
        : `manual processing required for ${outcome.reference}: "${outcome.message}"`
  console.log(`  ${story}: ${what}`)
  console.log(`    PaymentIntents Stripe made: ${intents}`)
}

console.log("\n6. The calendar down on the wedding day: the couple still gets the event")
console.log("Synced to Google Calendar while it works; when it cannot sync on the day, an .ics by email at once, whose")
console.log("UID stays and SEQUENCE rises, so an update or a cancellation replaces the event in their calendar.\n")
for (const { story, outcome, calendarCalls, emails, millis } of report.calendar) {
  const what =
    outcome._tag === "Synced"
      ? `synced to ${outcome.provider} as event ${outcome.eventId}`
      : outcome._tag === "IcsSent"
        ? `.ics emailed (${outcome.reason}): ${outcome.file.method} ${outcome.file.filename}, UID ${outcome.file.uid}, SEQUENCE ${outcome.file.sequence} — "${outcome.notice.message}"`
        : `FAILED: ${outcome.message}`
  console.log(`  ${story}: ${what}`)
  console.log(`    calendar requests ${calendarCalls}, emails ${emails}, ${millis} ms`)
}

console.log("\n7. Vendor data served stale while the venue's booking system is down")
for (const { story, answer } of report.vendor) {
  const what =
    answer._tag === "Fresh"
      ? `fresh: ${answer.value.slots.map((slot) => `${slot.slot} ${slot.available ? "free" : "taken"}`).join(", ")}`
      : answer._tag === "Stale"
        ? `stale, ${answer.ageMillis} ms old: "${answer.message}"`
        : `FAILED (${answer.reason})`
  console.log(`  ${story}: ${what}`)
}

console.log("\n8. Operators told once: Twilio down on a day with two weddings (@wedsync/ops)")
console.log("The circuit opens; the Monitor raises one alert with the affected weddings ranked, repeats nothing while")
console.log("it stays open, and sends one resolution once Twilio is back and the circuit has stayed closed.\n")
for (const { story, outcome } of report.operations.sends) console.log(`  ${story}: ${outcome}`)
for (const notice of report.operations.notices) {
  if (notice._tag === "Alert") {
    console.log(`  ALERT (${notice.severity}) ${notice.title}`)
    for (const wedding of notice.impact?.affected ?? []) {
      console.log(`    ${wedding.weddingDate} ${wedding.couple ?? wedding.weddingId}: ${wedding.why}`)
    }
  } else console.log(`  RESOLVED ${notice.title}`)
}
const kinds = new Map<string, number>()
for (const incident of report.operations.incidents) kinds.set(incident.kind, (kinds.get(incident.kind) ?? 0) + 1)
console.log(`  incident log: ${[...kinds].map(([kind, count]) => `${count} ${kind}`).join(", ")}`)
