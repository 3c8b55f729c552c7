/**
 * Provider failover and channel fallback end to end: `Notifications` over the
 * published adapters (Resend, Postmark, Twilio, Vonage on their real SDKs),
 * each pointed at its simulator, with faults injected into the simulators.
 * What went over the wire is read from the simulators' ledgers, so "not sent"
 * means no request reached the provider.
 */
import { Effect, Layer } from "effect"
import { Policy, Resilience, WeddingContext } from "@wedsync/core"
import { Notifications } from "@wedsync/notifications"
import { Faults } from "@wedsync/testkit"
import { describe, expect, it } from "vitest"
import * as Providers from "../src/providers.ts"
import { useSimulators } from "./fixtures/simulators.ts"

const sims = useSimulators(1)
const adapters = () => Providers.adaptersFor(sims)

/** The production set-up: Resend then Postmark, Twilio then Vonage, the spec's default policies. */
const notifications = () =>
  Providers.notifications(adapters()).pipe(
    Layer.provideMerge(Resilience.layerMemory()),
    Layer.provideMerge(Policy.layer())
  )

const run = <A, E>(effect: Effect.Effect<A, E, Notifications.Notifications | Resilience.Resilience>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(effect, notifications())))

const ana = { name: "Ana Lopez", email: "ana@example.com", phone: "+447700900123" }
const reminder = { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." }
const sends = (sim: { readonly ledger: { requests(): ReadonlyArray<{ readonly operation?: string }> } }, op: string) =>
  sim.ledger.requests().filter((request) => request.operation === op).length
const route = (attempts: ReadonlyArray<Notifications.Attempt>) =>
  attempts.map((attempt) => `${attempt.channel}/${attempt.provider}:${attempt.reason ?? attempt.outcome}`)

describe("email provider failover", () => {
  it("a Resend outage (503: nothing was taken) is served by Postmark, and the result says so", async () => {
    sims.resend.faults.add(Faults.outage({ forMillis: 60_000, operation: "emails.send" }))
    const sent = await run(Notifications.send(ana, reminder, { channels: ["email"] }))
    expect(sent).toMatchObject({ channel: "email", provider: "postmark" })
    expect(route(sent.attempts)).toEqual(["email/resend:Unavailable", "email/postmark:success"])
    expect(sent.attempts[0]?.delivery).toBe("notSent")
    expect(sims.postmark.ledger.sideEffects().map((effect) => effect.id)).toEqual([sent.messageId])
    expect(sims.resend.ledger.sideEffects()).toHaveLength(0)
  })

  it("a Resend 500 may have sent it: the same key is replayed, and the replay's answer serves, once", async () => {
    sims.resend.faults.script("emails.send", [Faults.error("internal_server_error"), Faults.pass])
    const sent = await run(Notifications.send(ana, reminder, { channels: ["email"] }))
    expect(sent.provider).toBe("resend")
    expect(
      sent.attempts.map(({ provider, reason, delivery, resolution }) => ({ provider, reason, delivery, resolution }))
    ).toEqual([{ provider: "resend", reason: "Unavailable", delivery: "maybeSent", resolution: "found" }])
    expect(sims.resend.ledger.sideEffects()).toHaveLength(1)
    expect(sims.postmark.ledger.requests()).toHaveLength(0)
  })

  it("a Resend 500 nobody can resolve is held, not sent again through Postmark", async () => {
    sims.resend.faults.add(
      Faults.outage({ forMillis: 60_000, operation: "emails.send", fault: Faults.error("internal_server_error") })
    )
    const error = await run(Effect.flip(Notifications.send(ana, reminder, { channels: ["email"] })))
    expect(error.lastError.maybeSent).toBe(true)
    expect(error.attempts.at(-1)?.resolution).toBe("unknown")
    expect(error.message).toContain("may have been sent by resend")
    expect(sims.postmark.ledger.requests()).toHaveLength(0)
  })
})

describe("SMS provider failover", () => {
  it("a Twilio 429 storm is served by Vonage; once Twilio's circuit opens it is not even called", async () => {
    sims.twilio.faults.add(Faults.rule(Faults.error("rateLimited", { retryAfterSeconds: 30 })))
    const program = Effect.gen(function* () {
      const served: Array<string> = []
      const twilioSteps: Array<string> = []
      for (let i = 0; i < 20; i++) {
        const sent = yield* Notifications.send(ana, { ...reminder, text: `Reminder ${i}` }, { channels: ["sms"] })
        served.push(`${sent.channel}/${sent.provider}`)
        twilioSteps.push(...route(sent.attempts).filter((step) => step.startsWith("sms/twilio")))
      }
      return { served, twilioSteps }
    })
    const { served, twilioSteps } = await run(program)
    expect(new Set(served)).toEqual(new Set(["sms/vonage"]))
    expect(sims.vonage.ledger.sideEffects()).toHaveLength(20)
    // a Retry-After longer than the call's deadline is not waited for in the call; the breaker then sheds Twilio
    expect(twilioSteps).toContain("sms/twilio:RateLimited")
    expect(twilioSteps.at(-1)).toBe("sms/twilio:CircuitOpen")
    expect(sends(sims.twilio, "messages.create")).toBe(
      twilioSteps.filter((step) => step.endsWith("RateLimited")).length
    )
    expect(sims.twilio.ledger.sideEffects()).toHaveLength(0)
  })

  it("a recipient Twilio rejects (unsubscribed) is never re-sent through Vonage", async () => {
    const error = await run(Effect.flip(Notifications.send({ phone: "+15005550004" }, reminder, { channels: ["sms"] })))
    expect(error.reason._tag).toBe("Rejected")
    expect(error.lastError.providerCode).toBe("21610")
    expect(route(error.attempts)).toEqual(["sms/twilio:Rejected"])
    expect(sends(sims.twilio, "messages.create")).toBe(1)
    expect(sims.vonage.ledger.requests()).toHaveLength(0)
  })
})

describe("channel fallback", () => {
  it("with both SMS providers down the reminder arrives by email, every attempt named", async () => {
    sims.twilio.faults.add(Faults.outage({ forMillis: 60_000 }))
    sims.vonage.faults.add(Faults.outage({ forMillis: 60_000 }))
    const sent = await run(Notifications.send(ana, reminder, { channels: ["sms", "email"] }))
    expect(sent).toMatchObject({ channel: "email", provider: "resend" })
    expect(route(sent.attempts)).toEqual(["sms/twilio:Unavailable", "sms/vonage:Unavailable", "email/resend:success"])
    expect(sims.resend.ledger.sideEffects().map((effect) => effect.id)).toEqual([sent.messageId])
  })

  it("a rejected phone number falls back to email without touching the backup SMS provider", async () => {
    const sent = await run(
      Notifications.send({ ...ana, phone: "+15005550004" }, reminder, { channels: ["sms", "email"] })
    )
    expect(route(sent.attempts)).toEqual(["sms/twilio:Rejected", "email/resend:success"])
    expect(sims.vonage.ledger.requests()).toHaveLength(0)
  })
})

describe("wedding-date-aware policy", () => {
  const today = () => new Date().toISOString().slice(0, 10)
  const later = "2099-06-12"
  const onWedding = (weddingDate: string) =>
    Notifications.send(ana, reminder, { channels: ["email"] }).pipe(
      WeddingContext.provide({ weddingId: "w_1", weddingDate, vendorType: "venue" })
    )

  it("on the wedding day a failing provider is not retried: one request, then straight to the backup", async () => {
    sims.resend.faults.add(Faults.rule(Faults.error("rateLimited")))
    const sent = await run(onWedding(today()))
    expect(sent.provider).toBe("postmark")
    expect(sends(sims.resend, "emails.send")).toBe(1)
  })

  it("months ahead the same failure is retried in the call before failing over", async () => {
    sims.resend.faults.add(Faults.rule(Faults.error("rateLimited")))
    const sent = await run(onWedding(later))
    expect(sent.provider).toBe("postmark")
    expect(sends(sims.resend, "emails.send")).toBe(3)
  })

  it("on the wedding day an unresolved Resend 500 goes to Postmark, once: at most one duplicate", async () => {
    sims.resend.faults.add(Faults.rule(Faults.error("internal_server_error")))
    const sent = await run(onWedding(today()))
    expect(sent.provider).toBe("postmark")
    expect(route(sent.attempts)).toEqual(["email/resend:Unavailable", "email/postmark:success"])
    expect(sent.attempts[0]?.resolution).toBe("unknown")
    // the send, then its replay under the same key; never a third request
    expect(sends(sims.resend, "emails.send")).toBe(2)
  })
})
