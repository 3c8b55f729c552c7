/**
 * Delivery events end to end, for SMS (Twilio) and email (Postmark): a
 * notification sent through the real adapters
 * is tracked in `Deliveries` (SQLite); a status webhook, signed by the
 * simulator exactly as the provider signs it, is verified and decoded by the
 * adapter's webhook source and recorded; a webhook that never came is found
 * by `Reconciliation` through the adapter's status lookup, and the late
 * webhook for the same status is then recognised as a duplicate.
 */
import { Effect, Layer, Option, Redacted } from "effect"
import { type DeliveryEvent, Policy, Resilience } from "@wedsync/core"
import { Sqlite } from "@wedsync/durable"
import { Deliveries, Notifications, Reconciliation } from "@wedsync/notifications"
import { PostmarkStatus, PostmarkWebhooks } from "@wedsync/adapter-email"
import { TwilioStatus, TwilioWebhooks } from "@wedsync/adapter-sms"
import { Webhooks } from "@wedsync/testkit"
import * as PostmarkSim from "@wedsync/testkit/simulators/postmark"
import * as TwilioSim from "@wedsync/testkit/simulators/twilio"
import { describe, expect, it } from "vitest"
import * as Providers from "../src/providers.ts"
import { useSimulators } from "./fixtures/simulators.ts"

const sims = useSimulators(7)
const adapters = () => Providers.adaptersFor(sims)

const STATUS_URL = "https://hooks.wedsync.test/sms/twilio"
const twilioOptions = () => ({
  baseUrl: sims.twilio.url,
  accountSid: sims.twilio.credentials.accountSid,
  authToken: Redacted.make(sims.twilio.credentials.authToken)
})

const postmarkOptions = () => ({
  baseUrl: sims.postmark.url,
  serverToken: Redacted.make(sims.postmark.credentials.serverToken)
})

/** Production wiring: Notifications tracking into Deliveries on SQLite, under the default policies. */
const world = () =>
  Notifications.layer({
    email: {
      from: "WedSync <reminders@wedsync.test>",
      providers: [adapters().postmark],
      deliveryExpectedWithin: "0 millis"
    },
    sms: {
      from: "+15005550006",
      providers: [adapters().twilio, adapters().vonage],
      // overdue at once, so reconciliation runs now instead of in ten minutes
      deliveryExpectedWithin: "0 millis"
    }
  }).pipe(
    Layer.provideMerge(Deliveries.layerSql),
    Layer.provide(Sqlite.layerMemory),
    Layer.provideMerge(Resilience.layerMemory()),
    Layer.provideMerge(Policy.layer()),
    Layer.orDie
  )

const run = <A, E>(
  effect: Effect.Effect<A, E, Notifications.Notifications | Deliveries.Deliveries | Resilience.Resilience>
) => Effect.runPromise(Effect.scoped(Effect.provide(effect, world())))

const sendReminder = Notifications.send(
  { phone: "+447700900123" },
  { subject: "Tasting", text: "Cake tasting tomorrow at 11:00." },
  { channels: ["sms"] }
)

/** The status callback Twilio would post for the message, signed as Twilio signs it. */
const callback = (sid: string, status: TwilioSim.MessageStatus, errorCode?: number): Webhooks.WebhookDelivery => {
  const message = sims.twilio.state.messages.get(sid)
  if (message === undefined) throw new Error(`the simulator has no message ${sid}`)
  return sims.twilio.buildWebhook(
    TwilioSim.events.messageStatus(message, status, {
      url: STATUS_URL,
      ...(errorCode === undefined ? {} : { errorCode })
    })
  )
}

/** What a webhook endpoint does with a delivery: verify, decode, record. */
const receive = (delivery: Webhooks.WebhookDelivery) =>
  Effect.gen(function* () {
    const source = TwilioWebhooks.make({ authToken: Redacted.make(sims.twilio.credentials.authToken) })
    const event = yield* source.verify(Webhooks.toRequest(delivery))
    const deliveries = yield* Deliveries.Deliveries
    return yield* Effect.forEach(yield* TwilioWebhooks.deliveryEvents(event), (found) => deliveries.record(found))
  })

const reconcile = Effect.suspend(() =>
  Reconciliation.run({ lookups: [TwilioStatus.make(twilioOptions()), PostmarkStatus.make(postmarkOptions())] })
)

const stateOf = (provider: string, messageId: string) =>
  Effect.map(
    Effect.flatMap(Deliveries.Deliveries, (deliveries) => deliveries.get(provider, messageId)),
    Option.getOrThrow
  )

const summary = (events: ReadonlyArray<DeliveryEvent.DeliveryEvent>) =>
  events.map((event) => `${event.status}:${event.source}${event.providerCode ? `:${event.providerCode}` : ""}`)

describe("SMS delivery events", () => {
  it("a status callback settles the message, so reconciliation has nothing to ask", async () => {
    const result = await run(
      Effect.gen(function* () {
        const sent = yield* sendReminder
        const recorded = yield* receive(callback(sent.messageId, "delivered"))
        const again = yield* receive(callback(sent.messageId, "delivered"))
        const settled = yield* stateOf(sent.provider, sent.messageId)
        const pass = yield* reconcile
        return { recorded, again, settled, pass }
      })
    )
    expect(result.recorded).toEqual(["recorded"])
    expect(result.again).toEqual(["duplicate"])
    expect(result.settled.state).toBe("settled")
    expect(summary(result.settled.events)).toEqual(["delivered:webhook"])
    expect(result.pass.checked).toBe(0)
    expect(sims.twilio.ledger.requests().filter((request) => request.operation === "messages.fetch")).toHaveLength(0)
  })

  it("a lost callback is found by reconciliation, and the late callback is then a duplicate", async () => {
    const result = await run(
      Effect.gen(function* () {
        const sent = yield* sendReminder
        const pass = yield* reconcile
        const settled = yield* stateOf(sent.provider, sent.messageId)
        const late = yield* receive(callback(sent.messageId, "delivered"))
        const after = yield* stateOf(sent.provider, sent.messageId)
        return { pass, settled, late, after }
      })
    )
    expect(result.pass).toMatchObject({ checked: 1, settled: 1, failed: 0 })
    expect(result.settled.state).toBe("settled")
    expect(summary(result.settled.events)).toEqual(["delivered:reconciliation"])
    expect(result.late).toEqual(["duplicate"])
    expect(result.after.events).toHaveLength(1)
  })

  it("a carrier failure found by reconciliation keeps the carrier's code", async () => {
    const result = await run(
      Effect.gen(function* () {
        const sent = yield* sendReminder
        const message = sims.twilio.state.messages.get(sent.messageId)
        if (message !== undefined) {
          // the handset was unreachable: Twilio reports it on the message resource
          message.status = "undelivered"
          message.errorCode = 30003
          message.errorMessage = "Unreachable destination handset"
        }
        yield* reconcile
        return yield* stateOf(sent.provider, sent.messageId)
      })
    )
    expect(result.status).toBe("undelivered")
    expect(summary(result.events)).toEqual(["undelivered:reconciliation:30003"])
  })

  it("a forged callback is refused and records nothing", async () => {
    const outcome = await run(
      Effect.gen(function* () {
        const sent = yield* sendReminder
        const forged = sims.twilio.buildWebhook(
          TwilioSim.events.messageStatus(sims.twilio.state.messages.get(sent.messageId)!, "failed", {
            url: STATUS_URL
          }),
          { tamper: "wrongSecret" }
        )
        const refused = yield* Effect.flip(receive(forged))
        const state = yield* stateOf(sent.provider, sent.messageId)
        return { refused, state }
      })
    )
    expect(outcome.refused._tag).toBe("IntegrationError")
    expect(outcome.refused._tag === "IntegrationError" && outcome.refused.reason._tag).toBe("SignatureInvalid")
    expect(outcome.state.events).toHaveLength(0)
    expect(outcome.state.state).toBe("pending")
  })
})

describe("email delivery events", () => {
  const emailReminder = (email: string) =>
    Notifications.send(
      { email },
      { subject: "Tasting", text: "Cake tasting tomorrow at 11:00." },
      { channels: ["email"] }
    )

  /** The bounce Postmark recorded for the message, as its webhook (Basic credentials on the URL). */
  const bounceHook = (messageId: string) => {
    const message = sims.postmark.state.messages.get(messageId)
    const bounced = message?.MessageEvents.find((event) => event.Type === "Bounced")
    if (message === undefined || bounced === undefined) throw new Error(`no bounce for ${messageId}`)
    return sims.postmark.buildWebhook(
      PostmarkSim.events.bounce(
        { ID: Number(bounced.Details.BounceID), MessageID: messageId, Email: bounced.Recipient, Type: "HardBounce" },
        { url: "https://hooks.wedsync.test/email/postmark" }
      )
    )
  }

  const receive = (delivery: Webhooks.WebhookDelivery) =>
    Effect.gen(function* () {
      const source = yield* PostmarkWebhooks.make({
        basicAuth: {
          username: sims.postmark.credentials.webhookUsername,
          password: Redacted.make(sims.postmark.credentials.webhookPassword)
        }
      })
      const event = yield* source.verify(Webhooks.toRequest(delivery))
      const deliveries = yield* Deliveries.Deliveries
      return yield* Effect.forEach(yield* PostmarkWebhooks.deliveryEvents(event), (found) => deliveries.record(found))
    })

  it("a hard bounce arrives by webhook and settles the email as bounced", async () => {
    const result = await run(
      Effect.gen(function* () {
        const sent = yield* emailReminder("bounce@example.com")
        const recorded = yield* receive(bounceHook(sent.messageId))
        return { recorded, state: yield* stateOf(sent.provider, sent.messageId) }
      })
    )
    expect(result.recorded).toEqual(["recorded"])
    expect(result.state).toMatchObject({ state: "settled", status: "bounced" })
    expect(result.state.events[0]).toMatchObject({ bounce: "hard", recipient: "bounce@example.com", source: "webhook" })
  })

  it("a bounce whose webhook was lost is found by reconciliation, and the late webhook is a duplicate", async () => {
    const result = await run(
      Effect.gen(function* () {
        const sent = yield* emailReminder("bounce@example.com")
        const pass = yield* reconcile
        const found = yield* stateOf(sent.provider, sent.messageId)
        const late = yield* receive(bounceHook(sent.messageId))
        return { pass, found, late }
      })
    )
    expect(result.pass).toMatchObject({ checked: 1, settled: 1 })
    expect(result.found).toMatchObject({ state: "settled", status: "bounced" })
    expect(summary(result.found.events)).toEqual(["bounced:reconciliation"])
    expect(result.late).toEqual(["duplicate"])
  })
})
